"""Rotation runs on disk: the journal every step writes before and after its side effect.

A run is one JSON file under ``<state>/runs/``, rewritten atomically at every transition, so a
crash or a dropped SSH session leaves the last state intact and the next start resumes from it.
Only one process may drive a key at a time: :class:`KeyLock` holds an ``flock`` on a lock file
that also says who holds it and since when (the OS releases it if the process dies).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import json
import os
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rotui.core.errors import RotuiError, StateError

_crash_counter = 0


def crash_point() -> None:
    """Fault injection for the crash-matrix tests: ``ROTUI_TEST_CRASH_AT=N`` sends this process
    SIGKILL at its N-th journal point, exactly as ``kill -9`` would. Unset, it does nothing."""
    global _crash_counter
    wanted = os.environ.get("ROTUI_TEST_CRASH_AT")
    if not wanted:
        return
    _crash_counter += 1
    if _crash_counter == int(wanted):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


class StepState(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class ConsumerState(enum.StrEnum):
    PENDING = "pending"
    WRITING = "writing"  # journaled before the write: on resume, the write is redone
    WRITTEN = "written"
    VERIFIED = "verified"
    FAILED = "failed"
    SKIPPED = "skipped"


class RunStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    ROLLED_BACK = "rolled_back"


STEP_TITLES = {
    "precheck": "Pre-check: validate the current key",
    "new_key": "New key from the Console, stored as PENDING",
    "validate_new": "Validate PENDING (organization, workspace, limits)",
    "propagate": "Propagate to every consumer",
    "verify": "Verify downstream",
    "source_update": "Update the key's own source",
    "revoke": "Revoke the old key and confirm it answers 401",
    "finish": "Finish: PENDING becomes CURRENT; audit",
    "deactivate": "Deactivate the old key now",
}


@dataclass
class StepRecord:
    state: StepState = StepState.PENDING
    at: str | None = None
    detail: str = ""


@dataclass
class ConsumerRecord:
    state: ConsumerState = ConsumerState.PENDING
    at: str | None = None
    detail: str = ""
    value: str | None = None  # "pending" or "current": which version was written last
    fingerprint: str | None = None


@dataclass
class Run:
    """One rotation (or emergency revoke) of one key, as journaled."""

    run_id: str
    key: str
    kind: str
    steps: list[str]
    started_at: str
    actor: str
    status: RunStatus = RunStatus.ACTIVE
    updated_at: str = ""
    step: dict[str, StepRecord] = field(default_factory=dict)
    consumers: dict[str, ConsumerRecord] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)  # hints, fingerprints, org ids, times
    warnings: list[str] = field(default_factory=list)

    def current_step(self) -> str | None:
        """The first step that is not done or skipped (None when all are)."""
        for name in self.steps:
            if self.step[name].state not in (StepState.DONE, StepState.SKIPPED):
                return name
        return None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = str(self.status)
        for record in data["step"].values():
            record["state"] = str(record["state"])
        for record in data["consumers"].values():
            record["state"] = str(record["state"])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Run:
        run = cls(
            run_id=data["run_id"],
            key=data["key"],
            kind=data["kind"],
            steps=list(data["steps"]),
            started_at=data["started_at"],
            actor=data.get("actor", ""),
            status=RunStatus(data.get("status", "active")),
            updated_at=data.get("updated_at", ""),
            facts=dict(data.get("facts") or {}),
            warnings=list(data.get("warnings") or []),
        )
        for name, record in (data.get("step") or {}).items():
            run.step[name] = StepRecord(
                StepState(record["state"]), record.get("at"), record.get("detail", "")
            )
        for name, record in (data.get("consumers") or {}).items():
            run.consumers[name] = ConsumerRecord(
                ConsumerState(record["state"]),
                record.get("at"),
                record.get("detail", ""),
                record.get("value"),
                record.get("fingerprint"),
            )
        return run


def new_run_id(key: str, now: dt.datetime) -> str:
    import secrets

    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


class RunStore:
    """Every run of every key under ``<state>/runs``; a run file is rewritten atomically."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir / "runs"

    def path(self, run_id: str) -> Path:
        return self.dir / f"{run_id}.json"

    def save(self, run: Run) -> None:
        from rotui.paths import atomic_write

        crash_point()  # before the journal write: the previous state is what survives
        atomic_write(self.path(run.run_id), json.dumps(run.to_dict(), indent=1).encode())
        crash_point()  # after it: the next side effect has not happened

    def load(self, run_id: str) -> Run:
        try:
            return Run.from_dict(json.loads(self.path(run_id).read_text()))
        except FileNotFoundError:
            raise RotuiError(f"no run {run_id}", f"runs are kept in {self.dir}") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise StateError(
                f"run {run_id} is damaged", f"{type(exc).__name__}; see {self.path(run_id)}"
            ) from None

    def all(self) -> list[Run]:
        """Every readable run, oldest first (damaged files are skipped)."""
        runs = []
        try:
            paths = sorted(self.dir.glob("*.json"))
        except OSError:
            return []
        for path in paths:
            try:
                runs.append(Run.from_dict(json.loads(path.read_text())))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return runs

    def active(self, key: str) -> Run | None:
        return next(
            (r for r in reversed(self.all()) if r.key == key and r.status is RunStatus.ACTIVE), None
        )

    def latest(self) -> dict[str, Run]:
        """The newest run of each key (active or not), for the dashboard."""
        latest: dict[str, Run] = {}
        for run in self.all():
            latest[run.key] = run
        return latest

    def mtime(self) -> float:
        try:
            return max((p.stat().st_mtime_ns / 1e9 for p in self.dir.glob("*.json")), default=0.0)
        except OSError:
            return 0.0


