"""What a cursor move costs the dashboard (``make bench``, figure 9b).

Not timed: each test counts the work that used to sit between a key and the screen (a second
frame for the detail, a layout of the whole screen, every visible row rendered again, a file read
per move).
"""

from __future__ import annotations

from pathlib import Path

from rotui.ui.app import make_app
from rotui.ui.widgets.key_table import KeyTable
from tests.ui.test_table_at_scale import big_services


async def test_j_that_scrolls_the_table_renders_only_the_rows_the_cursor_left_and_entered(
    tmp_path: Path,
) -> None:
    services = big_services(tmp_path, 200)
    app = make_app(services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        for _ in range(40):  # past the bottom: from here each j scrolls the table by a row
            await pilot.press("j")
        await pilot.pause()
        rendered: set[int] = set()
        real = table._render_cell

        def spy(row_index: int, *args: object, **kwargs: object) -> object:
            rendered.add(row_index)
            return real(row_index, *args, **kwargs)  # type: ignore[arg-type]

        table._render_cell = spy  # type: ignore[method-assign]
        before = table.scroll_y
        await pilot.press("j")
        await pilot.pause()
        assert table.scroll_y == before + 1 and table.cursor_row == 41
        # DataTable keyed every row's render on the cursor: all 30-odd visible rows again
        assert rendered <= {40, 41}
