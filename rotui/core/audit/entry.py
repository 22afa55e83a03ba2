"""The audit log's on-disk format: one entry, its keyed MAC, the anchor and what a check found.

An entry is ``{ts, action, actor, run_id, key, context, prev, seq, chain, hash}`` where ``hash`` is
an HMAC-SHA256 of the rest under the installation key; the anchor (``audit.anchor``) records the
chain's head and carries its own MAC. The writer (:mod:`.log`) and the verifier (:mod:`.verify`)
both build on these definitions, so a change to the format is made here once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
CHAIN = "hmac-sha256"  # the ``chain`` field of a keyed entry; legacy entries have none


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
class Anchor:
    seq: int
    head: str


DAMAGED = object()  # an anchor file that is unreadable, or whose MAC does not match


def load_anchor(path: Path, mac_key: bytes | None) -> Anchor | object | None:
    """The anchor at ``path``: None when there is none, :data:`DAMAGED` when it cannot be trusted."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        return DAMAGED
    try:
        data = json.loads(raw)
        anchor = Anchor(int(data["seq"]), str(data["head"]))
        mac = str(data["mac"])
    except (ValueError, KeyError, TypeError):
        return DAMAGED
    if mac_key is None or not hmac.compare_digest(
        mac, anchor_mac(mac_key, anchor.seq, anchor.head)
    ):
        return DAMAGED
    return anchor
