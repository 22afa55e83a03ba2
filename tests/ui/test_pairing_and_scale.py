"""A read-only observer follows another process; the dashboard copes with 500 keys."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from textual.widgets import Static

from rotui.config import parse_config
from rotui.core.secret import MemoryKeyring, SecretStore
from rotui.demo import demo_config_text, demo_sim, fake_key
from rotui.paths import Paths
from rotui.services import Services
from rotui.ui.app import make_app
from rotui.ui.widgets.key_table import KeyTable
from tests.ui.helpers import FROZEN, wait_until


async def test_observer_sees_another_process_validation(
    child_env: dict[str, str], tmp_path: Path
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    with demo_sim(today) as sim:
        paths = Paths.default()  # the XDG dirs of this test's isolated HOME, shared with the child
        config_path = paths.config_dir / "rotui.toml"
        config_path.parent.mkdir(parents=True)
        config_path.write_text(
            demo_config_text(sim.base_url, today).replace('admin_key = "keyring"\n', "")
        )
        Path(child_env["ROTUI_TEST_KEYRING"]).write_text(
            json.dumps({"rotui/ANTHROPIC_API_KEY_STAGING": fake_key("ANTHROPIC_API_KEY_STAGING")})
        )
        config = parse_config(config_path.read_text(), str(config_path))
        observer = Services(
            config=config, paths=paths, store=SecretStore(MemoryKeyring()), trust_env=False
        )
        app = make_app(observer, read_only=True, poll_interval=0.2)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            table = app.screen.query_one(KeyTable)
            assert "– never" in str(table.get_row("ANTHROPIC_API_KEY_STAGING")[3])
            child = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "rotui",
                "validate",
                "ANTHROPIC_API_KEY_STAGING",
                env={**child_env, "NO_PROXY": "127.0.0.1"},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            _out, err = await asyncio.wait_for(child.communicate(), 60)
            assert child.returncode == 1, err.decode()  # the staging key is revoked: invalid
            await wait_until(  # the observer polls the state file (every 0.2 s here)
                pilot,
                lambda: "invalid" in str(table.get_row("ANTHROPIC_API_KEY_STAGING")[3]),
                "the observer caught up",
            )
            assert "✗ invalid" in str(table.get_row("ANTHROPIC_API_KEY_STAGING")[3])
            assert "1 failing" in str(app.screen.query_one("#summary", Static).render())


def big_config(tmp_path: Path, keys: int = 500, consumers: int = 4) -> str:
    lines = ["[settings]", "cadence_days = 90"]
    for i in range(keys):
        lines += [
            "[[keys]]",
            f'name = "KEY_{i:04d}"',
            f'environment = "{("prod", "staging", "dev")[i % 3]}"',
            f'workspace = "ws{i % 7}"',
            f"created = {(FROZEN.date() - dt.timedelta(days=i % 140)).isoformat()}",
        ]
        for c in range(consumers):
            lines += [
                "[[keys.consumers]]",
                f'name = "app-{i}-{c}"',
                'kind = "manual"',
                'instructions = "x"',
            ]
    return "\n".join(lines) + "\n"


async def test_500_keys_filter_sort_and_scroll(tmp_path: Path) -> None:
    config = parse_config(big_config(tmp_path), "big.toml")
    services = Services(
        config=config,
        paths=Paths.under(tmp_path),
        store=SecretStore(MemoryKeyring()),
        clock=lambda: FROZEN,
    )
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        assert table.row_count == 500
        await pilot.press("end")
        assert table.cursor_row == 499
        await pilot.press("home", "pagedown")
        assert table.cursor_row > 5
        await pilot.press("s", "s", "s")  # by name
        await pilot.press("home")
        assert table.selected_name == "KEY_0000"
        await pilot.press("slash", *"key_0421")
        await pilot.pause()
        assert table.row_count == 1 and table.selected_name == "KEY_0421"
        assert "app-421-3 (manual)" in "\n".join(
            str(w.render()) for w in app.screen.query("KeyDetail Static")
        )
        await pilot.press("escape")
        await pilot.pause()
        assert table.row_count == 500


async def test_the_demo_pairing_toast_comes_through_the_app(tmp_path: Path) -> None:
    """The demo hands its pairing note to make_app; the dashboard shows it (and imports no demo)."""
    from tests.ui.helpers import wait_until

    config = parse_config(big_config(tmp_path, keys=2, consumers=1), "small.toml")
    services = Services(
        config=config, paths=Paths.under(tmp_path), store=SecretStore(MemoryKeyring())
    )
    app = make_app(services, demo=True, pairing="follow me with: rotui demo --read-only")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(
            pilot,
            lambda: any("follow me" in str(n.message) for n in app._notifications),
            "the pairing toast",
        )
    quiet = make_app(services, demo=True, read_only=True, pairing="follow me")
    async with quiet.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not any("follow me" in str(n.message) for n in quiet._notifications)
