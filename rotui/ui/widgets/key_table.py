"""The key table: one row per key, its freshness and last check in words and theme colours.

Built for an organisation's inventory (10,000 keys, ``make bench`` figures 9c and 9d). DataTable's
``add_row`` measures every cell of every row, ``update_cell`` drops every cached render and each
cell is drawn through Rich, so here the rows are filled in bulk from per-key entries kept between
redraws (:mod:`rotui.ui.widgets.key_table_rows`): a cell is its plain text (what ``get_row``
returns, measured once), drawn straight into segments when on screen (:mod:`.key_table_draw`); a
redraw (filter, sort) reuses the entries and, going back to every key, the whole build; the row
order and offsets are the build's; :meth:`update_rows` repaints only the rows that changed.

This reaches into DataTable's internals (``_data``, ``_row_locations``, its render caches, the
methods overridden here), so textual is pinned to 8.2.x at run time and exactly for the tests
(``pyproject.toml``), which cover each path; each override names the Textual 8.2.8 code it
stands in for.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual import events
from textual._types import SegmentLines
from textual.binding import Binding
from textual.cache import LRUCache
from textual.coordinate import Coordinate
from textual.widgets._data_table import RowRenderables
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey

from rotui.core.overview import KeyRow
from rotui.ui.widgets.key_table_draw import BulkTable
from rotui.ui.widgets.key_table_rows import (
    NARROW_COLUMNS,
    WIDE_COLUMNS,
    Build,
    Entry,
    cell_texts,
    minute,
    same_rows,
)

FULL_WIDTH = 100  # a table this wide shows every column; narrower ones leave details to the pane
NOWHERE = Coordinate(-2, -2)  # on no row, not even the header's (-1)
KEEP_BUILD_AT = 2000  # rows from which a redraw's build is kept for the next time they show
BUILDS_KEPT = 8  # smaller builds kept: the filters typed lately
DRAWN_KEPT = 256  # lines and rows kept drawn: a tall terminal's screenful, twice


class KeyTable(BulkTable):
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
        self._entries: dict[str, Entry] = {}
        self._kept: Build | None = None  # the last big build, for going back to every key
        self._recent: deque[Build] = deque(maxlen=BUILDS_KEPT)  # and the last smaller ones
        self._painted_minute = minute(self.now)
        # DataTable keeps 1,000 drawn lines and rows and 10,000 cells (Textual 8.2.8, __init__ in
        # _data_table.py), nearly all stale (each is keyed by the cursor's place and the update):
        # a screenful of them is all that is drawn, and each kept Strip is some 15 objects for
        # the cyclic collector to go through on every full pass (20 ms and more at 10,000 keys).
        self._line_cache = LRUCache(DRAWN_KEPT)
        self._row_render_cache = LRUCache(DRAWN_KEPT)
        self._cell_render_cache = LRUCache(DRAWN_KEPT * 8)

    def on_resize(self, event: events.Resize) -> None:
        """A smaller table keeps the selected key in sight (the detail beside it shows that key)."""
        self.call_after_refresh(self._scroll_cursor_into_view, animate=False)

    @property
    def _columns(self) -> tuple[tuple[str, str], ...]:
        return WIDE_COLUMNS if self.wide else NARROW_COLUMNS

    @property
    def _shown(self) -> list[Entry]:
        """The entries of the rows the table holds, in its order."""
        return self._build.entries if self._build is not None else []

    def _entries_for(self, rows: Sequence[KeyRow]) -> list[Entry]:
        """Each row's entry: the kept one while the row and the layout are the same."""
        wide, get, made = self.wide, self._entries.get, []
        for row in rows:
            entry = get(row.name)
            if entry is None or entry.row is not row or entry.wide != wide:
                entry = self._entry(row)
            made.append(entry)
        return made

    def _entry(self, row: KeyRow) -> Entry:
        """The key's entry, made again when its cells' text changed."""
        entry = self._entries.get(row.name)
        if entry is not None and entry.wide == self.wide:
            texts, styles = cell_texts(row, self.wide, self.now)
            if entry.texts == texts and entry.styles == styles:
                entry.row, entry.minute = row, minute(self.now)
                return entry
        entry = Entry.made(row, self.wide, self.now)
        self._entries[row.name] = entry
        return entry

    def _drawn(self, row_index: int) -> Entry | None:
        """The entry of the row at this index, its texts as of now (the minute may have changed)."""
        shown = self._shown
        if not 0 <= row_index < len(shown):
            return None
        entry = shown[row_index]
        if self._row_locations.get_key(row_index) is not entry.key:
            return None
        if entry.timely and entry.minute != self._painted_minute:
            self._retext(entry)
        return entry

    def _retext(self, entry: Entry) -> None:
        """Bring a drawn row's texts to this minute ("5m" became "6m"); widen a column if needed."""
        entry.minute = self._painted_minute
        texts, styles = cell_texts(entry.row, entry.wide, self.now)
        if texts == entry.texts and styles == entry.styles:
            return
        entry.retext(texts, styles)
        wider = False
        for column, width in zip(self.ordered_columns, entry.widths, strict=True):
            if width > column.content_width:
                column.content_width, wider = width, True
        if wider:  # drawn once more, every row at the new widths
            self._frame_widths = None
            self._new_update()
            self.refresh()

    def _compute_row_renderables(self, row_index: int) -> RowRenderables:
        """The styled cells of one drawn row, made from its entry (not stored for every row)."""
        entry = self._drawn(row_index)
        if entry is None:
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
        else:
            if self._build is not None and same_rows(self._build, rows):
                self._repaint_if_older(minute(now))  # the same rows: a filter that matches all
                return
            self.clear()
        self._painted_minute = minute(now)
        self._hold(self._build_for(rows))
        self._require_update_dimensions = True
        self.check_idle()
        if self._shown:
            self.cursor_coordinate = self.cursor_coordinate
            self._highlight_cursor()
        if selected is not None and selected in self.rows:
            self.move_cursor(row=self.get_row_index(selected), animate=False)

    def _repaint_if_older(self, now_minute: dt.datetime) -> None:
        """A new minute: the rows drawn again, each drawn row's texts as of now (:meth:`_drawn`).

        Not every row's: at 10,000 validated keys that took 110 ms a minute, on the UI's loop.
        """
        if now_minute != self._painted_minute:
            self._painted_minute = now_minute
            self._new_update()
            self.refresh()

    def _build_for(self, rows: Sequence[KeyRow]) -> Build:
        """The table's dictionaries for these rows, made once: going back to rows shown lately
        (Backspace, clearing the filter: every key, the widest redraw there is) reuses them."""
        for build in (self._kept, *self._recent):
            if build is not None and build.wide == self.wide and same_rows(build, rows):
                return build
        build = Build.of(self._entries_for(rows), self.wide, len(self._columns))
        if len(build.entries) >= KEEP_BUILD_AT:
            self._kept = build
        else:
            self._recent.append(build)
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
            entry = self._entry(row)
            if entry is old:
                continue
            entry.key, entry.meta, entry.data = old.key, old.meta, old.data
            entry.offset = old.offset
            entry.data.update(zip(old.data, entry.texts, strict=True))
            index = self._row_locations.get(old.key)
            if index is not None and self._build is not None:
                self._shown[index], self._build.rows[index] = entry, row
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
