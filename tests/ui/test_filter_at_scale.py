"""A filter keystroke at thousands of keys does only the work its screen needs (figure 9d)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static

import rotui.ui.widgets.key_table as key_table_module
from rotui.core.model import ValidationStatus
from rotui.core.overview import filter_rows
from rotui.ui.app import make_app
from rotui.ui.row_view import RowView
from rotui.ui.widgets.key_table import KEEP_BUILD_AT, KeyTable
from tests.ui.helpers import FROZEN
from tests.ui.test_table_at_scale import big_services, result

KEYS = KEEP_BUILD_AT + 500


def view_line(app: Any) -> str:
    return str(app.screen.query_one("#view", Static).render())


async def test_a_keystroke_draws_the_rows_it_brings_without_rich(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DataTable draws each cell through Rich (0.1 ms a cell); the key table makes the segments."""
    drawn_by_rich: list[int] = []
    real = DataTable._render_cell

    def spy(self: DataTable[Any], row_index: int, *args: Any, **kwargs: Any) -> Any:
        drawn_by_rich.append(row_index)
        return real(self, row_index, *args, **kwargs)

    monkeypatch.setattr(DataTable, "_render_cell", spy)
    app = make_app(big_services(tmp_path, KEYS))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        await pilot.press("slash", *"key_1")
        await pilot.pause()
        drawn_by_rich.clear()
        await pilot.press("2")  # 100 other keys come on screen
        await pilot.pause()
        assert "filter “key_12” · 100 of" in view_line(app)
        assert "KEY_12" in table.render_line(1).text  # the new first row is on screen
        assert drawn_by_rich and set(drawn_by_rich) == {-1}  # the header only (its own style)


async def test_a_new_minute_brings_only_the_rows_on_screen_up_to_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "5m" becomes "6m": not 10,000 rows' texts made again each minute (110 ms on the UI loop)."""
    services = big_services(tmp_path, KEYS)
    rows = [
        dataclasses.replace(r, last=result(r.name, ValidationStatus.VALID)) for r in services.rows()
    ]
    app = make_app(services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        table.show(rows, True, FROZEN)
        await pilot.pause()
        assert "✓ valid 5m" in table.render_line(1).text
        made: list[str] = []
        real = key_table_module.cell_texts

        def counting(row: Any, wide: bool, now: dt.datetime) -> Any:
            made.append(row.name)
            return real(row, wide, now)

        monkeypatch.setattr(key_table_module, "cell_texts", counting)
        table.show(rows, True, FROZEN + dt.timedelta(minutes=1))  # the same rows, a minute on
        await pilot.pause()
        assert "✓ valid 6m" in table.render_line(1).text
        assert 0 < len(made) <= table.size.height  # the rows drawn, no more
        name = table.selected_name
        assert name is not None and table.get_cell(name, "last") == " ✓ valid 6m"


async def test_the_scrollbar_is_sized_in_the_keystrokes_own_frame(tmp_path: Path) -> None:
    """The virtual size is set with the rows, not on idle: one layout and paint, not two."""
    app = make_app(big_services(tmp_path, KEYS))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        screen: Any = app.screen
        screen.view.filter_text = "key_12"
        screen.redraw()  # as a keystroke does, before any idle
        assert table.row_count == 100
        assert table.virtual_size.height == 100 + table.header_height


def test_typing_on_and_erasing_finds_the_same_rows_without_looking_again(tmp_path: Path) -> None:
    rows = big_services(tmp_path, 1200).rows()
    view = RowView()
    view.all = rows
    view.warm()
    looked: list[int] = []
    real = view._ordered_texts
    view._ordered_texts = lambda: (looked.append(1), real())[1]  # type: ignore[method-assign]
    for text in ("k", "key_1", "key_11", "key_1", "k", "", "key_1 prod", "key_1"):
        view.filter_text = text
        assert view.shown == filter_rows(view._ordered or [], text), text
    # Only a filter never typed before looks through the rows: "k", "key_1", "key_11", "key_1 prod"
    assert len(looked) == 4
    view.filter_text = "key"  # every key matches: the very list of all rows, so no redraw
    assert view.shown is view._ordered


async def test_opening_the_filter_moves_the_heap_out_of_the_collectors_sight(
    tmp_path: Path,
) -> None:
    """What lives while typing (search texts, drawn lines) is not gone through on each full pass."""
    import gc

    app = make_app(big_services(tmp_path, 300))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        gc.unfreeze()  # whatever start froze, or an earlier test
        await pilot.press("slash")
        await pilot.pause()
        screen: Any = app.screen
        assert screen.view._texts is not None  # every key's search text is made
        assert gc.get_freeze_count() > 0
        gc.unfreeze()


async def test_erasing_shows_a_filter_typed_lately_without_making_its_rows_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rotui.ui.widgets.key_table_rows import Build

    made: list[int] = []
    real = Build.of.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Build], entries: list[Any], wide: bool, columns: int) -> Build:
        made.append(len(entries))
        return real(cls, entries, wide, columns)  # type: ignore[no-any-return]

    monkeypatch.setattr(Build, "of", classmethod(counting))
    app = make_app(big_services(tmp_path, KEYS))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        every = [str(k.value) for k in table.rows]
        await pilot.press("slash", *"key_1")
        await pilot.pause()
        ones = [str(k.value) for k in table.rows]
        made.clear()
        for _ in range(2):  # back and forth: each build is shown again, unchanged
            await pilot.press("2", "backspace")
            await pilot.pause()
            assert [str(k.value) for k in table.rows] == ones
            await pilot.press(*["backspace"] * 5, *"key_1")  # every key, and back
            await pilot.pause()
            assert [str(k.value) for k in table.rows] == ones
        assert made == [100]  # "key_12", the one filter not shown before
        await pilot.press("escape")
        await pilot.pause()
        assert [str(k.value) for k in table.rows] == every
        assert [table.get_row_index(n) for n in every[-2:]] == [len(every) - 2, len(every) - 1]
        assert made == [100]