@dataclass(frozen=True)
class Holder:
    actor: str
    pid: int
    host: str
    since: str


class StaleLock(RotuiError):
    """The key's lock was left by a driver that ended without releasing it (killed, power loss).

    The ``flock`` died with that process, so nothing stops a new driver; but a person should
    confirm that the other rotui is really gone before taking over its run.
    """

    def __init__(self, key: str, holder: Holder) -> None:
        super().__init__(
            f"{key} was left locked by a rotui that is no longer running",
            f"{holder.actor} (pid {holder.pid} on {holder.host}) since {holder.since} never "
            "released it, so it was killed or lost power. Make sure that session is gone, then "
            "take over its run: pass --take-over, or confirm in the dashboard",
        )
        self.key = key
        self.holder = holder


class KeyLock:
    """One driver per key across processes; a second one is told who holds it and since when.

    The holder's name, pid, host and start time are written into the lock file and cleared on
    release. Finding them while the ``flock`` is free means the holder died holding it: a stale
    lock, taken over only when asked (:class:`StaleLock`). ``previous`` keeps who that was.
    """

    def __init__(self, state_dir: Path, key: str) -> None:
        self.path = state_dir / "locks" / f"{urllib.parse.quote(key, safe='')}.lock"
        self.key = key
        self._fd: int | None = None
        self.previous: Holder | None = None  # the dead holder of a lock taken over

    def holder(self) -> Holder | None:
        try:
            data = json.loads(self.path.read_text() or "{}")
            return Holder(data["actor"], int(data["pid"]), data["host"], data["since"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def acquire(
        self,
        actor: str,
        now: dt.datetime,
        *,
        take_over: bool = False,
        on_take_over: Callable[[Holder], None] | None = None,
    ) -> None:
        """Take the lock, or raise naming its live holder, or (stale) :class:`StaleLock`.

        With ``take_over``, ``on_take_over(dead_holder)`` runs before the dead holder's record is
        replaced (it audits the takeover): if it raises, the lock is left as it was found.
        """
        import fcntl
        import socket

        from rotui.paths import private_dir

        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            who = self.holder()
            detail = (
                f"{who.actor} (pid {who.pid} on {who.host}) holds it since {who.since}"
                if who
                else "another rotui process holds it"
            )
            raise RotuiError(
                f"{self.key} is being driven by another rotui",
                detail + "; use --read-only to watch",
            ) from None
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

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)
            self._fd = None

    @contextlib.contextmanager
    def held(self, actor: str, now: dt.datetime, *, take_over: bool = False) -> Iterator[None]:
        self.acquire(actor, now, take_over=take_over)
        try:
            yield
        finally:
            self.release()
