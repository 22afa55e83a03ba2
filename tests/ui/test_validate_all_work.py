"""What validate-all holds the UI's loop with while keys are pressed (``make bench``, figure 9b).

Not timed: each test counts work a keypress used to wait behind (results redrawn in one unbounded
batch, every row redrawn for one wider cell, the table resized by the progress bar or rebuilt by
the reload that ends the run, a cancellation waiting for the validating thread to start).
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import types
from pathlib import Path

import pytest
from textual.widgets import ProgressBar

from rotui.core.model import ValidationStatus
from rotui.core.validation import ValidationRun
from rotui.ui import off_loop
from rotui.ui.app import make_app
from rotui.ui.off_loop import run_off_loop
from rotui.ui.screens.dashboard.results import BATCH_ROWS, ResultFeed
from rotui.ui.widgets.key_table import KeyTable
from tests.ui.helpers import wait_until
from tests.ui.test_table_at_scale import big_services, result


async def test_a_result_wider_than_its_column_keeps_the_other_columns_cells(
    tmp_path: Path,
) -> None:
    services = big_services(tmp_path, 100)
    app = make_app(services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        rows = app.screen.view.shown
        count = table._update_count
        kept = [k for k in list(table._cell_render_cache.keys()) if k[1].value == "key"]
        assert kept
        wider = dataclasses.replace(
            rows[50], last=result(rows[50].name, ValidationStatus.NO_CREDIT)
        )
        table.update_rows([wider])
        await pilot.pause()
        assert table._update_count == count  # not every cached render dropped
        assert all(k in table._cell_render_cache for k in kept)  # the key names: not redrawn
        assert "no credit 5m" in table.get_cell(rows[50].name, "last")
        assert "never" in table.render_line(1).text  # the first row, redrawn at the new width


async def test_a_burst_of_results_reaches_the_table_in_bounded_batches(tmp_path: Path) -> None:
    services = big_services(tmp_path, 5 * BATCH_ROWS)
    release = threading.Event()
    names = [k.name for k in services.config.keys]

    async def burst(names_: tuple[str, ...], *, progress, **kwargs) -> ValidationRun:
        results = [result(name, ValidationStatus.VALID) for name in names]
        for each in results:  # every key answers at once
            progress(each)
        await asyncio.to_thread(release.wait, 30)
        return ValidationRun(results=results)

    services.validate = burst  # type: ignore[method-assign]
    app = make_app(services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        sizes: list[int] = []
        real = table.update_rows
        table.update_rows = lambda rows: (sizes.append(len(rows)), real(rows))[1]  # type: ignore[method-assign]
        await pilot.press("V")
        await wait_until(pilot, lambda: sum(sizes) == len(names), "every result on the table")
        assert max(sizes) <= BATCH_ROWS and len(sizes) >= 5  # not one batch of 100
        assert all("valid" in table.get_cell(name, "last") for name in names)
        worker = next(w for w in app.workers if w.group == "validate")
        assert worker.is_running  # the batches went out while the run went on
        release.set()
        await app.workers.wait_for_complete()


def test_a_result_feed_splits_a_burst_across_frames(tmp_path: Path) -> None:
    rows = big_services(tmp_path, 3 * BATCH_ROWS + 5).rows()
    shown: list[list[str]] = []
    frames: list[object] = []
    progress = types.SimpleNamespace(advanced=0)
    progress.advance = lambda n: setattr(progress, "advanced", progress.advanced + n)  # type: ignore[attr-defined]
    feed = ResultFeed(
        rows,
        progress,  # type: ignore[arg-type]
        lambda changed: shown.append([r.name for r in changed]),
        frames.append,
    )
    feed.pending.extend(result(r.name, ValidationStatus.VALID) for r in rows)
    feed.flush()
    assert [len(s) for s in shown] == [BATCH_ROWS] and len(frames) == 1  # the rest: next frame
    feed.flush()  # the ticker meanwhile: one more batch, no second follow-up queued
    assert len(frames) == 1
    while frames:
        frames.pop(0)()  # each frame's follow-up batch
    assert [len(s) for s in shown] == [BATCH_ROWS] * 3 + [5]
    assert [name for names in shown for name in names] == [r.name for r in rows]
    assert progress.advanced == len(rows)


async def test_the_progress_bar_appearing_does_not_resize_the_table(fresh_demo) -> None:
    fresh_demo.sim.latency = 0.3
    app = make_app(fresh_demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        size = table.size
        await pilot.press("V")
        progress = app.screen.query_one("#progress", ProgressBar)
        await wait_until(pilot, lambda: progress.display, "progress shown")
        await pilot.pause()
        assert (
            progress.region.height == 1
            and progress.region.y == app.screen.query_one("#view").region.y
        )
        assert table.size == size  # every visible row would be drawn again at a new height
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert table.size == size and not progress.display


async def test_the_reload_after_validate_all_keeps_the_rows_it_already_shows(fresh_demo) -> None:
    config = fresh_demo.services.config  # without the Admin API, whose records change the rows
    fresh_demo.services.config = dataclasses.replace(
        config, settings=dataclasses.replace(config.settings, admin_key=None)
    )
    app = make_app(fresh_demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        shows: list[int] = []
        real = table.update_rows
        table.update_rows = lambda rows: (shows.append(table._update_count), real(rows))[1]  # type: ignore[method-assign]
        await pilot.press("V")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert shows  # results arrived in batches
        # The saved state says what the batches showed: the table is not rebuilt
        assert table._update_count == shows[-1]
        assert all("never" not in table.get_cell(k.name, "last") for k in fresh_demo.config.keys)


async def test_cancelled_before_its_thread_starts_the_work_never_runs() -> None:
    held: list[threading.Thread] = []

    class HeldThread(threading.Thread):
        def start(self) -> None:  # the OS has not scheduled it yet
            held.append(self)

    fake = types.SimpleNamespace(Thread=HeldThread, Event=threading.Event, Lock=threading.Lock)
    ran = threading.Event()

    async def work() -> None:
        ran.set()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(off_loop, "threading", fake)
        caller = asyncio.create_task(run_off_loop(work, "t"))
        await asyncio.sleep(0)
        assert held  # the thread exists, not started
        caller.cancel()
        # It used to wait up to 5 s on the UI's loop for the thread to start, then left it to run
        with pytest.raises(asyncio.CancelledError):
            await caller
    threading.Thread.start(held[0])
    await asyncio.to_thread(held[0].join, 10)
    assert not held[0].is_alive() and not ran.is_set()
