"""The wizard's consumers table: which key each consumer holds, and a detail that fits or says so.

At 80 columns the panel leaves the Detail column ten characters or so; a cut with no mark read as
the whole detail (walk finding 15). A detail that does not fit ends with "…", and Enter on the
consumer shows the whole of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.widgets import DataTable

from rotui.core.consumers.fields import ConsumerSpec
from rotui.core.runs import ConsumerRecord, Held, Run
from rotui.ui.modals.error import ErrorModal
from rotui.ui.plain import one_line, plain_cell
from rotui.ui.screens.rotation.dialogs import DEAD_WARNING

COLUMNS = (
    ("name", "Consumer"),
    ("kind", "Kind"),
    ("state", "State"),
    ("holds", "Holds"),
    ("detail", "Detail"),
)
CELL_PADDING = 2  # DataTable pads each cell by one column on either side
SCROLLBAR = 2
MIN_DETAIL = 8  # below this a detail is only its mark: still "…", still Enter for the whole


def holds(record: ConsumerRecord, run: Run) -> str:
    """Which key the consumer holds as far as rotui knows: a rollback's effect is visible.

    An emergency's "current" key is the exposed one: once its revoke has begun (a revoke-now
    deactivates it first) or the pre-check found it answering 401, "current" would read as a
    working key while the consumer is down.
    """
    if record.value is Held.PENDING:
        return "new"
    if record.value is Held.UNKNOWN:
        return "unknown"
    if run.kind == "emergency" and run.facts.revoke_started:
        return "old (revoked)"
    if run.kind == "emergency" and DEAD_WARNING in run.warnings:
        return "old (dead)"
    return "current"  # written back by a rollback, or never written by this run


def cut(text: str, width: int) -> str:
    """``text`` on one line, at most ``width`` columns; a cut ends with a visible "…"."""
    line = one_line(text)
    if len(line) <= width:
        return line
    return line[: max(width - 1, 0)] + "…"


def fill(table: DataTable[Any], specs: Sequence[ConsumerSpec], run: Run, width: int) -> None:
    """Redraw every consumer's row; ``width`` is the table's width in columns.

    When Kind and a readable Detail do not both fit (80 columns), Kind goes: Enter on a
    consumer says it, with the whole detail.
    """
    cells = {
        spec.name: {
            "name": spec.name,
            "kind": str(spec.kind),
            "state": run.consumers[spec.name].state.words,
            "holds": holds(run.consumers[spec.name], run),
        }
        for spec in specs
    }

    def needs(key: str, label: str) -> int:
        return max([len(label)] + [len(one_line(c[key])) for c in cells.values()]) + CELL_PADDING

    columns = list(COLUMNS)
    fixed = sum(needs(key, label) for key, label in columns[:-1])
    if width - fixed - CELL_PADDING - SCROLLBAR < MIN_DETAIL * 2:
        columns = [c for c in columns if c[0] != "kind"]
        fixed = sum(needs(key, label) for key, label in columns[:-1])
    room = max(width - fixed - CELL_PADDING - SCROLLBAR, MIN_DETAIL)
    if [str(k.value) for k in table.columns] != [key for key, _ in columns]:
        table.clear(columns=True)
        for key, label in columns:
            table.add_column(label, key=key)
    selected = table.cursor_row
    table.clear()
    for spec in specs:
        row = cells[spec.name]
        row["detail"] = cut(run.consumers[spec.name].detail, room)
        # names and details are outside text: shown as plain text
        table.add_row(*(plain_cell(row[key]) for key, _ in columns), key=spec.name)
    if table.row_count:
        table.move_cursor(row=min(selected, table.row_count - 1), animate=False)


class ConsumerDetail(ErrorModal):
    """One consumer's whole detail (Enter on its row); Esc, Enter or q closes it."""

    DEFAULT_CSS = """
    ConsumerDetail > Vertical { border: thick $primary; }
    ConsumerDetail #error-title { color: $text; }
    """

    @classmethod
    def of(cls, spec: ConsumerSpec, run: Run) -> ConsumerDetail:
        record = run.consumers[spec.name]
        title = f"{spec.name} ({spec.kind}) · {record.state.words} · holds: {holds(record, run)} key"
        return cls(title, record.detail or "no detail recorded")
