"""`rotui import`: the organisation's keys from the simulated Admin API as a config fragment."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from rotui.config import load_config
from rotui.demo import fake_key
from rotui.sim.anthropic import SimKey, SimulatedAnthropic, SimWorkspace
from tests.cli.test_cli import assert_clean, rotui

ADMIN = fake_key("import-admin", "sk-ant-admin01-")
WS_EU = SimWorkspace("wrkspc_01EuropeTeam00000000000", "Europe team")
WS_ML = SimWorkspace("wrkspc_01Research0000000000000", "Research")
# 230 keys: three pages of 100 at rotui's page size
BULK = 230


@pytest.fixture
def sim() -> Iterator[SimulatedAnthropic]:
    with SimulatedAnthropic(admin_keys=[ADMIN], workspaces=[WS_EU, WS_ML]) as server:
        server.add_key(
            SimKey(fake_key("imp-prod"), name="prod backend", created_at="2026-03-04T10:00:00Z")
        )
        server.add_key(
            SimKey(
                fake_key("imp-eu"),
                name="prod backend",  # the same name in another workspace
                workspace_id=WS_EU.id,
                created_at="2026-05-06T10:00:00Z",
            )
        )
        server.add_key(
            SimKey(
                fake_key("imp-old"),
                name="old#1\x1b[2J",
                status="inactive",
                workspace_id=WS_ML.id,
                created_at="2025-01-02T00:00:00Z",
            )
        )
        server.add_key(SimKey(fake_key("imp-gone"), name="gone", status="archived"))
        for index in range(BULK):
            server.add_key(
                SimKey(
                    fake_key(f"imp-bulk-{index}"),
                    name=f"svc {index:03d}",
                    workspace_id=(WS_EU.id, WS_ML.id, None)[index % 3],
                    created_at=f"2026-02-{1 + index % 28:02d}T00:{index % 60:02d}:00Z",
                )
            )
        yield server


@pytest.fixture
def config(tmp_path: Path, sim: SimulatedAnthropic, child_env: dict[str, str]) -> Path:
    path = tmp_path / "rotui.toml"
    path.write_text(
        f'[settings]\nadmin_key = "env:ADMIN_KEY"\nadmin_base_url = "{sim.base_url}"\n'
        '\n[[keys]]\nname = "svc-007"\n'
        'source = "env:SVC7"\nworkspace = "Research"\n'
        # the same name, configured for another workspace: not the Admin key "svc 008"
        '\n[[keys]]\nname = "svc-008"\nsource = "env:SVC8"\nworkspace = "Europe team"\n'
    )
    path.chmod(0o600)
    child_env.update(ROTUI_CONFIG=str(path), ADMIN_KEY=ADMIN, ANTHROPIC_BASE_URL=sim.base_url)
    return path


def test_import_lists_every_workspace_and_page_and_the_fragment_loads(
    config: Path, sim: SimulatedAnthropic, child_env: dict[str, str], tmp_path: Path
) -> None:
    done = rotui(child_env, "import")
    assert done.returncode == 0, done.stderr
    assert_clean(done)
    fragment = tmp_path / "imported.toml"
    fragment.write_text(done.stdout)
    keys = {k.name: k for k in load_config(fragment).keys}
    # every active and inactive key but the one configured; the archived one left out
    assert len(keys) == 3 + BULK - 1
    assert "gone" not in keys and "svc-007" not in keys
    assert keys["svc-008-2"].workspace == "default"  # svc 008 lives in the default workspace
    assert "rotui: skipped svc 007" in done.stderr and "configured as svc-007" in done.stderr
    # same Admin name twice: unique names; workspaces by id, the default one as "default"
    assert keys["prod-backend"].workspace == "default"
    assert keys["prod-backend-2"].workspace == WS_EU.id
    assert keys["prod-backend"].created is not None
    assert keys["prod-backend"].created.date().isoformat() == "2026-03-04"
    old = keys["old-1-2J"]
    assert old.workspace == WS_ML.id and old.source == "env:OLD_1_2J"
    assert "status: inactive" in done.stdout and "workspace: Research" in done.stdout
    assert "\x1b" not in done.stdout
    for remote in (fake_key("imp-prod"), fake_key("imp-eu")):
        hint_id = SimKey(remote).id
        assert f"# admin id: {hint_id}" in done.stdout
    pages = [r for r in sim.requests() if r.path == "/v1/organizations/api_keys"]
    assert len(pages) == 3  # 234 keys at 100 a page


def test_import_writes_a_new_private_file_and_never_overwrites(
    config: Path, child_env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "keys.d" / "imported.toml"
    target.parent.mkdir()
    done = rotui(child_env, "import", "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert done.stdout == ""
    first = target.read_text()
    again = rotui(child_env, "import", "-o", str(target))
    assert again.returncode == 2
    assert "already exists" in again.stderr and "not overwriting" in again.stderr
    assert target.read_text() == first
    link = tmp_path / "link.toml"
    victim = tmp_path / "victim.txt"
    link.symlink_to(victim)
    through = rotui(child_env, "import", "-o", str(link))
    assert through.returncode == 2 and not victim.exists()
    assert_clean(through)


def test_import_again_skips_what_an_earlier_import_wrote(
    config: Path, child_env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "first.toml"
    assert rotui(child_env, "import", "-o", str(target)).returncode == 0
    # the operator includes the fragment; a second import finds nothing new
    config.write_text('include = ["first.toml"]\n' + config.read_text())
    again = rotui(child_env, "import")
    assert again.returncode == 0, again.stderr
    assert "[[keys]]" not in again.stdout
    assert again.stderr.count("rotui: skipped") == 3 + BULK


def test_import_without_admin_key_says_what_to_set(
    config: Path, child_env: dict[str, str]
) -> None:
    config.write_text('[[keys]]\nname = "A"\n')
    done = rotui(child_env, "import")
    assert done.returncode == 2
    assert "settings.admin_key" in done.stderr
    assert_clean(done)


def test_import_with_a_wrong_admin_key_is_one_clear_line(
    config: Path, child_env: dict[str, str]
) -> None:
    child_env["ADMIN_KEY"] = fake_key("not-admin", "sk-ant-admin01-")
    done = rotui(child_env, "import")
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "rotui: the Admin API key was refused (401): check settings.admin_key: invalid x-api-key"
        " (HTTP 401)"
    ]
    assert_clean(done)
    assert child_env["ADMIN_KEY"] not in done.stderr
    assert os.environ.get("ADMIN_KEY") is None
