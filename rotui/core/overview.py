"""What the dashboard and ``rotui status`` show for each key, computed once from config and state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from rotui.core.model import (
    Config,
    Freshness,
    KeyAge,
    ManagedKey,
    RemoteKey,
    ValidationResult,
    key_age,
)
from rotui.core.runs import ConsumerState, Held, Run, RunStatus


@dataclass(frozen=True)
class KeyRow:
    """One key as of one day: its age, last validation, Admin record and consumers."""

    key: ManagedKey
    age: KeyAge
    created: dt.datetime | None
    last: ValidationResult | None
    remote: RemoteKey | None = None
    consumers_synced: int | None = None  # None until a rotation has propagated this key
    rotation: str | None = None  # the current step of a rotation in progress
    usage: Mapping[dt.date, int] = field(default_factory=dict)
    run: Run | None = None  # the key's current or last rotation

    @property
    def name(self) -> str:
        return self.key.name

    @property
    def usage_alert(self) -> str | None:
        """Unexpected usage: today over 3× the 7-day median, or any use of a key being retired."""
        if not self.usage:
            return None
        days = sorted(self.usage)
        latest = self.usage[days[-1]]
        median = _median([self.usage[d] for d in days])
        retiring = (
            self.remote is not None and self.remote.status in ("inactive", "archived", "expired")
        ) or (
            self.run is not None
            and self.run.kind == "emergency"
            and self.run.status is RunStatus.ACTIVE
        )
        if retiring and latest > 0:
            return (
                f"{latest:,} tokens on {days[-1]:%m-%d} on a key that is inactive or being revoked"
            )
        if latest > 3 * median and latest > 0:
            return (
                f"{latest:,} tokens on {days[-1]:%m-%d}: over 3× the 7-day median ({median:,.0f})"
            )
        return None

    @property
    def failing(self) -> bool:
        return self.last is not None and not self.last.status.ok

    def search_text(self) -> str:
        """Everything visible about the row, for the filter."""
        last = str(self.last.status) if self.last else "never"
        parts = [
            self.key.name,
            self.key.environment,
            self.key.workspace,
            str(self.age.freshness).replace("_", " "),
            last,
            *(c.name for c in self.key.consumers),
            *(str(c.kind) for c in self.key.consumers),
        ]
        return " ".join(parts).lower()


@dataclass(frozen=True)
class Summary:
    total: int
    overdue: int
    due_soon: int
    failing: int
    rotating: int
    usage_alerts: int = 0
    never_validated: int = 0  # "0 failing" says nothing about these
    emergencies: int = 0  # active emergency revokes, never counted in ``rotating``


def build_rows(
    config: Config,
    results: Mapping[str, ValidationResult],
    remote: Mapping[str, RemoteKey],
    today: dt.date,
    usage: Mapping[str, Mapping[dt.date, int]] | None = None,
    runs: Mapping[str, Run] | None = None,
) -> list[KeyRow]:
    rows = []
    for key in config.keys:
        last = results.get(key.name)
        run = (runs or {}).get(key.name)
        rotated = _completed_at(run)
        current_hint = last.hint if last else None
        if rotated and (last is None or last.checked_at < rotated):
            current_hint = (run.facts.pending_hint or "") if run else None
        record = remote.get(key.name)
        if record is not None and not _same_key(record, current_hint):
            record = None  # an Admin record of a key that has since been replaced
        created = (record.created_at if record else None) or _newest(key.created, rotated)
        rows.append(
            KeyRow(
                key=key,
                age=key_age(key, config.settings, today, created),
                created=created,
                last=last,
                remote=record,
                usage=(usage or {}).get(key.name, {}),
                run=run,
                rotation=_rotation_label(run),
                consumers_synced=_synced(run),
            )
        )
    return rows


def _median(values: list[int]) -> float:
    """The median, without importing statistics (and decimal) on every start."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return (
        float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    )


