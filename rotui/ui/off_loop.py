"""Async work on its own event loop in a daemon thread, so its callbacks never queue ahead of keys.

Validating hundreds of keys is thousands of httpx callbacks; on the UI's loop they sat between a
keypress and its repaint (``make bench``, figure 9b). In a thread of its own the work shares only
the GIL, which the UI gets back every switch interval (5 ms). The thread is a daemon and a
cancelled caller cancels the work, so quitting never waits for it.

Cancelling never waits for the thread either (the UI never blocks): the caller marks the work
cancelled and, if the thread's loop already runs it, asks that loop to cancel it; a thread that
starts after that sees the mark and never runs the work at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class _Work:
    """The work's task on the thread's loop once it exists, and whether its caller gave up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # held for a few statements only, by either side
        self._cancelled = False
        self._running: tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]] | None = None

    def enter(self) -> bool:
        """Called first on the thread's loop: False if the caller has already given up."""
        task = asyncio.current_task()
        assert task is not None
        with self._lock:
            if self._cancelled:
                return False
            self._running = (asyncio.get_running_loop(), task)
            return True

    def cancel(self) -> None:
        """Called by the caller: the work stops where it is, or never starts. Returns at once."""
        with self._lock:
            self._cancelled = True
            running = self._running
        if running is not None:
            loop, task = running
            with contextlib.suppress(RuntimeError):  # its loop has closed: the work had finished
                loop.call_soon_threadsafe(task.cancel)


def _settle(done: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if done.done():  # the caller was cancelled meanwhile
        return
    if error is not None:
        done.set_exception(error)
    else:
        done.set_result(result)


async def run_off_loop(make: Callable[[], Coroutine[Any, Any, T]], name: str) -> T:
    """Run ``make()`` to completion on a new event loop in a daemon thread; await its result."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()
    work = _Work()

    async def body() -> T:
        if not work.enter():
            raise asyncio.CancelledError  # cancelled before this thread started: never run
        return await make()

    def main() -> None:
        result: Any = None
        error: BaseException | None = None
        try:
            result = asyncio.run(body())
        except BaseException as exc:  # handed to the caller, raised there
            error = exc
        with contextlib.suppress(RuntimeError):  # the caller's loop closed: nobody waits any more
            loop.call_soon_threadsafe(_settle, done, result, error)

    threading.Thread(target=main, name=name, daemon=True).start()
    try:
        return await done
    except asyncio.CancelledError:
        work.cancel()
        raise
