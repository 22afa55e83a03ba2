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


class Hangup(BaseException):
    """Raised in the main thread by the handler when no UI is running."""

    def __init__(self, signum: int, keys: list[str]) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.keys = keys

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
