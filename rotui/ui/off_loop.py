"""Async work on its own event loop in a daemon thread, so its callbacks never queue ahead of keys.

Validating hundreds of keys is thousands of httpx callbacks; on the UI's loop they sat between a
keypress and its repaint (``make bench``, figure 9b). In a thread of its own the work shares only
the GIL, which the UI gets back every switch interval (5 ms). The thread is a daemon and a
cancelled caller cancels the work, so quitting never waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
START_TIMEOUT = 5.0  # seconds a cancellation waits for the thread's loop to exist


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
    started = threading.Event()
    inside: list[tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]]] = []

    async def body() -> T:
        task = asyncio.current_task()
        assert task is not None
        inside.append((asyncio.get_running_loop(), task))
        started.set()
        return await make()

    def main() -> None:
        result: Any = None
        error: BaseException | None = None
        try:
            result = asyncio.run(body())
        except BaseException as exc:  # handed to the caller, raised there
            error = exc
        finally:
            started.set()
        with contextlib.suppress(RuntimeError):  # the caller's loop closed: nobody waits any more
            loop.call_soon_threadsafe(_settle, done, result, error)

    threading.Thread(target=main, name=name, daemon=True).start()
    try:
        return await done
    except asyncio.CancelledError:
        if started.wait(START_TIMEOUT) and inside:
            work_loop, task = inside[0]
            with contextlib.suppress(RuntimeError):  # it had finished
                work_loop.call_soon_threadsafe(task.cancel)
        raise
