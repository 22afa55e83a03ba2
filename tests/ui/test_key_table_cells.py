"""The key table draws each cell itself (figure 9d): exactly what DataTable would draw, for less."""

from __future__ import annotations

import itertools

from textual.coordinate import Coordinate
from textual.widgets import DataTable

from rotui.ui.app import make_app
from rotui.ui.widgets.key_table import KeyTable


def _compare_every_cell(table: KeyTable) -> int:
    """Each body cell, in every cursor and hover state, from both paths; how many were compared."""
    compared = 0
    for row, column in itertools.product(range(table.row_count), range(len(table.columns))):
        style = table._get_row_style(row, table.rich_style)
        natural = table.ordered_columns[column].get_render_width(table)
        for width, cursor, hover in itertools.product(
            (natural, natural + 3), (False, True), (False, True)
        ):
            table._cell_render_cache.clear()
            ours = table._render_cell(row, column, style, width, cursor, hover)
            table._cell_render_cache.clear()
            theirs = DataTable._render_cell(table, row, column, style, width, cursor, hover)
            assert ours == theirs, (row, column, width, cursor, hover)
            compared += 1
    return compared


async def test_each_cell_is_drawn_exactly_as_datatable_draws_it(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(120, 36)) as pilot:  # every column
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        styled = {v for entry in table._shown for v in entry.styles if v}
        assert len(styled) >= 3  # coloured cells of several kinds are among them
        assert _compare_every_cell(table) == table.row_count * len(table.columns) * 8
        await pilot.resize_terminal(80, 24)  # the narrow layout: other columns, other texts
        await pilot.pause()
        assert not table.wide
        assert _compare_every_cell(table) == table.row_count * len(table.columns) * 8


async def test_each_row_is_drawn_exactly_as_datatable_draws_it(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        await pilot.press("j")  # the cursor on the second row
        await pilot.pause()
        compared = 0
        for row in range(table.row_count):
            key = table._row_locations.get_key(row)
            for cursor, hover in itertools.product((0, 1, row), (0, 2, row)):
                where = (Coordinate(cursor, 0), Coordinate(hover, 0))
                table._row_render_cache.clear()
                table._cell_render_cache.clear()
                table._frame_styles, table._frame_widths = {}, None  # as in a frame
                ours = table._render_line_in_row(key, 0, table.rich_style, *where)
                table._frame_styles = None
                table._row_render_cache.clear()
                table._cell_render_cache.clear()
                theirs = DataTable._render_line_in_row(table, key, 0, table.rich_style, *where)
                assert ours == theirs, (row, cursor, hover)
                compared += 1
        assert compared == table.row_count * 9


async def test_the_age_column_lines_up_the_days(demo) -> None:
    """Walk s13 section 4: `9d ✓ fresh` began one column left of `80d ! due soon`."""
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        ages = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        days = [a for a in ages if a.split()[0].endswith("d")]
        assert any(len(a.split()[0]) == 2 for a in days), ages  # a one-digit age is there
        assert len({a.index("d ") for a in days}) == 1, ages  # every "d" in the same column
