"""The key table: one row per key, its freshness and last check in words and theme colours."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

from rotui.core.overview import KeyRow
from rotui.ui.format import FRESHNESS, last_check, theme_style
from rotui.ui.plain import plain_cell

WIDE_COLUMNS = (
    ("key", "Key"),
    ("where", "Env/workspace"),
    ("age", "Age"),
    ("due", "Due"),
    ("last", "Last check"),
    ("consumers", "Sync"),
)
NARROW_COLUMNS = (
    ("key", "Key"),
    ("where", "Env"),
    ("age", "Age"),
    ("last", "Last check"),
    ("consumers", "Sync"),
)
FULL_WIDTH = 100  # a table this wide shows every column; narrower ones leave details to the pane


class KeyTable(DataTable[Text]):
    """A DataTable that knows how to draw a :class:`KeyRow`; row keys are key names."""

    DEFAULT_CSS = """
    KeyTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("home,g", "first_row", "First", show=False, id="first", tooltip="First key"),
        Binding("end,G", "last_row", "Last", show=False, id="last", tooltip="Last key"),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, cell_padding=0, **kwargs)  # type: ignore[arg-type]
        self.wide = True
        self._styles: dict[tuple[str, str], Style] = {}
        self.now = dt.datetime.now(dt.UTC)

    def _style(self, variable: str) -> Style:
        """A Rich style from the current theme's variable (never a hard-coded colour), cached per theme."""
        key = (self.app.theme, variable)
        if key not in self._styles:
            self._styles[key] = theme_style(self.app.theme_variables, variable)
        return self._styles[key]

    def _cells(self, row: KeyRow) -> list[Text]:
        symbol, word, variable = FRESHNESS[row.age.freshness]
        age = "—" if row.age.age_days is None else f"{row.age.age_days}d"
        last_text, last_var = last_check(row.last, self.now)
        synced = "—" if row.consumers_synced is None else str(row.consumers_synced)
        cells = {
            "key": plain_cell(
                ("⟳ " if row.rotation else "") + row.name + (" ⚡" if row.usage_alert else "")
            ),
            "where": plain_cell(
                f"{row.key.environment or '-'}/{row.key.workspace}"
                if self.wide
                else (row.key.environment or "-")
            ),
            "age": Text(f"{age} {symbol} {word}", style=self._style(variable)),
            "due": Text(row.age.due.isoformat() if row.age.due else "—"),
            "last": Text(last_text, style=self._style(last_var)),
            "consumers": Text(f"{synced}/{len(row.key.consumers)}"),
        }
        columns = WIDE_COLUMNS if self.wide else NARROW_COLUMNS
        # One space of padding on the left only (cell_padding=0): at 80 columns every cell counts.
        return [Text(" ").append_text(cells[key]) for key, _label in columns]

    def show(self, rows: Sequence[KeyRow], wide: bool, now: dt.datetime) -> None:
        """Redraw every row, keeping the cursor on the same key when it is still shown."""
        selected = self.selected_name
        self.now = now
        if wide != self.wide or not self.columns:
            self.wide = wide
            self.clear(columns=True)
            for key, label in WIDE_COLUMNS if wide else NARROW_COLUMNS:
                self.add_column(" " + label, key=key)
        else:
            self.clear()
        for row in rows:
            self.add_row(*self._cells(row), key=row.name)
        if selected is not None and selected in self.rows:
            self.move_cursor(row=self.get_row_index(selected), animate=False)

    def update_row(self, row: KeyRow) -> None:
        """Redraw one row in place (during validate-all, as each result arrives)."""
        if row.name not in self.rows:
            return
        columns = WIDE_COLUMNS if self.wide else NARROW_COLUMNS
        for (key, _label), cell in zip(columns, self._cells(row), strict=True):
            self.update_cell(row.name, key, cell)

    def action_first_row(self) -> None:
        self.move_cursor(row=0, animate=False)

    def action_last_row(self) -> None:
        self.move_cursor(row=max(self.row_count - 1, 0), animate=False)

    @property
    def selected_name(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:  # the cursor can point past the end while rows are replaced
            return None
        return key.value
