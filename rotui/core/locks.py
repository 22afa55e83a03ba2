"""One driver per key across processes: an ``flock`` plus who holds it and since when.

The holder's name, pid, host and start time are written into the lock file and cleared on
release. Finding them while the ``flock`` is free means the holder died holding it (``kill -9``,
power loss): a stale lock, taken over only when a person confirms (:class:`StaleLock`).

A hang-up or a SIGTERM is not such a death: the CLI's signal handler calls
:func:`release_all`, which clears every lock this process holds before it exits, so the next
start resumes without a take-over.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rotui.core.errors import RotuiError
from rotui.core.fsnames import key_file_name

_HELD: set[KeyLock] = set()


def release_all() -> list[str]:
    """Release every key lock this process holds (a hang-up or SIGTERM); returns their keys."""
    keys = []
    for lock in list(_HELD):
        keys.append(lock.key)
        lock.release()
    return keys


def held_keys() -> list[str]:
    """The keys whose lock this process holds now."""
    return sorted(lock.key for lock in _HELD)


@dataclass(frozen=True)
class Holder:
    actor: str
    pid: int
    host: str
    since: str

    @property
    def since_shown(self) -> str:
        """``2026-11-26 02:00 UTC``: the start time as a person reads it (as written if odd)."""
        try:
            when = dt.datetime.fromisoformat(self.since)
        except ValueError:
            return self.since
        if when.tzinfo is not None:
            when = when.astimezone(dt.UTC)
        return f"{when:%Y-%m-%d %H:%M} UTC"

    def describe(self) -> str:
        return f"{self.actor} (pid {self.pid} on {self.host}) since {self.since_shown}"


class KeyHeld(RotuiError):
    """Another live rotui drives the key; ``holder`` says who and since when (None: unknown)."""

    def __init__(self, key: str, holder: Holder | None) -> None:
        detail = (
            f"{holder.actor} (pid {holder.pid} on {holder.host}) holds it since {holder.since_shown}"
            if holder
            else "another rotui process holds it"
        )
        super().__init__(f"{key} is being driven by another rotui", detail + "; use --read-only to watch")
        self.key = key
        self.holder = holder


class StaleLock(RotuiError):
    """The key's lock was left by a driver that ended without releasing it (killed, power loss).

    The ``flock`` died with that process, so nothing stops a new driver; but a person should
    confirm that the other rotui is really gone before taking over its run.
    """

    def __init__(self, key: str, holder: Holder) -> None:
        super().__init__(
            f"{key} was left locked by a rotui that is no longer running",
            f"{holder.describe()} never released it, so it was killed or lost power. Make sure "
            "that session is gone, then take over its run: pass --take-over, or confirm in the "
            "dashboard",
        )
        self.key = key
        self.holder = holder


class KeyLock:
    """The lock of one key; ``previous`` keeps the dead holder of a lock taken over."""

    def __init__(self, state_dir: Path, key: str) -> None:
        self.path = state_dir / "locks" / key_file_name(key, ".lock")  # within NAME_MAX
        self.key = key
        self._fd: int | None = None
        self.previous: Holder | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def holder(self) -> Holder | None:
        try:
            data = json.loads(self.path.read_text() or "{}")
            return Holder(data["actor"], int(data["pid"]), data["host"], data["since"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def live_holder(self) -> Holder | None:
        """Who drives the key now, without taking anything (None when nobody live does)."""
        import fcntl

        if self.held:
            return None
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return self.holder() or Holder("another rotui", 0, "?", "?")
        finally:
            os.close(fd)
        return None

    def acquire(
        self,
        actor: str,
        now: dt.datetime,
        *,
        take_over: bool = False,
        on_take_over: Callable[[Holder], None] | None = None,
    ) -> None:
        """Take the lock, or raise :class:`KeyHeld` naming its live holder, or :class:`StaleLock`.

        With ``take_over``, ``on_take_over(dead_holder)`` runs before the dead holder's record is
        replaced (it audits the takeover): if it raises, the lock is left as it was found.
        """
        import fcntl
        import socket

        from rotui.core.fsio import private_dir

        if self.held:
            return
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise KeyHeld(self.key, self.holder()) from None
        stale = self.holder()
        if stale is not None and not take_over:
            os.close(fd)  # releases the flock: nothing taken until a person says so
            raise StaleLock(self.key, stale)
        if stale is not None and on_take_over is not None:
            try:
                on_take_over(stale)
            except BaseException:
                os.close(fd)  # the dead holder's record stays: the takeover did not happen
                raise
        self.previous = stale
        os.ftruncate(fd, 0)
        info = {
            "actor": actor,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": now.isoformat(),
        }
        os.write(fd, json.dumps(info).encode())
        self._fd = fd
        _HELD.add(self)

    def release(self) -> None:
        _HELD.discard(self)
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    @contextlib.contextmanager
    def held_by(self, actor: str, now: dt.datetime, *, take_over: bool = False) -> Iterator[None]:
        self.acquire(actor, now, take_over=take_over)
        try:
            yield
        finally:
            self.release()
