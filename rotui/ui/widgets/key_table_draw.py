"""How the key table hands its rows to DataTable and draws them: the parts that stand in for
Textual 8.2.8's own (src/textual/widgets/_data_table.py), each saying which and why.

:class:`BulkTable` holds a :class:`~rotui.ui.widgets.key_table_rows.Build` (every row one line
high) and draws the cells of the rows on screen straight from their plain text; what the rows
are, and when they change, is :class:`~rotui.ui.widgets.key_table.KeyTable`'s business.
"""

from __future__ import annotations

from typing import Self

from rich.segment import Segment
from rich.style import Style
from textual._two_way_dict import TwoWayDict
from textual._types import SegmentLines
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets._data_table import Row
from textual.widgets.data_table import RowKey

from rotui.ui.format import theme_style
from rotui.ui.widgets.key_table_rows import Build, Entry, cell_segments


class BulkTable(DataTable[str]):
    """A DataTable showing one :class:`Build` of one-line rows, drawn from their entries."""

    _frame_styles: dict[str, Style] | None = None  # while a frame is drawn: see rich_style
    _frame_widths: tuple[list[int], int] | None = None  # the columns' and the space after
    _build: Build | None = None  # what the table holds (DataTable's __init__ reads it already)
    _styles: dict[tuple[str, str], Style]

    def _drawn(self, row_index: int) -> Entry | None:
        """The entry of the row at this index, if this table holds it (subclasses know how)."""
        return None

    def _style(self, variable: str) -> Style:
        """A Rich style from the current theme's variable (never a hard-coded colour), cached per theme."""
        key = (self.app.theme, variable)
        if key not in self._styles:
            self._styles[key] = theme_style(self.app.theme_variables, variable)
        return self._styles[key]

    def _widths(self) -> tuple[list[int], int]:
        """The columns' widths and the space after them in this frame."""
        if self._frame_widths is None:
            widths = [column.get_render_width(self) for column in self.ordered_columns]
            spare = max(0, self.size.width - sum(widths) - self._row_label_column_width)
            self._frame_widths = (widths, spare)
        return self._frame_widths

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines of one frame, with the styles every row needs worked out once for it."""
        self._frame_styles, self._frame_widths = {}, None
        try:
            return super().render_lines(crop)
        finally:
            self._frame_styles = self._frame_widths = None

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[SegmentLines, SegmentLines]:
        """A row's cells and the space after them as Textual 8.2.8's ``_render_line_in_row`` (in
        _data_table.py) makes them for a row cursor, no labels or fixed columns, under its cache
        key; minus the header style, background colours and width sums it works out per row."""
        row_index = self._row_locations.get(row_key)
        if (
            self._frame_styles is None
            or row_index is None
            or self.cursor_type != "row"
            or self.fixed_columns
            or (self._labelled_row_exists and self.show_row_labels)
        ):
            return super()._render_line_in_row(
                row_key, line_no, base_style, cursor_location, hover_location
            )
        cache_key = (
            row_key,
            line_no,
            base_style,
            cursor_location,
            hover_location,
            self.cursor_type,
            self.show_cursor,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._row_render_cache.get(cache_key)
        if cached is not None:
            return cached
        widths, spare = self._widths()
        row_style = self._get_row_style(row_index, base_style)
        cursor, hover = row_index == cursor_location.row, row_index == hover_location.row
        scrollable = [
            self._render_cell(row_index, column, row_style, width, cursor, hover)[line_no]
            for column, width in enumerate(widths)
        ]
        extend, _ = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            False,
            False,
        )
        meta = Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        scrollable.append([Segment(" " * spare, row_style + extend + meta)])
        pair: tuple[SegmentLines, SegmentLines] = ([], scrollable)
        self._row_render_cache[cache_key] = pair
        return pair

    # Within one frame (styles change only with a refresh, hence a new frame), the table's
    # Rich style and the zebra row styles are the same for every row: Textual 8.2.8 works each
    # out again per row (``render_line`` and ``_get_row_style`` in _data_table.py; a walk up
    # the DOM, about 50 µs each), for every visible row each time the rows or the cursor move.
    @property
    def rich_style(self) -> Style:
        memo = self._frame_styles
        if memo is None:
            return super().rich_style
        if "" not in memo:
            memo[""] = super().rich_style
        return memo[""]

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        memo = self._frame_styles
        if memo is None or row_index < max(self.fixed_rows, 0) or not self.zebra_stripes:
            return super()._get_row_style(row_index, base_style)
        name = "datatable--odd-row" if row_index % 2 else "datatable--even-row"
        if name not in memo:
            memo[name] = super()._get_row_style(row_index, base_style)
        return memo[name]

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        """A key's cell made straight from its entry: the segments DataTable's own path makes.

        Textual 8.2.8's ``DataTable._render_cell`` (src/textual/widgets/_data_table.py) renders
        each cell through Rich (``Styled(Padding(Text))`` and ``console.render_lines``), about
        0.1 ms a cell: 20 ms for the rows a filter keystroke brings on screen (figure 9d). For a
        one-line cell of plain text that fits, :func:`cell_segments` makes the same segments.
        They go in DataTable's cache under its key (the same as in ``_render_cell``), so the
        rest of DataTable, and :meth:`update_rows`, see no difference; any other cell takes the
        original path. A test compares both paths cell by cell.
        """
        entry = self._drawn(row_index) if column_index >= 0 else None
        text = entry.texts[column_index] if entry is not None else "\n"
        column_key = self._column_locations.get_key(column_index)
        if (
            entry is None
            or column_key is None
            or "\n" in text
            or "\t" in text
            or entry.widths[column_index] > width
            or self.fixed_rows
            or self.fixed_columns
        ):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cache_key = (
            entry.key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        pre, post = self._cell_styles(row_index, column_index, base_style, cursor, hover)
        variable = entry.styles[column_index]
        own = self._style(variable) if variable else None
        lines = [cell_segments(text, own, width, pre, post)]
        self._cell_render_cache[cache_key] = lines
        return lines

    def _cell_styles(
        self, row_index: int, column_index: int, base_style: Style, cursor: bool, hover: bool
    ) -> tuple[Style, Style]:
        """A body cell's styles before and after its own, as ``DataTable._render_cell`` has them."""
        component, post = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        meta = Style.from_meta({"row": row_index, "column": column_index})
        return base_style + meta + component, post

    def clear(self, columns: bool = False) -> Self:
        """DataTable's clear, which empties its dictionaries and row offsets in place: the
        build's are handed back first (and DataTable works out no offsets for rows it drops)."""
        self._build = None
        self._data, self.rows, self._row_locations = {}, {}, TwoWayDict({})
        return super().clear(columns)

    def _hold(self, build: Build) -> None:
        """Show this build's rows: its dictionaries become DataTable's (no copies of 10,000
        entries; nothing here adds, removes or sorts rows the DataTable way, which would change
        them in place); widths only grow, so the columns do not jump while typing."""
        self._build = build
        self._row_locations = TwoWayDict({})
        self._row_locations._forward = build.forward
        self._row_locations._reverse = build.reverse
        self._data, self.rows = build.data, build.metas
        for index, column in enumerate(self.ordered_columns):
            column.content_width = max(column.content_width, build.widths[index])
        self._new_update()
        self._resize_virtually(
            Size(
                sum(column.get_render_width(self) for column in self.columns.values())
                + self._row_label_column_width,
                len(build.offsets) + (self.header_height if self.show_header else 0),
            )
        )

    def _resize_virtually(self, size: Size) -> None:
        """The virtual size DataTable's ``_update_dimensions`` sets on idle (it finds it set).

        Set there, the reactive asks for a layout of the whole screen, done in a second frame
        that draws every visible row again. Set now, as Textual 8.2.8's own
        ``Widget._size_updated(layout=False)`` does (src/textual/widget.py): the scrollbar is
        updated in this frame, and a layout follows only if a scrollbar appears or goes.
        """
        if size != self.virtual_size:
            self.set_reactive(DataTable.virtual_size, size)
            self._scroll_update(size)
            self.refresh()

    def _new_update(self) -> None:
        """What DataTable's render caches are keyed on changes: every row is drawn again."""
        self._update_count += 1

    def _held(self) -> Build | None:
        """The build whose rows the table holds (None while they are being replaced)."""
        build = self._build
        return build if build is not None and len(build.ordered) == self.row_count else None

    # Every row is one line high: the row order and line offsets DataTable works out row by row
    # for each new update count (a filter keystroke, a resize: 10,000 rows each, and as many
    # tuples for the collector) are the build's, made once. Textual 8.2.8's DataTable reads
    # both only through these two properties (src/textual/widgets/_data_table.py).
    @property
    def ordered_rows(self) -> list[Row]:
        held = self._held()
        return held.ordered if held is not None else super().ordered_rows

    @property
    def _y_offsets(self) -> list[tuple[RowKey, int]]:
        held = self._held()
        return held.offsets if held is not None else super()._y_offsets
