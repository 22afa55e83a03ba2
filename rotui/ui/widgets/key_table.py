"""The key table: one row per key, its freshness and last check in words and theme colours.

Built for an organisation's inventory (10,000 keys, ``make bench`` figure 10). DataTable's own
``add_row`` measures every cell of every row and ``update_cell`` drops every cached render, so
here the table's rows are filled in bulk from per-key entries that are kept between redraws:

* a cell is stored as its plain text (what ``get_row`` returns; its width is measured once), and
  the styled ``Text`` is made only for the rows drawn (:meth:`_compute_row_renderables`);
* a redraw (filter, sort) reuses the entries of keys that did not change, so a keystroke in the
  filter costs a few dictionary comprehensions, not 10,000 ``add_row`` calls;
* :meth:`update_rows` rewrites the cells that changed and repaints only their rows.

This reaches into DataTable's internals (``_data``, ``_row_locations``, its render caches), so
textual is pinned to 8.2.x at run time and exactly for the tests (``pyproject.toml``), which cover
each path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from operator import itemgetter

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual._types import SegmentLines
from textual.binding import Binding
from textual.cache import LRUCache
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets._data_table import Row, RowRenderables
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey

from rotui.core.overview import KeyRow
from rotui.core.safetext import one_line
from rotui.ui.format import FRESHNESS, last_check, theme_style

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
LINES_KEPT = 200  # rendered lines cached (DataTable keeps 1,000): a few screens' worth
NOWHERE = Coordinate(-2, -2)  # on no row, not even the header's (-1)
KEEP_BUILD_AT = (
    2000  # rows from which a redraw's build is kept for the next time the same rows show
)


@dataclasses.dataclass(eq=False)  # compared by identity: the same entry means nothing changed
class _Entry:
    """One key's row as the table holds it, reused while the key, layout and minute are the same."""

    row: KeyRow
    stamp: tuple[bool, dt.datetime]  # (wide, the minute "5m ago" was computed for)
    texts: tuple[str, ...]  # each cell's plain text, one leading space of padding
    styles: tuple[str | None, ...]  # each cell's theme variable, if coloured
    widths: tuple[int, ...]
    key: RowKey
    meta: Row
    data: dict[ColumnKey, str]  # the dict DataTable holds for the row


@dataclasses.dataclass(eq=False)
class _Build:
    """The dictionaries DataTable keeps for one list of rows, made once and copied in."""

    stamp: tuple[bool, dt.datetime]
    entries: list[_Entry]
    forward: dict[RowKey, int]
    reverse: dict[int, RowKey]
    data: dict[RowKey, dict[ColumnKey, str]]
    metas: dict[RowKey, Row]
    widths: tuple[int, ...]


