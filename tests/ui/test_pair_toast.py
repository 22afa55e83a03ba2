"""The demo's Pair toast at 60x20 (walk s14 4.2): it covered the key's detail for 10 s and Esc
did not hide it (Textual's toasts go on a click only)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets._toast import Toast

from rotui.config import parse_config
from rotui.core.secret import MemoryKeyring, SecretStore
from rotui.demo import pairing
from rotui.paths import Paths
from rotui.services import Services
from rotui.ui.app import make_app
from tests.ui.helpers import wait_until
from tests.ui.test_pairing_and_scale import big_config


async def test_esc_hides_the_pair_toast_that_covers_the_detail(tmp_path: Path, monkeypatch) -> None:
    config = parse_config(big_config(tmp_path, keys=2, consumers=1), "small.toml")
    services = Services(
        config=config, paths=Paths.under(tmp_path), store=SecretStore(MemoryKeyring())
    )
    monkeypatch.setattr(pairing, "_announced", pairing.RunningDemo(tmp_path, 1))
    long_path = "/tmp/walk2-clone/.venv/bin/rotui"
    monkeypatch.setattr("rotui.demo.hints.rotui_command", lambda: long_path)
    app = make_app(services, demo=True, pairing=pairing.pairing_hint())
    async with app.run_test(size=(60, 20), notifications=True) as pilot:
        await wait_until(pilot, lambda: bool(app.screen.query(Toast)), "the pairing toast")
        toast = app.screen.query_one(Toast)
        said = " ".join(str(toast.render()).split())
        assert said.count(long_path) == 1 and "Esc hides this" in said, said  # what it says is so
        await pilot.press("escape")
        await pilot.pause()
        # gone at once, not at the end of its 10 s (its own timer, which waiting would reach)
        assert not app._notifications, app._notifications
        await wait_until(pilot, lambda: not app.screen.query(Toast), "the toast hidden by Esc")
