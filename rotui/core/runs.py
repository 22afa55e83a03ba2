"""Runs on disk: the journal every step writes before and after its side effect.

A run is one JSON file under ``<state>/runs/``, rewritten atomically at every transition, so a
crash or a dropped SSH session leaves the last state intact and the next start resumes from it.
What a run knows is typed (:class:`RunFacts`, :class:`ConsumerRecord`); which step may follow
which is :mod:`rotui.core.rotation.machine`. One driver per key: :mod:`rotui.core.locks`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rotui.core.errors import RotuiError, StateError
from rotui.core.locks import Holder, KeyHeld, KeyLock, StaleLock

__all__ = [
    "STEP_TITLES",
    "ConsumerRecord",
    "ConsumerState",
    "Held",
    "Holder",
    "KeyHeld",
    "KeyLock",
    "Run",
    "RunFacts",
    "RunStatus",
    "RunStore",
    "StaleLock",
    "StepRecord",
    "StepState",
    "crash_point",
    "new_run_id",
]

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
    WAITING = "waiting"  # the write became a change request (an approval policy): not yet landed
    VERIFIED = "verified"
    FAILED = "failed"
    SKIPPED = "skipped"

    @property
    def words(self) -> str:
        """The state as screens and reports say it: "pending" is the new key's word, not this."""
        return "unwritten" if self is ConsumerState.PENDING else self.value


class Held(enum.StrEnum):
    """What rotui believes a consumer holds. ``None`` on a record: rotui never wrote it."""

    CURRENT = "current"  # the old key: written back by a rollback, and the write confirmed
    PENDING = "pending"  # the new key, and the write confirmed
    UNKNOWN = "unknown"  # a write started and its outcome is not known (failed, timed out, died)


class RunStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    ROLLED_BACK = "rolled_back"
    SUPERSEDED = "superseded"  # wrote nothing to a consumer; an emergency of the key replaced it


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
    value: Held | None = None  # what rotui believes it holds; None: never written by rotui
    fingerprint: str | None = None


