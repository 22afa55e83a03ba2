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

from rotui.core.model import ValidationStatus
from rotui.ui import off_loop
from rotui.ui.app import make_app
from rotui.ui.off_loop import run_off_loop
from rotui.ui.widgets.key_table import KeyTable
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