class KeyTable(DataTable[str]):
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
        self._entries: dict[str, _Entry] = {}
        self._shown: list[_Entry] = []  # in the table's order
        self._shown_stamp: tuple[bool, dt.datetime] | None = None
        self._kept: _Build | None = None
        # A rendered line is kept for one cursor position, so lines from a few screens back are
        # dead weight; each Strip drags ~15 objects that every full garbage collection walks.
        self._line_cache = LRUCache(LINES_KEPT)

    @property
    def _columns(self) -> tuple[tuple[str, str], ...]:
        return WIDE_COLUMNS if self.wide else NARROW_COLUMNS

    def _style(self, variable: str) -> Style:
        """A Rich style from the current theme's variable (never a hard-coded colour), cached per theme."""
        key = (self.app.theme, variable)
        if key not in self._styles:
            self._styles[key] = theme_style(self.app.theme_variables, variable)
        return self._styles[key]

    def _cells(self, row: KeyRow) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
        """Each cell's plain text and theme variable, in the current layout's column order."""
        symbol, word, variable = FRESHNESS[row.age.freshness]
        age = "—" if row.age.age_days is None else f"{row.age.age_days}d"
        last_text, last_var = last_check(row.last, self.now)
        synced = "—" if row.consumers_synced is None else str(row.consumers_synced)
        where = (
            f"{row.key.environment or '-'}/{row.key.workspace}"
            if self.wide
            else (row.key.environment or "-")
        )
        cells: dict[str, tuple[str, str | None]] = {
            "key": (
                one_line(
                    ("⟳ " if row.rotation else "") + row.name + (" ⚡" if row.usage_alert else "")
                ),
                None,
            ),
            "where": (one_line(where), None),
            "age": (f"{age} {symbol} {word}", variable),
            "due": (row.age.due.isoformat() if row.age.due else "—", None),
            "last": (last_text, last_var),
            "consumers": (f"{synced}/{len(row.key.consumers)}", None),
        }
        chosen = [cells[key] for key, _label in self._columns]
        # One space of padding on the left only (cell_padding=0): at 80 columns every cell counts.
        return tuple(" " + text for text, _ in chosen), tuple(var for _, var in chosen)

    @property
    def _stamp(self) -> tuple[bool, dt.datetime]:
        return (self.wide, self.now.replace(second=0, microsecond=0))

    def _entries_for(self, rows: Sequence[KeyRow]) -> list[_Entry]:
        """Each row's entry: the kept one when the row, the layout and the minute are the same."""
        stamp, get, made = self._stamp, self._entries.get, []
        for row in rows:
            entry = get(row.name)
            if entry is None or entry.row is not row or entry.stamp != stamp:
                entry = self._entry(row, stamp)
            made.append(entry)
        return made

    def _entry(self, row: KeyRow, stamp: tuple[bool, dt.datetime]) -> _Entry:
        """The key's entry, made again when its cells' text changed."""
        entry = self._entries.get(row.name)
        texts, styles = self._cells(row)
        if entry is not None and entry.texts == texts:
            entry.row, entry.stamp = row, stamp
            return entry
        key = RowKey(row.name)
        columns = [ColumnKey(key) for key, _label in self._columns]
        entry = _Entry(
            row=row,
            stamp=stamp,
            texts=texts,
            styles=styles,
            widths=tuple(map(cell_len, texts)),
            key=key,
            meta=Row(key, 1),
            data=dict(zip(columns, texts, strict=True)),
        )
        self._entries[row.name] = entry
        return entry

    def _compute_row_renderables(self, row_index: int) -> RowRenderables:
        """The styled cells of one drawn row, made from its entry (not stored for every row)."""
        row_key = self._row_locations.get_key(row_index) if row_index >= 0 else None
        entry = self._entries.get(row_key.value or "") if row_key is not None else None
        if entry is None or entry.key is not row_key:
            return super()._compute_row_renderables(row_index)
        cells: list[Text] = [
            Text(" ").append_text(Text(text[1:], style=self._style(var) if var else ""))
            for text, var in zip(entry.texts, entry.styles, strict=True)
        ]
        return RowRenderables(None, list(cells))

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[SegmentLines, SegmentLines]:
        """A row that neither the cursor nor the mouse is on looks the same wherever they are.

        DataTable keys each row's render on the cursor's position, so a cursor move that scrolls
        rendered every visible row again (figure 9b). Here such a row gets one render, kept.
        """
        if self.cursor_type == "row":
            index = self._row_locations.get(row_key)
            index = -1 if index is None else index  # -1: the header row
            if cursor_location.row != index:
                cursor_location = NOWHERE
            if hover_location.row != index:
                hover_location = NOWHERE
        return super()._render_line_in_row(
            row_key, line_no, base_style, cursor_location, hover_location
        )

    def show(self, rows: Sequence[KeyRow], wide: bool, now: dt.datetime) -> None:
        """Show these rows in this order, keeping the cursor on the same key when it is still shown."""
        selected = self.selected_name
        self.now = now
        if wide != self.wide or not self.columns:
            self.wide = wide
            self.clear(columns=True)
            for key, label in self._columns:
                self.add_column(" " + label, key=key)
            entries = self._entries_for(rows)
        else:
            if self._shown_stamp == self._stamp and self._same(self._shown, rows):
                return  # the same rows in the same order (a filter that still matches all)
            # clear() works out the old rows' line offsets (row by row) only to drop them: no rows
            self.rows.clear()
            self._row_locations = TwoWayDict({})
            self.clear()
        build = self._build_for(rows)
        entries = build.entries
        self._shown, self._shown_stamp = entries, build.stamp
        # Copies: DataTable's clear() empties these in place, and the build is kept for reuse.
        self._row_locations = TwoWayDict({})
        self._row_locations._forward = build.forward.copy()
        self._row_locations._reverse = build.reverse.copy()
        self._data.update(build.data)
        self.rows.update(build.metas)
        for index, column in enumerate(self.ordered_columns):
            column.content_width = max(column.content_width, build.widths[index])
        self._update_count += 1
        # Every row is one line high: the row order and line offsets DataTable would work out
        # row by row (twice per change, 10,000 hashes each) are made here in one pass.
        self._ordered_row_cache[(len(entries), self._update_count)] = [e.meta for e in entries]
        self._offset_cache[self._update_count] = [(e.key, 0) for e in entries]
        self._require_update_dimensions = True  # the virtual size, on idle
        self.check_idle()
        if entries:
            self.cursor_coordinate = self.cursor_coordinate
            self._highlight_cursor()
        if selected is not None and selected in self.rows:
            self.move_cursor(row=self.get_row_index(selected), animate=False)

    @staticmethod
    def _same(entries: Sequence[_Entry], rows: Sequence[KeyRow]) -> bool:
        """Whether these entries are of exactly these rows, in this order."""
        return len(rows) == len(entries) and all(
            e.row is r for e, r in zip(entries, rows, strict=True)
        )

    def _build_for(self, rows: Sequence[KeyRow]) -> _Build:
        """The table's dictionaries for these rows; the big build is kept, as going back to every
        key (clearing the filter, Backspace) is the widest redraw there is."""
        stamp = self._stamp
        kept = self._kept
        if kept is not None and kept.stamp == stamp and self._same(kept.entries, rows):
            return kept
        entries = self._entries_for(rows)
        forward = {e.key: i for i, e in enumerate(entries)}
        build = _Build(
            stamp=stamp,
            entries=entries,
            forward=forward,
            reverse={i: e.key for i, e in enumerate(entries)},
            data={e.key: e.data for e in entries},
            metas={e.key: e.meta for e in entries},
            widths=tuple(
                max(map(itemgetter(i), (e.widths for e in entries)), default=0)
                for i in range(len(self._columns))
            ),
        )
        if len(entries) >= KEEP_BUILD_AT:
            self._kept = build
        return build

    def update_rows(self, rows: Sequence[KeyRow]) -> None:
        """Redraw the cells that changed in place (a burst of validation results), nothing else.

        DataTable's ``update_cell`` bumps a counter that every render cache is keyed on, so one
        changed cell re-rendered every visible row and rebuilt the row offsets (figure 9b). Here
        the changed cells are written, only their rows' cached renders are dropped (the line
        cache is rebuilt from the untouched row caches), and only their rows are repainted.
        """
        touched: set[RowKey] = set()
        grown: set[ColumnKey] = set()  # columns a new text is wider than
        for row in rows:
            old = self._entries.get(row.name)
            if old is None or old.key not in self._row_locations:
                self._entries.pop(row.name, None)  # not shown now: made anew when it is
                continue
            entry = self._entry(row, self._stamp)
            if entry is old:
                continue
            entry.key, entry.meta, entry.data = old.key, old.meta, old.data
            entry.data.update(zip(old.data, entry.texts, strict=True))
            index = self._row_locations.get(old.key)
            if index is not None:
                self._shown[index] = entry
            touched.add(old.key)
            for column, width in zip(self.ordered_columns, entry.widths, strict=True):
                if width > column.content_width:
                    column.content_width = width
                    grown.add(column.key)
        if touched:
            self._forget(touched, grown)

    def _forget(self, touched: set[RowKey], grown: set[ColumnKey]) -> None:
        """Drop the renders drawn from these rows' old cells (and from these columns' old width).

        Every row is one line, so only the touched rows' lines go, not every cached line (which
        made each batch of results repaint the whole visible table: figure 9b). A wider column
        moves the cells right of it in every row: the rows are composed again, but from the
        cached cells of the columns that kept their width.
        """
        indices = {self._row_locations.get(row_key) or 0 for row_key in touched}
        renderables = self._row_renderable_cache
        for index_key in [k for k in list(renderables.keys()) if k[1] in indices]:
            renderables.discard(index_key)
        cells = self._cell_render_cache
        for cell_key in [k for k in list(cells.keys()) if k[0] in touched or k[1] in grown]:
            cells.discard(cell_key)
        if grown:
            self._row_render_cache.clear()
            self._line_cache.clear()
            self._require_update_dimensions = True  # the table is wider now
            self.refresh()
            return
        for row_cache_key in [k for k in list(self._row_render_cache.keys()) if k[0] in touched]:
            self._row_render_cache.discard(row_cache_key)
        top = self.header_height if self.show_header else 0
        for line_key in [k for k in list(self._line_cache.keys()) if k[0] - top in indices]:
            self._line_cache.discard(line_key)
        for index in indices:
            self.refresh_row(index)

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
