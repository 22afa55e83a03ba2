"""The wizard's actions on one consumer: confirm the one the panel asks about, skip, see its detail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.widgets import DataTable

from rotui.core.rotation import Action, Next, Rotation
from rotui.ui.modals.confirm import ReasonModal
from rotui.ui.navigation import ReportingScreen
from rotui.ui.screens.rotation import consumers


class ConsumerActions(ReportingScreen):
    """`c`, `s` and Enter on the consumers table; the wizard screen supplies the run and the step."""

    rotation: Rotation | None
    next: Next | None
    failure: str | None
    _pointed: tuple[str, ...]  # the waiting consumers the cursor was last put on

    if TYPE_CHECKING:  # the wizard screen's own

        def redraw(self) -> None: ...

        def step(self, what: str, argument: str = "") -> object: ...

    def waiting(self) -> tuple[str, ...]:
        """The consumers the panel asks the operator to confirm (or skip) now."""
        upcoming = self.next
        if upcoming is None or upcoming.action is not Action.CONFIRM_CONSUMERS:
            return ()
        return upcoming.waiting

    def point_at_waiting(self) -> None:
        """The cursor starts on the (first) consumer the panel asks about, so `c` confirms it."""
        waiting = self.waiting()
        if waiting and waiting != self._pointed:
            table = self.query_one("#consumers", DataTable)
            if waiting[0] in table.rows:
                table.move_cursor(row=table.get_row_index(waiting[0]), animate=False)
        self._pointed = waiting

    def selected_consumer(self) -> str | None:
        table = self.query_one("#consumers", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate)[0].value)

    def action_confirm_consumer(self) -> None:
        name = self.selected_consumer()
        if name is None:
            return
        waiting = self.waiting()
        if name not in waiting:  # refused here, before anything is audited
            self.failure = f"{name} is not waiting for a confirmation: " + (
                f"select {', '.join(waiting)} and press c" if waiting else "none is waiting now"
            )
            self.redraw()
            return
        self.step("confirm", name)

    def action_skip_consumer(self) -> None:
        name = self.selected_consumer()
        if name is None:
            return

        def skipped(reason: str | None) -> None:
            if reason:
                self.step("skip", f"{name}\n{reason}")

        self.app.push_screen(ReasonModal(f"Skip {name}? Say why (audited)."), skipped)

    def action_consumer_detail(self) -> None:
        """The selected consumer's whole detail: the table cuts it at 80 columns."""
        name = self.selected_consumer()
        if name is None or self.rotation is None:
            return
        spec = next(s for s in self.rotation.specs if s.name == name)
        self.app.push_screen(consumers.ConsumerDetail.of(spec, self.rotation.view()))

    @on(DataTable.RowSelected, "#consumers")
    def _consumer_chosen(self) -> None:
        self.action_consumer_detail()
