"""Persisted state: the last validation of each key, its history and its Admin API record.

``validation.json`` is small (one entry per key) so ``rotui status`` reads it fast; the history
of the last 50 results per key lives in ``history/<key>.jsonl``. No secret value is ever written:
results carry only the masked hint.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rotui.core.fsio import atomic_write, locked
from rotui.core.fsnames import key_file_name
from rotui.core.model import RemoteKey, ValidationResult

HISTORY_LIMIT = 50
STATE_VERSION = 1


@dataclass
class Snapshot:
    """What rotui knows about its keys, as last saved."""

    results: dict[str, ValidationResult] = field(default_factory=dict)
    remote: dict[str, RemoteKey] = field(default_factory=dict)
    usage: dict[str, dict[dt.date, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class StateStore:
    """Reads and updates the state directory; every write is locked and atomic."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.latest_path = state_dir / "validation.json"
        self.history_dir = state_dir / "history"
        self._lock = state_dir / ".state.lock"

    def load(self) -> Snapshot:
        """The saved state; an unreadable file gives a warning and an empty state, not a crash."""
        snap = Snapshot()
        try:
            raw = self.latest_path.read_bytes()
        except FileNotFoundError:
            return snap
        except OSError as exc:
            snap.warnings.append(f"cannot read {self.latest_path}: {exc.strerror}")
            return snap
        try:
            data = json.loads(raw)
            for name, item in (data.get("results") or {}).items():
                snap.results[name] = ValidationResult.from_dict(item)
            for name, item in (data.get("remote") or {}).items():
                snap.remote[name] = RemoteKey.from_dict(item)
            for name, days in (data.get("usage") or {}).items():
                snap.usage[name] = {dt.date.fromisoformat(d): int(n) for d, n in days.items()}
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            snap.results.clear()
            snap.remote.clear()
            snap.usage.clear()
            snap.warnings.append(
                f"{self.latest_path} is damaged ({type(exc).__name__}); ignoring it until the next "
                "validation rewrites it"
            )
        return snap

    def _write(self, snap: Snapshot) -> None:
        atomic_write(self.latest_path, (chunk.encode() for chunk in _state_document(snap)))

    def record(
        self,
        results: Iterable[ValidationResult],
        remote: Mapping[str, RemoteKey] | None = None,
        *,
        forget_remote: Iterable[str] = (),
    ) -> None:
        """Save new results and Admin API records, and append each result to its key's history.

        ``forget_remote`` names keys the Admin API was asked about and did not list: their old
        record (and its ``created_at``) no longer describes the key.
        """
        results = list(results)
        with locked(self._lock):
            snap = self.load()
            for result in results:
                snap.results[result.key] = result
            for name in forget_remote:
                snap.remote.pop(name, None)
            snap.remote.update(remote or {})
            self._write(snap)
            if results:
                from rotui.core.fsio import private_dir

                private_dir(self.history_dir)  # once, not once per key (10,000 keys: figure 8d)
            for result in results:
                self._append_history(result)

    def record_usage(self, usage: Mapping[str, Mapping[dt.date, int]]) -> None:
        """Save daily token usage per key (from the Admin usage report)."""
        with locked(self._lock):
            snap = self.load()
            for name, days in usage.items():
                snap.usage[name] = dict(days)
            self._write(snap)

    def mtime(self) -> float:
        """When the state last changed (0 when it never was written), for observers that poll."""
        try:
            return self.latest_path.stat().st_mtime_ns / 1e9
        except OSError:
            return 0.0

    def history(self, name: str) -> list[ValidationResult]:
        """The last results for a key (at most 50), oldest first."""
        path = self._history_path(name)
        try:
            lines = path.read_text().splitlines()
        except OSError:
            return []
        out = []
        for line in lines:
            try:
                out.append(ValidationResult.from_dict(json.loads(line)))
            except (ValueError, TypeError, KeyError):
                continue
        return out[-HISTORY_LIMIT:]

    def _history_path(self, name: str) -> Path:
        return self.history_dir / key_file_name(name, ".jsonl")

    def _append_history(self, result: ValidationResult) -> None:
        """Append one line; rewrite the file (atomically) only when it holds twice the limit."""
        import os

        from rotui.core.fsio import append_whole

        path = self._history_path(result.key)
        line = (json.dumps(result.to_dict(), separators=(",", ":")) + "\n").encode()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                size = os.fstat(fd).st_size  # no second stat: the size after is size + line
                append_whole(fd, line, size)
            finally:
                os.close(fd)
            if size + len(line) > 2 * HISTORY_LIMIT * len(line):
                kept = [r.to_dict() for r in self.history(result.key)]
                data = "".join(json.dumps(i, separators=(",", ":")) + "\n" for i in kept)
                atomic_write(path, data.encode())
        except OSError as exc:
            from rotui.core.errors import StateError

            raise StateError(f"cannot write {path}", exc.strerror or str(exc)) from None


def result_summary(result: ValidationResult | None) -> dict[str, Any] | None:
    """The part of a result that ``status --json`` shows."""
    if result is None:
        return None
    return {
        "status": str(result.status),
        "checked_at": result.checked_at.isoformat(),
        "http_status": result.http_status,
        "message": result.message,
    }


def _state_document(snap: Snapshot) -> Iterator[str]:
    """validation.json as chunks, one key per line: thousands of keys are never one string."""
    sections: tuple[tuple[str, Iterable[tuple[str, Any]]], ...] = (
        ("results", ((name, r.to_dict()) for name, r in sorted(snap.results.items()))),
        ("remote", ((name, r.to_dict()) for name, r in sorted(snap.remote.items()))),
        (
            "usage",
            (
                (name, {day.isoformat(): n for day, n in sorted(days.items())})
                for name, days in sorted(snap.usage.items())
            ),
        ),
    )
    yield f'{{"version": {STATE_VERSION}'
    for section, entries in sections:
        yield f',\n"{section}": {{'
        for index, (name, body) in enumerate(entries):
            yield ("\n" if index == 0 else ",\n") + json.dumps(name) + ": " + json.dumps(body)
        yield "}"
    yield "}\n"
