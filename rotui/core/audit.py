"""The audit log: append-only JSONL where each entry carries the hash of the one before.

Entries are ``{ts, action, actor, run_id, key, context, prev, hash}``. A secret appears only as a
fingerprint (a keyed HMAC with a per-installation key), never as a value or a plain hash. A broken
chain — an edited, removed or reordered line — is found by :meth:`AuditLog.verify`.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import secrets
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rotui.core.errors import StateError
from rotui.core.secret import Secret, redact

GENESIS = "0" * 64
TAIL_BYTES = 65536
WRITE_BATCH = 256  # entries encoded and written at a time by append_many


def default_actor() -> str:
    """Who is acting, as ``user@host`` (the SOP's actor)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid{os.getuid()}"
    return f"{user}@{socket.gethostname()}"


@dataclass(frozen=True)
class AuditEntry:
    ts: dt.datetime
    action: str
    actor: str
    key: str | None = None
    run_id: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    prev: str = GENESIS
    hash: str = ""

    def body(self) -> dict[str, Any]:
        return {
            "ts": self.ts.isoformat(),
            "action": self.action,
            "actor": self.actor,
            "run_id": self.run_id,
            "key": self.key,
            "context": dict(self.context),
            "prev": self.prev,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditEntry:
        return cls(
            ts=dt.datetime.fromisoformat(data["ts"]),
            action=str(data["action"]),
            actor=str(data.get("actor", "")),
            key=data.get("key"),
            run_id=data.get("run_id"),
            context=dict(data.get("context") or {}),
            prev=str(data.get("prev", "")),
            hash=str(data.get("hash", "")),
        )


def entry_hash(body: Mapping[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    problem: str = ""
    line: int | None = None


class AuditLog:
    """``audit.jsonl`` under the data dir, appended under a lock and fsynced."""

    def __init__(
        self,
        data_dir: Path,
        *,
        actor: str | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.path = data_dir / "audit.jsonl"
        self._key_path = data_dir / "install.key"
        self._lock = data_dir / ".audit.lock"
        self.actor = actor or default_actor()
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def fingerprint(self, secret: Secret) -> str:
        """``hmac-sha256:<32 hex>`` with this installation's key: comparable, not reversible."""
        return "hmac-sha256:" + secret.fingerprint(self._installation_key())

    def _installation_key(self) -> bytes:
        from rotui.paths import private_dir

        try:
            return self._key_path.read_bytes()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StateError(f"cannot read {self._key_path}", exc.strerror or str(exc)) from None
        private_dir(self._key_path.parent)
        key = secrets.token_bytes(32)
        try:
            fd = os.open(self._key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return self._key_path.read_bytes()
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        return key

    def append(
        self,
        action: str,
        *,
        key: str | None = None,
        run_id: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Write one entry durably, or raise StateError so the caller does not go on."""
        last = self._write_entries([(action, key, run_id, context)])
        assert last is not None
        return last

    def append_many(
        self, items: Iterable[tuple[str, str | None, str | None, Mapping[str, Any] | None]]
    ) -> int:
        """Write several entries under one lock and one fsync (a validate-all of many keys).

        Entries are encoded and written in batches, so thousands of them never sit in memory
        at once; returns how many were written.
        """
        count = 0

        def counted() -> Iterator[tuple[str, str | None, str | None, Mapping[str, Any] | None]]:
            nonlocal count
            for item in items:
                count += 1
                yield item

        self._write_entries(counted())
        return count

    def _write_entries(
        self, items: Iterable[tuple[str, str | None, str | None, Mapping[str, Any] | None]]
    ) -> AuditEntry | None:
        """Append entries under the lock, chained to the log's last hash; fsync once at the end.

        A crash between batches leaves a shorter log whose chain still verifies: each batch is
        whole lines. Returns the last entry written.
        """
        from rotui.paths import append_whole, locked, private_dir

        private_dir(self.path.parent)
        last_record: dict[str, Any] | None = None
        with locked(self._lock):
            prev = self._last_hash()
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                try:
                    start = os.fstat(fd).st_size  # a failed append is cut back to this
                    lines: list[str] = []
                    for action, key, run_id, context in items:
                        safe_context = json.loads(
                            redact(json.dumps(dict(context or {}), default=str))
                        )
                        body = AuditEntry(
                            ts=self._clock(),
                            action=action,
                            actor=self.actor,
                            key=key,
                            run_id=run_id,
                            context=safe_context,
                            prev=prev,
                        ).body()
                        prev = entry_hash(body)
                        record = {**body, "hash": prev}
                        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
                        if len(lines) >= WRITE_BATCH:
                            append_whole(fd, "".join(lines).encode(), start)
                            lines.clear()
                        last_record = record
                    if lines:
                        append_whole(fd, "".join(lines).encode(), start)
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                raise StateError(
                    f"cannot write the audit log {self.path}",
                    f"{exc.strerror or exc}; the action was not carried out",
                ) from None
        return AuditEntry.from_dict(last_record) if last_record else None

    def _last_hash(self) -> str:
        try:
            with open(self.path, "rb") as handle:
                handle.seek(0, os.SEEK_END)
                size = handle.tell()
                handle.seek(max(size - TAIL_BYTES, 0))
                tail = handle.read()
        except FileNotFoundError:
            return GENESIS
        lines = [line for line in tail.splitlines() if line.strip()]
        if not lines:
            return GENESIS
        try:
            return str(json.loads(lines[-1])["hash"])
        except (ValueError, KeyError, TypeError):
            return entry_hash({"damaged": lines[-1].decode(errors="replace")})

    def entries(self) -> list[AuditEntry]:
        """Every readable entry, oldest first (damaged lines are skipped; verify() reports them)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        out = []
        for line in raw.splitlines():
            try:
                out.append(AuditEntry.from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError):
                continue
        return out

    def verify(self) -> ChainReport:
        """Recompute every hash and link; the first break is reported with its line number."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return ChainReport(True, 0)
        prev = GENESIS
        count = 0
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                claimed = data.pop("hash")
            except (ValueError, KeyError, TypeError, AttributeError):
                return ChainReport(False, count, "not a valid entry", number)
            if data.get("prev") != prev:
                return ChainReport(False, count, "does not follow the entry before it", number)
            if entry_hash(data) != claimed:
                return ChainReport(False, count, "its content does not match its hash", number)
            prev = claimed
            count += 1
        return ChainReport(True, count)
