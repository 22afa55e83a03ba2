"""The audit timeline at 80 columns (walk s13 3.9): actions that differ read differently, the
actor cut says so, j/k move, and Esc with a filter typed clears it before going back."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.widgets import DataTable, Input

from rotui.core.audit import AuditLog
from rotui.ui.screens.audit import AuditScreen
from rotui.ui.screens.help import bindings_of
from tests.ui.helpers import wait_until

ENDINGS = ("consumer.writing", "consumer.written", "consumer.confirmed")
ACTOR = "release-manager@build-host-042.example"


def log_with_an_emergency(root: Path) -> AuditLog:
    log = AuditLog(root, actor=ACTOR)
    for key in ("ANTHROPIC_API_KEY_STAGING", "ANTHROPIC_API_KEY"):
        for ending in ENDINGS:
            log.append(f"secret.revoke.emergency.{ending}", key=key, context={"consumer": "c1"})
    return log


class Host(App[None]):
    def __init__(self, log: AuditLog) -> None:
        super().__init__()
        self.log_ = log

    def on_mount(self) -> None:
        self.push_screen(AuditScreen(self.log_, poll_interval=60))


def rows(table: DataTable[str]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_at_80_columns_each_action_reads_whole_where_it_differs_and_cuts_say_so(
    tmp_path: Path,
) -> None:
    app = Host(log_with_an_emergency(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 6, "the timeline")
        shown = rows(table)
        actions = [row[2] for row in shown[:3]]
        assert len(set(actions)) == 3, actions  # not three times "secret.revoke.emergency.consu…"
        assert all(a.endswith(e) for a, e in zip(actions, reversed(ENDINGS), strict=True)), actions
        assert all(row[3].endswith("…") and ACTOR.startswith(row[3][:-1]) for row in shown)
        # When, Key, Action and Actor all fit in the 80 columns, nothing cut without a mark
        columns = table.ordered_columns
        assert sum(c.get_render_width(table) for c in columns[:4]) <= 80, columns
        assert max(len(row[1]) for row in shown) == len("ANTHROPIC_API_KEY_STAGING")


def test_an_action_is_cut_at_the_front_by_whole_segments() -> None:
    from rotui.ui.screens.audit import action_cell, widths

    assert action_cell("secret.rotate.validated", 30) == "secret.rotate.validated"
    assert action_cell("secret.revoke.emergency.consumer.confirmed", 30) == (
        "…emergency.consumer.confirmed"
    )
    assert action_cell("a.averyveryverylongsegment", 10) == "…averyver…"
    assert widths([], 80) == (3, 6, 5)  # nothing to show: the headers


async def test_j_and_k_move_and_esc_clears_a_typed_filter_before_going_back(
    tmp_path: Path,
) -> None:
    app = Host(log_with_an_emergency(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 6, "the timeline")
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("slash", *"staging")
        await wait_until(pilot, lambda: table.row_count == 3, "the filter applied")
        await pilot.press("escape")  # clears the filter: still on the timeline
        await wait_until(pilot, lambda: table.row_count == 6, "the filter cleared")
        assert isinstance(app.screen, AuditScreen)
        assert app.screen.query_one("#audit-filter", Input).value == ""
        listed = {keys: what for keys, what, _tooltip in bindings_of(app.screen)}
        assert listed["⏎"] == "Entry" and listed["j"] == "Down", listed  # help lists them
        await pilot.press("escape")  # no filter now: back
        await wait_until(pilot, lambda: not isinstance(app.screen, AuditScreen), "back")