def _same_key(record: RemoteKey, hint: str | None) -> bool:
    """Whether an Admin record describes the key with this hint (``…`` and ``...`` alike)."""
    if not hint:
        return True
    return record.partial_key_hint.replace("...", "…") == hint


def _completed_at(run: Run | None) -> dt.datetime | None:
    if run is None or run.status is not RunStatus.COMPLETED:
        return None
    done = run.facts.completed_at
    return dt.datetime.fromisoformat(done) if done else None


def _newest(*times: dt.datetime | None) -> dt.datetime | None:
    known = [t for t in times if t is not None]
    return max(known) if known else None


def _rotation_label(run: Run | None) -> str | None:
    """The step an active run is at, for the table's ⟳ marker."""
    if run is None or run.status is not RunStatus.ACTIVE:
        return None
    if run.facts.rollback_started is not None:
        return "rolling back"
    step = run.current_step()
    return step.replace("_", " ") if step else "finishing"


def _synced(run: Run | None) -> int | None:
    """Consumers holding the key the name gives, as far as rotui's last run knows.

    None ("—") before any rotation, and after a run that ended having written nothing (rolled
    back or superseded before propagation): nothing is known beyond what was there before. After
    a rollback, a consumer holds the key again when rotui wrote it back or never wrote it.
    """
    if run is None or not run.consumers:
        return None
    records = run.consumers.values()
    if run.status in (RunStatus.ROLLED_BACK, RunStatus.SUPERSEDED):
        if all(record.value is None for record in records):
            return None
        return sum(1 for record in records if record.value in (None, Held.CURRENT))
    good = (ConsumerState.WRITTEN, ConsumerState.VERIFIED)
    return sum(1 for record in records if record.state in good)


def _emergency(row: KeyRow) -> bool:
    return row.run is not None and row.run.kind == "emergency"


def summarize(rows: Iterable[KeyRow]) -> Summary:
    rows = list(rows)
    return Summary(
        total=len(rows),
        overdue=sum(r.age.freshness is Freshness.OVERDUE for r in rows),
        due_soon=sum(r.age.freshness is Freshness.DUE_SOON for r in rows),
        failing=sum(r.failing for r in rows),
        rotating=sum(r.rotation is not None and not _emergency(r) for r in rows),
        emergencies=sum(r.rotation is not None and _emergency(r) for r in rows),
        usage_alerts=sum(r.usage_alert is not None for r in rows),
        never_validated=sum(r.last is None for r in rows),
    )


_FAR = 10**9
_STATUS_ORDER = {"failing": 0, "never": 1, "valid": 2}


def _due_key(row: KeyRow) -> tuple[int, str]:
    return (row.age.due_in_days if row.age.due_in_days is not None else _FAR, row.name)


def _age_key(row: KeyRow) -> tuple[int, str]:
    return (-(row.age.age_days if row.age.age_days is not None else -1), row.name)


def _status_key(row: KeyRow) -> tuple[int, str, str]:
    if row.last is None:
        return (_STATUS_ORDER["never"], "", row.name)
    bucket = "valid" if row.last.status.ok else "failing"
    return (_STATUS_ORDER[bucket], str(row.last.status), row.name)


SORTS: dict[str, tuple[str, Callable[[KeyRow], tuple[object, ...]]]] = {
    "due": ("due date (soonest first)", _due_key),
    "age": ("age (oldest first)", _age_key),
    "status": ("status (failing first)", _status_key),
    "name": ("name", lambda r: (r.name.lower(),)),
}


def sort_rows(rows: Iterable[KeyRow], by: str) -> list[KeyRow]:
    return sorted(rows, key=SORTS[by][1])


def filter_rows(rows: Iterable[KeyRow], text: str) -> list[KeyRow]:
    """Rows whose visible text contains every word of the filter."""
    words = text.lower().split()
    return [r for r in rows if all(w in r.search_text() for w in words)]
