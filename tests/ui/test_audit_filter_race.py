"""Keys typed across a focus change on the audit timeline reach where the focus was when each was
typed (the dashboard's burst, tests/ui/test_filter_race.py, on the audit screen: `/BAT` then `V`
read "V", the field's Focus event selecting what the burst had typed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input

from rotui.ui.screens.audit import AuditScreen
from tests.ui.helpers import wait_until
from tests.ui.test_audit_screen import Host, log_with_an_emergency
from tests.ui.test_filter_race import burst


def field(app: Any) -> Input:
    return app.screen.query_one("#audit-filter", Input)


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.pause()


async def test_a_burst_behind_slash_keeps_every_key_and_the_next_adds_to_it(tmp_path: Path) -> None:
    app = Host(log_with_an_emergency(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 6, "the timeline")
        burst(app, "/", "S", "T", "A")
        await settle(pilot)
        assert app.focused is field(app) and field(app).value == "STA"
        assert field(app).selection.is_empty  # nothing selected: the next key adds to it
        await pilot.press("G")
        assert field(app).value == "STAG"
        await wait_until(pilot, lambda: table.row_count == 3, "the filter applied")


async def test_keys_behind_esc_are_the_tables_and_a_slash_in_the_field_is_typed(
    tmp_path: Path,
) -> None:
    app = Host(log_with_an_emergency(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 6, "the timeline")
        burst(app, "/", "a", "/", "b")
        await settle(pilot)
        assert field(app).value == "a/b"
        burst(app, "escape", "j", "j")
        await settle(pilot)
        assert field(app).value == ""  # cleared, not "jj" typed into it
        assert app.focused is table and table.cursor_row == 2  # both j moved the table
        assert isinstance(app.screen, AuditScreen) and table.row_count == 6  # Esc did not go back


async def test_the_footer_may_ask_before_the_filter_exists(tmp_path: Path) -> None:
    """The footer asks check_action of every binding, also while the screen is being composed or
    torn down: no filter field then is an answer (not offered), not a crash of the whole app."""
    app = Host(log_with_an_emergency(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bare = AuditScreen(log_with_an_emergency(tmp_path / "other"), poll_interval=60)
        assert bare.check_action("clear_filter", ()) is False
        assert bare.check_action("focus_filter", ()) is False
        assert bare.check_action("close", ()) is True
