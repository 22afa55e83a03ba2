"""The key table and the rows behind it at an organisation's size: cheap updates, the same answers."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import threading
from pathlib import Path

import pytest

from rotui.config import parse_config
from rotui.core.model import ValidationMode, ValidationResult, ValidationStatus
from rotui.core.overview import SORTS, filter_rows, sort_rows
from rotui.core.secret import MemoryKeyring, SecretStore
from rotui.paths import Paths
from rotui.services import Services
from rotui.ui.app import make_app
from rotui.ui.off_loop import run_off_loop
from rotui.ui.row_view import RowView
from rotui.ui.widgets.key_table import KEEP_BUILD_AT, KeyTable
from tests.ui.helpers import FROZEN, wait_until
from tests.ui.test_pairing_and_scale import big_config


def big_services(tmp_path: Path, keys: int) -> Services:
    return Services(
        config=parse_config(big_config(tmp_path, keys=keys, consumers=1), "big.toml"),
        paths=Paths.under(tmp_path),
        store=SecretStore(MemoryKeyring()),
        clock=lambda: FROZEN,
    )


def result(name: str, status: ValidationStatus) -> ValidationResult:
    return ValidationResult(
        key=name,
        status=status,
        checked_at=FROZEN - dt.timedelta(minutes=5),
        mode=ValidationMode.AUTH,
    )


def test_the_row_view_answers_as_filter_rows_and_sort_rows_while_typing(tmp_path: Path) -> None:
    rows = big_services(tmp_path, 300).rows()
    view = RowView()
    view.all = rows
    view.warm()
    typed = ["K", "KE", "KEY_01", "KEY_012", "KEY_01", "KEY_0", "", "due soon", "prod app-1", "x"]
    for by in SORTS:
        view.sort_by = by
        for text in typed:
            view.filter_text = text
            assert view.shown == sort_rows(filter_rows(rows, text), by), (by, text)
    changed = dataclasses.replace(rows[5], last=result(rows[5].name, ValidationStatus.INVALID))
    view.filter_text = "invalid"
    view.replace([changed])
    assert view.shown == [changed] and view.row(changed.name) is changed
    assert view.summary.failing == 1


async def test_update_rows_redraws_only_the_changed_rows(tmp_path: Path) -> None:
    services = big_services(tmp_path, 500)
    app = make_app(services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        rows = app.screen.view.shown
        first, other = rows[0], rows[1]
        before = table._update_count
        kept = [k for k in list(table._row_render_cache.keys()) if k[0].value == other.name]
        assert kept  # the other row was drawn and its render cached
        new = dataclasses.replace(first, last=result(first.name, ValidationStatus.VALID))
        table.update_rows([new])  # no wider than the column: nothing else moves
        assert table.get_cell(first.name, "last") == " ✓ valid 5m"
        # DataTable.update_cell bumped this, dropping every row's cached render
        assert table._update_count == before
        assert all(k in table._row_render_cache for k in kept)  # the other rows' renders kept
        await pilot.pause()
        assert "✓ valid 5m" in table.render_line(1).text  # the first row, under the header
        wider = dataclasses.replace(other, last=result(other.name, ValidationStatus.NO_CREDIT))
        table.update_rows([wider])  # wider than the column: it grows, every row redraws
        await pilot.pause()
        assert "no credit 5m" in table.render_line(2).text


async def test_filtering_thousands_of_keys_lists_exactly_the_matches(tmp_path: Path) -> None:
    services = big_services(tmp_path, KEEP_BUILD_AT + 500)
    app = make_app(services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        every = [str(k.value) for k in table.rows]
        assert len(every) == KEEP_BUILD_AT + 500
        await pilot.press("slash", *"key_1", "backspace", "backspace")
        await pilot.press(*"_24")
        await pilot.pause()
        shown = [str(k.value) for k in table.rows]
        assert shown == [n for n in every if "KEY_24" in n]
        assert table.selected_name in shown
        await pilot.press("escape")  # back to every key: the kept build
        await pilot.pause()
        assert [str(k.value) for k in table.rows] == every
        assert [table.get_row_index(n) for n in every[:3]] == [0, 1, 2]


async def test_validate_all_runs_off_the_ui_thread(fresh_demo) -> None:
    ran_on: list[int] = []
    real = fresh_demo.services.validate

    async def recording(*args, **kwargs):
        ran_on.append(threading.get_ident())
        return await real(*args, **kwargs)

    fresh_demo.services.validate = recording
    app = make_app(fresh_demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("V")
        await wait_until(pilot, lambda: bool(ran_on), "validation started")
        await app.workers.wait_for_complete()
        assert ran_on != [threading.get_ident()]  # its own thread: its callbacks wait for no key
        table = app.screen.query_one(KeyTable)
        names = [str(k.value) for k in table.rows]
        await wait_until(
            pilot,
            lambda: all("never" not in table.get_cell(n, "last") for n in names),
            "every result on the table",
        )


async def test_off_loop_work_hands_back_its_result_or_error_and_is_cancelled_with_its_caller() -> (
    None
):
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    async def fail() -> None:
        raise ValueError("bad")

    assert await run_off_loop(answer, "t") == 42
    with pytest.raises(ValueError, match="bad"):
        await run_off_loop(fail, "t")

    stopped = threading.Event()

    async def forever() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            stopped.set()

    caller = asyncio.create_task(run_off_loop(forever, "t"))
    await asyncio.sleep(0.05)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert await asyncio.to_thread(stopped.wait, 10)  # the work was cancelled, not left running


async def test_a_keystroke_that_keeps_the_selection_redraws_neither_table_nor_detail(
    demo,
) -> None:
    from textual.widgets import Static

    app = make_app(demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        overview = app.screen.query_one("#overview", Static)
        updates: list[object] = []
        real = overview.update
        overview.update = lambda *a, **k: (updates.append(a), real(*a, **k))[1]  # type: ignore[method-assign]
        await pilot.press("slash")  # the filter box opens: the table is resized once
        await pilot.pause()
        count, updates[:] = table._update_count, []
        await pilot.press(*"anth")  # every demo key is ANTHROPIC_…: all still match
        await pilot.pause()
        assert "filter “anth”" in str(app.screen.query_one("#view", Static).render())
        assert updates == [] and table._update_count == count
        await pilot.press(*"ropic_api_key_dev")  # one key left: both redraw
        await wait_until(pilot, lambda: table.row_count == 1, "one key")
        assert updates and table._update_count > count
