"""The holders view in the TUI: "where: NAME" in the palette, `w` on the emergency screen."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from textual.widgets import DataTable, Static

from rotui.core.holders.settings import HoldersSettings
from rotui.ui.app import make_app
from rotui.ui.screens.dashboard import DashboardScreen
from rotui.ui.screens.holders import HoldersScreen
from rotui.ui.widgets.key_table import KeyTable
from tests.ui.helpers import wait_until


def palette(app, title: str):
    return next(cb for t, _, cb in app.screen.palette_commands() if t == title)


async def test_where_in_the_palette_shows_where_the_key_lives(demo, tmp_path: Path) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        name = app.screen.query_one(KeyTable).selected_name
        key = demo.config.key(name)
        value = demo.services.store.read(key.source, key.name)
        tree = tmp_path / "tree"
        tree.mkdir()
        (tree / ".env").write_text(f"LLM={value.reveal()}\n")
        (tree / "blob.bin").write_bytes(b"\0" + value.reveal().encode())
        holders = HoldersSettings(heroku=False, infisical=False, github=False, paths=(tree,))
        demo.services.config = dataclasses.replace(demo.config, holders=holders)
        palette(app, f"where: {name}")()
        await wait_until(pilot, lambda: isinstance(app.screen, HoldersScreen), "holders screen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.report is not None, "the scan's end", 20)
        shown = screen.query_one("#holders-status", Static)
        await wait_until(pilot, lambda: "done" in str(shown.render()), "the status says done")
        status = str(shown.render())
        assert "1 unmanaged" in status and "1 skipped" in status and "done" in status
        table = screen.query_one(DataTable)
        cells = [str(c) for c in table.get_row_at(0)]
        assert cells[0] == "unmanaged" and cells[4] == name and cells[3] == value.hint
        assert cells[1].endswith("tree/.env:1 · LLM")
        screen_text = "\n".join(str(w.render()) for w in screen.query(Static))
        assert value.reveal() not in screen_text + " ".join(cells)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "back")


async def test_w_on_the_emergency_screen_scans_for_that_key(demo, tmp_path: Path) -> None:
    from rotui.ui.screens.emergency import EmergencyScreen

    app = make_app(demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        name = app.screen.query_one(KeyTable).selected_name
        demo.services.config = dataclasses.replace(
            demo.config, holders=HoldersSettings(heroku=False, infisical=False, github=False)
        )
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), "emergency")
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(app.screen, HoldersScreen), "holders screen")
        assert app.screen.key == name
        await wait_until(pilot, lambda: app.screen.report is not None, "the scan's end", 20)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), "back")


async def test_at_80_columns_the_place_is_cut_with_a_mark_and_enter_shows_it_whole(
    demo, tmp_path: Path
) -> None:
    """Walk s13 3.7: Place was the fifth column, cut at the screen's edge with no "…"; Enter did
    nothing and only cell-scrolling showed it."""
    from rotui.ui.screens.holders import FindingModal

    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        name = app.screen.query_one(KeyTable).selected_name
        key = demo.config.key(name)
        value = demo.services.store.read(key.source, key.name)
        tree = tmp_path / ("a-directory-with-a-long-name-" * 3) / "deeper"
        tree.mkdir(parents=True)
        (tree / "settings.env").write_text(f"LLM={value.reveal()}\n")
        holders = HoldersSettings(heroku=False, infisical=False, github=False, paths=(tree,))
        demo.services.config = dataclasses.replace(demo.config, holders=holders)
        palette(app, f"where: {name}")()
        await wait_until(pilot, lambda: isinstance(app.screen, HoldersScreen), "holders screen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.report is not None, "the scan's end", 20)
        table = screen.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 1, "the finding")
        place = str(table.get_row_at(0)[1])
        whole = screen.report.findings[0].place.label()
        assert len(whole) > 40 and place != whole, place
        head, _, tail = place.partition("…")
        assert whole.startswith(head) and whole.endswith(tail) and tail.endswith("LLM"), place
        # Status, Place, Held and Hint are all on screen, the place no wider than its column
        columns = table.ordered_columns
        assert sum(c.get_render_width(table) for c in columns[:4]) <= 80, columns
        assert len(place) <= columns[1].width
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, FindingModal), "the finding whole")
        text = str(app.screen.query_one("#holders-finding", Static).render())
        assert f"Place: {whole}" in text and value.reveal() not in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HoldersScreen), "back to the list")
