"""A hang-up (SIGHUP: the SSH session dropped, the terminal closed) or a SIGTERM ends rotui
cleanly: every key lock this process holds is released first, so the next start resumes the
run without a take-over. The run itself needs nothing more: every step is journaled as it
happens, so the journal already says where it stands (a write in flight stays ``unknown`` and
is redone on resume). Only a process killed outright (SIGKILL, power loss) leaves a stale lock.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable

SIGNALS = (signal.SIGHUP, signal.SIGTERM)
GRACE_SECONDS = 5.0  # after asking the UI to exit: a terminal that is gone may never let it


class Hangup(SystemExit):
    """Raised in the main thread by the handler when no UI is running.

    A signal handler raises wherever the main thread happens to be, often inside an asyncio
    callback (a transport closing its socket). asyncio lets only ``SystemExit`` and
    ``KeyboardInterrupt`` out of a callback and logs any other exception and carries on
    (``asyncio.events.Handle._run``), so a plain ``BaseException`` was swallowed there and the
    run went on without its lock. As a ``SystemExit`` it ends the loop, and uncaught it still
    exits with 128 + the signal's number.
    """

    def __init__(self, signum: int, keys: list[str]) -> None:
        super().__init__(128 + signum)
        self.signum = signum
        self.keys = keys

    def __str__(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def install(on_signal: Callable[[int, list[str]], None] | None = None) -> None:
    """Handle SIGHUP and SIGTERM: release every key lock, then ``on_signal`` or :class:`Hangup`.

    ``on_signal(signum, keys)`` is for the full-screen app, which exits by itself; if it has not
    exited within :data:`GRACE_SECONDS`, the process ends anyway (its locks are already free).
    """
    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum: int, frame: object) -> None:
        keys = _release_all()
        if on_signal is None:
            raise Hangup(signum, keys)
        timer = threading.Timer(GRACE_SECONDS, os._exit, args=(128 + signum,))
        timer.daemon = True
        timer.start()
        on_signal(signum, keys)

    for signum in SIGNALS:
        signal.signal(signum, handler)


def _release_all() -> list[str]:
    """Every key lock this process holds, released. A process that never imported the locks
    (``rotui status``: no hashlib, no json for it) holds none, and a signal handler imports
    nothing: an import there could deadlock on the import lock the main thread holds."""
    locks = sys.modules.get("rotui.core.locks")
    if locks is None:
        return []
    released: list[str] = locks.release_all()
    return released


def describe(signum: int) -> str:
    return "hang-up (SIGHUP)" if signum == signal.SIGHUP else "SIGTERM"
