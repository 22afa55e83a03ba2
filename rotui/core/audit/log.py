"""Writing the audit log: entries appended under a lock, fsynced, then the anchor moved.

A secret appears only as a fingerprint (a keyed HMAC), never as a value or a plain hash: every
entry's context is passed through :func:`~rotui.core.secret.redact` before it is written.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hmac
import itertools
import json
import os
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from rotui.core.audit.entry import (
    CHAIN,
    DAMAGED,
    GENESIS,
    Anchor,
    AuditEntry,
    ChainReport,
    anchor_mac,
    entry_hash,
    entry_mac,
    load_anchor,
)
from rotui.core.audit.install_key import installation_key
from rotui.core.audit.verify import verify_chain
from rotui.core.errors import StateError
from rotui.core.secret import Secret, redact

TAIL_BYTES = 65536
WRITE_BATCH = 256  # entries encoded and written at a time by append_many

Item = tuple[str, str | None, str | None, Mapping[str, Any] | None]  # action, key, run_id, context


def default_actor() -> str:
    """Who is acting, as ``user@host`` (the SOP's actor)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid{os.getuid()}"
    return f"{user}@{socket.gethostname()}"


class AuditLog:
    """``audit.jsonl`` under the data dir, appended under a lock and fsynced, anchored beside it."""

    def __init__(
        self,
        data_dir: Path,
        *,
        actor: str | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.path = data_dir / "audit.jsonl"
        self.anchor_path = data_dir / "audit.anchor"
        self._key_path = data_dir / "install.key"
        self._lock = data_dir / ".audit.lock"
        self.actor = actor or default_actor()
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def fingerprint(self, secret: Secret) -> str:
        """``hmac-sha256:<32 hex>`` with this installation's key: comparable, not reversible."""
        return "hmac-sha256:" + secret.fingerprint(self.installation_key())

    def installation_key(self) -> bytes:
        """The installation's HMAC key (made on first use); never printed or written elsewhere."""
        return installation_key(self._key_path)

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

    def append_many(self, items: Iterable[Item]) -> int:
        """Write several entries under one lock and one fsync (a validate-all of many keys).

        Entries are encoded and written in batches, so thousands of them never sit in memory
        at once; returns how many were written.
        """
        count = 0

        def counted() -> Iterator[Item]:
            nonlocal count
            for item in items:
                count += 1
                yield item

        self._write_entries(counted())
        return count

    def _write_entries(self, items: Iterable[Item]) -> AuditEntry | None:
        """Append entries under the lock, chained to the log's head; fsync, then move the anchor.

        A crash between batches leaves a shorter log whose chain still verifies (the anchor is
        moved only after the fsync, and an anchor behind the log is fine). A log that no longer
        reaches its anchor (truncated, anchor removed or forged) is not silently re-anchored: an
        ``audit.chain.break`` entry records what was found, and verify keeps reporting it.
        Returns the last entry written.
        """
        from rotui.core.fsio import atomic_write, locked, private_dir

        private_dir(self.path.parent)
        with locked(self._lock):
            mac_key = self.installation_key()
            seq, prev, keyed = self._head()
            first: list[Item] = []
            problem = self._anchor_problem(mac_key, seq, prev, keyed)
            if problem is not None:
                first.append(("audit.chain.break", None, None, problem))
            elif seq and not keyed:
                first.append(("audit.chain.keyed", None, None, {"legacy_entries": seq}))
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                try:
                    chained = itertools.chain(first, items)
                    last = self._append_chained(fd, chained, mac_key, seq, prev)
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                raise StateError(
                    f"cannot write the audit log {self.path}",
                    f"{exc.strerror or exc}; the action was not carried out",
                ) from None
            if last is None:
                return None
            seq, head = _head_of(last)
            anchor = {"seq": seq, "head": head, "mac": anchor_mac(mac_key, seq, head)}
            atomic_write(self.anchor_path, json.dumps(anchor).encode())
        return last

    def _append_chained(
        self, fd: int, items: Iterable[Item], mac_key: bytes, seq: int, prev: str
    ) -> AuditEntry | None:
        """Encode each item as the next link after ``(seq, prev)`` and write it in batches.

        A failed write cuts the file back to where this append began (``append_whole``).
        """
        from rotui.core.fsio import append_whole

        start = os.fstat(fd).st_size  # a failed append is cut back to this
        lines: list[str] = []
        last_record: dict[str, Any] | None = None
        for action, key, run_id, context in items:
            safe_context = json.loads(redact(json.dumps(dict(context or {}), default=str)))
            seq += 1
            body = AuditEntry(
                ts=self._clock(),
                action=action,
                actor=self.actor,
                key=key,
                run_id=run_id,
                context=safe_context,
                prev=prev,
                seq=seq,
            ).body()
            prev = entry_mac(mac_key, body)
            last_record = {**body, "hash": prev}
            lines.append(json.dumps(last_record, ensure_ascii=False) + "\n")
            if len(lines) >= WRITE_BATCH:
                append_whole(fd, "".join(lines).encode(), start)
                lines.clear()
        if lines:
            append_whole(fd, "".join(lines).encode(), start)
        return AuditEntry.from_dict(last_record) if last_record else None

    def _anchor_problem(
        self, mac_key: bytes, seq: int, head: str, keyed: bool
    ) -> dict[str, Any] | None:
        """Why the log's head does not reach its anchor, as a break entry's context; else None."""
        anchor = load_anchor(self.anchor_path, mac_key)
        if anchor is DAMAGED:
            return {"kind": "anchor-damaged", "problem": "the anchor was damaged or forged"}
        if anchor is None:
            if keyed:
                return {"kind": "anchor-missing", "problem": "the anchor was missing"}
            return None
        assert isinstance(anchor, Anchor)
        if anchor.seq > seq:
            return {
                "kind": "truncated",
                "problem": f"the log was truncated: it ended after entry {seq} but its anchor "
                f"recorded {anchor.seq} entries",
            }
        if anchor.seq == seq and not hmac.compare_digest(anchor.head, head):
            return {
                "kind": "rewritten",
                "problem": f"entry {seq} no longer matched the anchored head",
            }
        return None

    def _head(self) -> tuple[int, str, bool]:
        """The last entry's seq, its link, and whether it is keyed; ``(0, GENESIS, False)`` if empty."""
        try:
            with open(self.path, "rb") as handle:
                handle.seek(0, os.SEEK_END)
                size = handle.tell()
                handle.seek(max(size - TAIL_BYTES, 0))
                tail = handle.read()
        except FileNotFoundError:
            return 0, GENESIS, False
        lines = [line for line in tail.splitlines() if line.strip()]
        if not lines:
            return 0, GENESIS, False
        try:
            data = json.loads(lines[-1])
            head = str(data["hash"])
            seq = data.get("seq")
        except (ValueError, KeyError, TypeError, AttributeError):
            return self._count(), entry_hash({"damaged": lines[-1].decode(errors="replace")}), True
        if isinstance(seq, int) and data.get("chain") == CHAIN:
            return seq, head, True
        return self._count(), head, False  # a legacy log: its entries are counted once

    def _count(self) -> int:
        with open(self.path, "rb") as handle:
            return sum(1 for line in handle if line.strip())

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
            except (ValueError, KeyError, TypeError, AttributeError):
                continue
        return out

    def verify(self) -> ChainReport:
        """Check every MAC, link and sequence number, then the anchor; the first break is reported.

        Needs no write access and creates no key.
        """
        return verify_chain(self.path, self.anchor_path, self._key_path)


def _head_of(entry: AuditEntry) -> tuple[int, str]:
    assert entry.seq is not None
    return entry.seq, entry.hash
