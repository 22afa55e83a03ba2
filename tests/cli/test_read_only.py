"""``--read-only`` on every command that writes: it watches, prints without storing, or refuses
with exit 2 (walk finding 4: rotate, revoke and validate ignored it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from rotui.ui.app import make_app
from rotui.ui.screens.rotation import RotationWizardScreen
from tests.cli.test_cli import assert_clean, rotui
from tests.ui.helpers import Demo, demo_services, wait_until


def audit_actions(env: dict[str, str]) -> list[str]:
    done = rotui(env, "audit", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    entries = doc["entries"] if isinstance(doc, dict) else doc
    return [e["action"] for e in entries]


def runs_of(env: dict[str, str]) -> list[object]:
    done = rotui(env, "runs", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    return list(doc["runs"] if isinstance(doc, dict) else doc)


@pytest.mark.parametrize(
    "argv",
    [
        ("rotate", "GOOD", "--headless", "--read-only"),
        ("rotate", "GOOD", "--rollback", "--read-only"),
        ("--read-only", "revoke", "GOOD", "--headless", "--mode", "now", "--confirm", "GOOD"),
        ("revoke", "GOOD", "--rollback", "--read-only"),
        ("key", "set", "REVOKED", "--read-only"),
        ("key", "delete", "REVOKED", "--read-only"),
        ("check", "--notify", "--read-only"),
    ],
)
def test_writing_commands_refuse_read_only_with_exit_2(config, child_env, argv) -> None:
    done = rotui(child_env, *argv, stdin="sk-ant-api03-" + "x" * 90 + "\n")
    assert_clean(done)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "--read-only" in done.stderr and "nothing was done" in done.stderr
    said = [line for line in done.stderr.splitlines() if "--read-only" in line]
    assert len(said) == 1 and said[0].startswith("rotui: --read-only: "), done.stderr
    assert runs_of(child_env) == []
    assert audit_actions(child_env) == []


def test_init_refuses_read_only(child_env, tmp_path) -> None:
    target = tmp_path / "new.toml"
    done = rotui(child_env, "--config", str(target), "init", "--read-only")
    assert done.returncode == 2 and "--read-only" in done.stderr
    assert not target.exists()


def test_validate_read_only_prints_but_stores_and_audits_nothing(config, child_env) -> None:
    done = rotui(child_env, "validate", "GOOD", "--json", "--read-only")
    assert_clean(done)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"][0]["status"] == "valid"
    assert "not stored" in done.stderr
    status = json.loads(rotui(child_env, "status", "--json").stdout)
    assert {r["name"]: r["last_validation"] for r in status["keys"]}["GOOD"] is None
    assert "key.validated" not in audit_actions(child_env)
    stored = rotui(child_env, "validate", "GOOD", "--json")  # without it: stored and audited
    assert stored.returncode == 0 and "key.validated" in audit_actions(child_env)


def test_holders_read_only_scans_without_an_audit_entry(child_env, tmp_path) -> None:
    path = tmp_path / "plain.toml"
    path.write_text(
        '[holders]\nheroku = false\ninfisical = false\ngithub = false\npaths = []\n\n'
        '[[keys]]\nname = "LOCAL"\nsource = "env:LOCAL_KEY"\n'
    )
    child_env["ROTUI_CONFIG"] = str(path)
    child_env["LOCAL_KEY"] = "sk-ant-api03-" + "y" * 90
    done = rotui(child_env, "holders", "--read-only", "--json")
    assert "Traceback" not in done.stderr and done.returncode in (0, 1), done.stderr
    assert not any(a.startswith("holders.") for a in audit_actions(child_env))
    rotui(child_env, "holders", "--json")
    assert any(a.startswith("holders.") for a in audit_actions(child_env))


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    with demo_services(tmp_path / "demo", validated=False) as prepared:
        yield prepared


@pytest.mark.parametrize("how", ["rotate", "emergency"])
async def test_the_wizard_read_only_watches_and_starts_nothing(demo, how) -> None:
    key = "ANTHROPIC_API_KEY_BATCH"
    app = make_app(demo.services, read_only=True, **{how: key})
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, RotationWizardScreen), "wizard")
        screen = app.screen
        await wait_until(pilot, lambda: bool(screen.blocked), "the watching notice")
        assert "Read-only" in screen.blocked
        for action in ("retry", "rollback", "revoke", "confirm_consumer", "emergency"):
            assert screen.check_action(action, ()) is None, action
        await pilot.press("enter", "R", "b", "X", "x")
        await pilot.pause()
        assert demo.services.runs().active(key) is None
        assert not screen.rotation.deps.lock.held