@dataclass
class RunFacts:
    """What a run has learned, by name: hints, keyed fingerprints, ids and times (ISO 8601)."""

    mode: str = "overlap"
    exposed_at: str | None = None
    current_hint: str | None = None
    current_fp: str | None = None
    current_org: str | None = None
    current_workspace_id: str | None = None
    current_limits: dict[str, str] = field(default_factory=dict)
    current_remote_id: str | None = None
    pending_hint: str | None = None
    pending_fp: str | None = None
    pending_stored: bool | None = None
    pending_valid: bool = False
    pending_remote_id: str | None = None
    pending_created: str | None = None
    propagated_at: str | None = None
    revoke_started: str | None = None
    revoke_method: str | None = None
    revoke_unconfirmed: bool = False
    revoked_at: str | None = None
    completed_at: str | None = None
    rollback_started: str | None = None
    superseded_by: str | None = None
    interrupted: str | None = None  # "SIGHUP at <time>": how the last driver left it
    old_key_usage: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # written by a newer rotui: kept as is

    def to_dict(self) -> dict[str, Any]:
        data = {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name != "extra" and getattr(self, f.name) not in (None, {}, False)
        }
        if self.pending_stored is False:  # a fact, not a default: PENDING is in memory only
            data["pending_stored"] = False
        data["mode"] = self.mode
        return {**self.extra, **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunFacts:
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        known = {k: v for k, v in data.items() if k in names}
        facts = cls(**known)
        facts.extra = {k: v for k, v in data.items() if k not in names}
        return facts


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
    facts: RunFacts = field(default_factory=RunFacts)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if isinstance(self.facts, dict):  # as read from a journal, or written by a test
            self.facts = RunFacts.from_dict(self.facts)

    @property
    def mode(self) -> str:
        """An emergency run's mode ("now" or "overlap"); a rotation is always "overlap"."""
        return self.facts.mode if self.kind == "emergency" else "overlap"

    def current_step(self) -> str | None:
        """The first step that is not done or skipped (None when all are)."""
        for name in self.steps:
            if self.step[name].state not in (StepState.DONE, StepState.SKIPPED):
                return name
        return None

    def wrote_anything(self) -> bool:
        """Whether any consumer may hold a value this run wrote, or the revoke has begun."""
        return bool(self.facts.revoke_started) or any(
            r.value is not None for r in self.consumers.values()
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "key": self.key,
            "kind": str(self.kind),
            "steps": list(self.steps),
            "started_at": self.started_at,
            "actor": self.actor,
            "status": str(self.status),
            "updated_at": self.updated_at,
            "step": {
                name: {"state": str(r.state), "at": r.at, "detail": r.detail}
                for name, r in self.step.items()
            },
            "consumers": {
                name: {
                    "state": str(r.state),
                    "at": r.at,
                    "detail": r.detail,
                    "value": str(r.value) if r.value is not None else None,
                    "fingerprint": r.fingerprint,
                }
                for name, r in self.consumers.items()
            },
            "facts": self.facts.to_dict(),
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Run:
        run = cls(
            run_id=str(data["run_id"]),
            key=str(data["key"]),
            kind=str(data["kind"]),
            steps=[str(s) for s in data["steps"]],
            started_at=str(data["started_at"]),
            actor=str(data.get("actor", "")),
            status=RunStatus(data.get("status", "active")),
            updated_at=str(data.get("updated_at", "")),
            facts=RunFacts.from_dict(dict(data.get("facts") or {})),
            warnings=[str(w) for w in data.get("warnings") or []],
        )
        for name, record in (data.get("step") or {}).items():
            run.step[name] = StepRecord(
                StepState(record["state"]), record.get("at"), record.get("detail", "")
            )
        for name in run.steps:
            run.step.setdefault(name, StepRecord())
        for name, record in (data.get("consumers") or {}).items():
            state = ConsumerState(record["state"])
            value = Held(record["value"]) if record.get("value") else None
            if state in (ConsumerState.WRITING, ConsumerState.FAILED) and value is not None:
                value = Held.UNKNOWN  # a journal from before "unknown": its outcome was not known
            run.consumers[name] = ConsumerRecord(
                state, record.get("at"), record.get("detail", ""), value, record.get("fingerprint")
            )
        return run


def new_run_id(key: str, now: dt.datetime) -> str:
    import secrets

    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


class RunStore:
    """Every run of every key under ``<state>/runs``; a run file is rewritten atomically."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir / "runs"
        self.damaged: list[str] = []  # file names skipped by the last all(): reported, not fatal

    def path(self, run_id: str) -> Path:
        return self.dir / f"{run_id}.json"

    def save(self, run: Run) -> None:
        from rotui.core.fsio import atomic_write

        crash_point()  # before the journal write: the previous state is what survives
        atomic_write(self.path(run.run_id), json.dumps(run.to_dict(), indent=1).encode())
        crash_point()  # after it: the next side effect has not happened

    def load(self, run_id: str) -> Run:
        if not run_id or "/" in run_id or run_id.startswith("."):
            raise RotuiError(f"no run {run_id!r}", "`rotui runs` lists the runs and their ids")
        try:
            return Run.from_dict(json.loads(self.path(run_id).read_text()))
        except FileNotFoundError:
            raise RotuiError(
                f"no run {run_id}", f"`rotui runs` lists the runs kept in {self.dir}"
            ) from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StateError(
                f"run {run_id} is damaged", f"{type(exc).__name__}; see {self.path(run_id)}"
            ) from None

    def all(self) -> list[Run]:
        """Every readable run, oldest first (damaged files are skipped and named in ``damaged``)."""
        runs = []
        self.damaged = []
        try:
            paths = sorted(self.dir.glob("*.json"))
        except OSError:
            return []
        for path in paths:
            try:
                runs.append(Run.from_dict(json.loads(path.read_text())))
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                self.damaged.append(path.name)
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
