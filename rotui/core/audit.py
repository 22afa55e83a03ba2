"""The audit log: append-only JSONL where each entry carries the keyed MAC of the one before.

Entries are ``{ts, action, actor, run_id, key, context, prev, seq, chain, hash}`` where ``hash``
is an HMAC-SHA256 of the rest under the installation's secret key (``install.key``, the same key
that makes secret fingerprints), so nobody without that key can rewrite an entry and recompute the
chain. The chain's head (last ``seq`` and its MAC, itself MACed) is anchored outside the log in
``audit.anchor``, rewritten atomically after each append, so a truncated log is found too.

A secret appears only as a fingerprint (a keyed HMAC), never as a value or a plain hash.
:meth:`AuditLog.verify` says what broke: truncated, rewritten at entry N, or anchor missing.
Logs written before the chain was keyed (plain SHA-256, no ``seq``) stay readable: they verify as
a *legacy unkeyed chain*, and the next entry written is an ``audit.chain.keyed`` marker from which
the chain goes on keyed.
"""

# Over 400 lines: the writer and the verifier of one on-disk format (MAC, chain, anchor) stay
# together so that a change to the format changes both in one place.

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import getpass
import hashlib
import hmac
import itertools
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
CHAIN = "hmac-sha256"  # the ``chain`` field of a keyed entry; legacy entries have none
KEY_BYTES = 32
MIN_KEY_BYTES = 16  # a shorter install.key is refused: a write cut short, not a key
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
    seq: int | None = None  # 1-based position in the log; None on a legacy (unkeyed) entry

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ts": self.ts.isoformat(),
            "action": self.action,
            "actor": self.actor,
            "run_id": self.run_id,
            "key": self.key,
            "context": dict(self.context),
            "prev": self.prev,
        }
        if self.seq is not None:
            body["seq"] = self.seq
            body["chain"] = CHAIN
        return body

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
            seq=data["seq"] if isinstance(data.get("seq"), int) else None,
        )


