"""What a holders scan finds: places, findings and skipped places, with masked hints only."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field

SKIPPED_SHOWN = 50  # skipped places named one by one; the rest are only counted


class Status(enum.StrEnum):
    MANAGED = "managed"  # a configured consumer of the key
    UNMANAGED = "unmanaged"  # found, not in the config
    STALE = "stale"  # holds a value that is no longer (or about to stop being) current
    UNKNOWN = "unknown"  # an Anthropic key in no inventory


class Held(enum.StrEnum):
    CURRENT = "current"
    PENDING = "pending"
    PREVIOUS = "previous"
    UNKNOWN = "unknown"  # not one of the configured keys' values
    NAME_ONLY = "name only"  # GitHub: the secret's value cannot be read


@dataclass(frozen=True)
class Place:
    """Where a value sits: ``source`` (heroku, infisical, github, file, git), ``where``, ``var``."""

    source: str
    where: str
    var: str = ""
    line: int | None = None

    def label(self) -> str:
        at = f":{self.line}" if self.line else ""
        return f"{self.source} {self.where}{at}" + (f" · {self.var}" if self.var else "")


@dataclass(frozen=True)
class Finding:
    place: Place
    held: Held
    status: Status
    hint: str  # the masked hint, never the value
    key: str | None = None  # the configured key whose value this is
    consumer: str | None = None  # the configured consumer at this place
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "status": str(self.status),
            "held": str(self.held),
            "hint": self.hint,
            "source": self.place.source,
            "where": self.place.where,
            "var": self.place.var or None,
            "line": self.place.line,
            "consumer": self.consumer,
            "note": self.note or None,
        }


@dataclass
class Progress:
    """Places done of those known so far; the total grows while file trees are walked."""

    done: int = 0
    total: int = 0
    source: str = ""
    elapsed: float = 0.0


@dataclass
class ScanReport:
    findings: list[Finding] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> count
    skipped_places: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)
    problems: list[str] = field(default_factory=list)  # a source that could not be read
    places: int = 0
    partial: bool = False
    elapsed: float = 0.0

    def skip(self, where: str, reason: str) -> None:
        self.skipped[reason] += 1
        if len(self.skipped_places) < SKIPPED_SHOWN:
            self.skipped_places.append((where, reason))

    def merge(self, other: ScanReport) -> None:
        """Add another part's places, skipped places, problems and findings, as if recorded here."""
        self.places += other.places
        self.partial = self.partial or other.partial
        self.skipped.update(other.skipped)
        room = SKIPPED_SHOWN - len(self.skipped_places)
        self.skipped_places.extend(other.skipped_places[: max(room, 0)])
        self.problems.extend(other.problems)
        self.findings.extend(other.findings)

    def for_key(self, name: str) -> list[Finding]:
        return [f for f in self.findings if f.key == name]

    def drift(self, name: str) -> list[Finding]:
        """Places still holding the key's previous value after a rotation."""
        return [f for f in self.findings if f.key == name and f.held is Held.PREVIOUS]

    def to_dict(self) -> dict[str, object]:
        return {
            "partial": self.partial,
            "places": self.places,
            "elapsed_seconds": round(self.elapsed, 3),
            "findings": [f.to_dict() for f in self.findings],
            "skipped": dict(sorted(self.skipped.items())),
            "skipped_places": [{"where": w, "reason": r} for w, r in self.skipped_places],
            "problems": list(self.problems),
        }
