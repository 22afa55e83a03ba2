"""What validate-all holds the UI's loop with while keys are pressed (``make bench``, figure 9b).

Not timed: each test counts work a keypress used to wait behind (results redrawn in one unbounded
batch, every row redrawn for one wider cell, the table resized by the progress bar or rebuilt by
the reload that ends the run, a cancellation waiting for the validating thread to start).
"""

from __future__ import annotations

import asyncio
import threading
import types

import pytest

from rotui.ui import off_loop
from rotui.ui.off_loop import run_off_loop


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