def _canonical(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(body: Mapping[str, Any]) -> str:
    """The legacy, unkeyed link: anyone can recompute it, so it proves nothing against an attacker."""
    return hashlib.sha256(_canonical(body)).hexdigest()


def entry_mac(key: bytes, body: Mapping[str, Any]) -> str:
    """The keyed link: HMAC-SHA256 under the installation key, domain-separated from fingerprints."""
    return hmac.new(key, b"rotui-audit-entry\0" + _canonical(body), hashlib.sha256).hexdigest()


def anchor_mac(key: bytes, seq: int, head: str) -> str:
    """The anchor's own MAC, so a forged or replaced anchor is found."""
    message = f"rotui-audit-anchor\0{seq}\0{head}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """What :meth:`AuditLog.verify` found; ``kind`` names the break for programs and tests."""

    ok: bool
    entries: int
    problem: str = ""
    line: int | None = None
    kind: str = (
        ""  # truncated | rewritten | anchor-missing | anchor-damaged | key-missing | key-damaged
    )
    legacy: int = 0  # leading entries from before the chain was keyed (checked unkeyed only)

    @property
    def summary(self) -> str:
        """One line for a person: intact, legacy, or what broke and where."""
        if self.ok:
            text = f"chain intact: {self.entries} entries"
            if self.legacy:
                text += (
                    f"; legacy unkeyed chain: the first {self.legacy} were written before the "
                    "chain was keyed and cannot be authenticated (new entries are keyed)"
                )
            return text
        where = f" at line {self.line}" if self.line else ""
        return f"chain BROKEN{where}: {self.problem}"


@dataclass(frozen=True)
class _Anchor:
    seq: int
    head: str


_DAMAGED = object()  # an anchor file that is unreadable, or whose MAC does not match


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
        return "hmac-sha256:" + secret.fingerprint(self._installation_key())

    def _read_key(self) -> bytes | None:
        """The installation key, None when there is none yet; a short one is refused."""
        try:
            key = self._key_path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(f"cannot read {self._key_path}", exc.strerror or str(exc)) from None
        if len(key) < MIN_KEY_BYTES:
            raise StateError(
                f"the installation key {self._key_path} is damaged",
                f"it holds {len(key)} bytes instead of {KEY_BYTES} (a write cut short, e.g. by a "
                "full disk) and is not used; remove it and rotui makes a new one (fingerprints "
                "and audit entries made with the old key will no longer match)",
            )
        return key

    def _installation_key(self) -> bytes:
        """Read the key, or create it whole: temp file, fsync, then link into place.

        ``os.link`` fails when the name exists, so two first writers agree on one key, and a
        full disk leaves no key at all rather than an empty one.
        """
        import tempfile

        from rotui.core.fsio import private_dir

        key = self._read_key()
        if key is not None:
            return key
        folder = private_dir(self._key_path.parent)
        fresh = secrets.token_bytes(KEY_BYTES)
        tmp = ""
        try:
            fd, tmp = tempfile.mkstemp(prefix=".install.key.", suffix=".tmp", dir=folder)
            with os.fdopen(fd, "wb") as handle:  # mkstemp: 0600 from the first byte
                handle.write(fresh)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, self._key_path)
            except FileExistsError:
                existing = self._read_key()
                if existing is None:
                    raise OSError(2, "the installation key vanished while being created") from None
                return existing
            _fsync_dir(folder)
        except OSError as exc:
            from rotui.core.fsio import os_reason

            raise StateError(
                f"cannot create the installation key {self._key_path}",
                f"{os_reason(exc)}; nothing was written with it",
            ) from None
        finally:
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        return fresh

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
        """Append entries under the lock, chained to the log's head; fsync, then move the anchor.

        A crash between batches leaves a shorter log whose chain still verifies (the anchor is
        moved only after the fsync, and an anchor behind the log is fine). A log that no longer
        reaches its anchor (truncated, anchor removed or forged) is not silently re-anchored: an
        ``audit.chain.break`` entry records what was found, and verify keeps reporting it.
        Returns the last entry written.
        """
        from rotui.core.fsio import append_whole, atomic_write, locked, private_dir

        private_dir(self.path.parent)
        last_record: dict[str, Any] | None = None
        with locked(self._lock):
            mac_key = self._installation_key()
            seq, prev, keyed = self._head()
            first: list[tuple[str, str | None, str | None, Mapping[str, Any] | None]] = []
            problem = self._anchor_problem(mac_key, seq, prev, keyed)
            if problem is not None:
                first.append(("audit.chain.break", None, None, problem))
            elif seq and not keyed:
                first.append(("audit.chain.keyed", None, None, {"legacy_entries": seq}))
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                try:
                    start = os.fstat(fd).st_size  # a failed append is cut back to this
                    lines: list[str] = []
                    for action, key, run_id, context in itertools.chain(first, items):
                        safe_context = json.loads(
                            redact(json.dumps(dict(context or {}), default=str))
                        )
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
            if last_record is not None:
                anchor = {"seq": seq, "head": prev, "mac": anchor_mac(mac_key, seq, prev)}
                atomic_write(self.anchor_path, json.dumps(anchor).encode())
        return AuditEntry.from_dict(last_record) if last_record else None

    def _anchor_problem(
        self, mac_key: bytes, seq: int, head: str, keyed: bool
    ) -> dict[str, Any] | None:
        """Why the log's head does not reach its anchor, as a break entry's context; else None."""
        anchor = self._load_anchor(mac_key)
        if anchor is _DAMAGED:
            return {"kind": "anchor-damaged", "problem": "the anchor was damaged or forged"}
        if anchor is None:
            if keyed:
                return {"kind": "anchor-missing", "problem": "the anchor was missing"}
            return None
        assert isinstance(anchor, _Anchor)
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

    def _load_anchor(self, mac_key: bytes | None) -> _Anchor | object | None:
        try:
            raw = self.anchor_path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError:
            return _DAMAGED
        try:
            data = json.loads(raw)
            anchor = _Anchor(int(data["seq"]), str(data["head"]))
            mac = str(data["mac"])
        except (ValueError, KeyError, TypeError):
            return _DAMAGED
        if mac_key is None or not hmac.compare_digest(
            mac, anchor_mac(mac_key, anchor.seq, anchor.head)
        ):
            return _DAMAGED
        return anchor

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
        try:
            mac_key = self._read_key()
        except StateError as exc:
            return ChainReport(False, 0, str(exc), kind="key-damaged")
        # The anchor before the log: an append in between only makes the log longer than its
        # anchor (fine), never shorter (which would read as a truncation).
        anchor = self._load_anchor(mac_key)
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raw = b""
        if anchor is _DAMAGED and mac_key is not None:
            return ChainReport(
                False,
                0,
                f"anchor damaged or forged: {self.anchor_path.name} does not carry this "
                "installation's MAC, so the end of the log cannot be trusted",
                kind="anchor-damaged",
            )
        prev, count, legacy, keyed, last_line = GENESIS, 0, 0, False, 0
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            entry = count + 1
            broken = functools.partial(_broken, count, legacy, number)

            try:
                data = json.loads(line)
                claimed = data.pop("hash")
            except (ValueError, KeyError, TypeError, AttributeError):
                return broken(f"rewritten at entry {entry}: not a valid entry")
            is_legacy = "seq" not in data and "chain" not in data
            if is_legacy:
                problem = _legacy_problem(data, claimed, entry, prev, keyed)
                legacy += 1
            else:
                keyed = True
                problem = self._keyed_problem(data, claimed, entry, prev, mac_key)
            if problem is not None:
                return broken(*problem)
            if (
                isinstance(anchor, _Anchor)
                and anchor.seq == entry
                and not hmac.compare_digest(anchor.head, str(claimed))
            ):
                return broken(f"rewritten at entry {entry}: it does not match the anchored head")
            prev, count, last_line = str(claimed), entry, number
        return self._ending(anchor, keyed, count, legacy, last_line)

    def _keyed_problem(
        self, data: dict[str, Any], claimed: object, entry: int, prev: str, mac_key: bytes | None
    ) -> tuple[str, str] | None:
        """What is wrong with a keyed entry (its sequence, link and MAC), and the kind of break."""
        if mac_key is None:
            return (
                f"installation key missing: {self._key_path} is gone, so keyed entries "
                "cannot be checked",
                "key-missing",
            )
        if data.get("seq") != entry:
            return (
                f"rewritten at entry {entry}: out of sequence (entries were removed, "
                "inserted or reordered)",
                "rewritten",
            )
        if data.get("prev") != prev:
            return f"rewritten at entry {entry}: does not follow the entry before it", "rewritten"
        if not hmac.compare_digest(entry_mac(mac_key, data), str(claimed)):
            return f"rewritten at entry {entry}: its content does not match its MAC", "rewritten"
        if data.get("action") == "audit.chain.break":
            context = data.get("context") or {}
            return (
                f"{context.get('kind', 'break')}: {context.get('problem', '')} "
                f"(found when entry {entry} was written)",
                str(context.get("kind", "rewritten")),
            )
        return None

    def _ending(
        self, anchor: object, keyed: bool, count: int, legacy: int, last_line: int
    ) -> ChainReport:
        """The log read whole: its end checked against the anchor (missing, or a truncation)."""
        if anchor is None:
            if keyed:
                return ChainReport(
                    False,
                    count,
                    f"anchor missing: {self.anchor_path.name}, which records the chain's head, "
                    "is gone, so entries cut off the end would not show",
                    last_line or None,
                    kind="anchor-missing",
                    legacy=legacy,
                )
            return ChainReport(True, count, legacy=legacy)
        if isinstance(anchor, _Anchor) and anchor.seq > count:
            return ChainReport(
                False,
                count,
                f"truncated: the log ends after entry {count} but its anchor records "
                f"{anchor.seq} entries",
                last_line + 1,
                kind="truncated",
                legacy=legacy,
            )
        return ChainReport(True, count, legacy=legacy)


def _legacy_problem(
    data: dict[str, Any], claimed: object, entry: int, prev: str, keyed: bool
) -> tuple[str, str] | None:
    """What is wrong with an unkeyed (older) entry: its place, its link or its hash."""
    if keyed:
        return f"rewritten at entry {entry}: an unkeyed entry after keyed ones", "rewritten"
    if data.get("prev") != prev:
        return f"rewritten at entry {entry}: does not follow the entry before it", "rewritten"
    if entry_hash(data) != claimed:
        return f"rewritten at entry {entry}: its content does not match its hash", "rewritten"
    return None


def _broken(
    count: int, legacy: int, line: int, problem: str, kind: str = "rewritten"
) -> ChainReport:
    return ChainReport(False, count, problem, line, kind=kind, legacy=legacy)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
