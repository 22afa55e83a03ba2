"""Reading the audit log back: every MAC, link and sequence number, then the anchor.

The first break is reported with its line and kind (truncated, rewritten, anchor missing or
damaged, key missing or damaged); legacy unkeyed entries at the start are checked as a plain
SHA-256 chain and counted. Needs no write access and creates no key.
"""

from __future__ import annotations

import functools
import hmac
import json
from pathlib import Path
from typing import Any

from rotui.core.audit.entry import (
    DAMAGED,
    GENESIS,
    Anchor,
    ChainReport,
    entry_hash,
    entry_mac,
    load_anchor,
)
from rotui.core.audit.install_key import read_key
from rotui.core.errors import StateError


def verify_chain(path: Path, anchor_path: Path, key_path: Path) -> ChainReport:
    """Check the log at ``path`` against its anchor under the key at ``key_path``."""
    try:
        mac_key = read_key(key_path)
    except StateError as exc:
        return ChainReport(False, 0, str(exc), kind="key-damaged")
    # The anchor before the log: an append in between only makes the log longer than its
    # anchor (fine), never shorter (which would read as a truncation).
    anchor = load_anchor(anchor_path, mac_key)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raw = b""
    if anchor is DAMAGED and mac_key is not None:
        return ChainReport(
            False,
            0,
            f"anchor damaged or forged: {anchor_path.name} does not carry this "
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
            problem = _keyed_problem(data, claimed, entry, prev, mac_key, key_path)
        if problem is not None:
            return broken(*problem)
        if (
            isinstance(anchor, Anchor)
            and anchor.seq == entry
            and not hmac.compare_digest(anchor.head, str(claimed))
        ):
            return broken(f"rewritten at entry {entry}: it does not match the anchored head")
        prev, count, last_line = str(claimed), entry, number
    return _ending(anchor, anchor_path, keyed, count, legacy, last_line)


def _keyed_problem(
    data: dict[str, Any],
    claimed: object,
    entry: int,
    prev: str,
    mac_key: bytes | None,
    key_path: Path,
) -> tuple[str, str] | None:
    """What is wrong with a keyed entry (its sequence, link and MAC), and the kind of break."""
    if mac_key is None:
        return (
            f"installation key missing: {key_path} is gone, so keyed entries cannot be checked",
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
    anchor: object, anchor_path: Path, keyed: bool, count: int, legacy: int, last_line: int
) -> ChainReport:
    """The log read whole: its end checked against the anchor (missing, or a truncation)."""
    if anchor is None:
        if keyed:
            return ChainReport(
                False,
                count,
                f"anchor missing: {anchor_path.name}, which records the chain's head, "
                "is gone, so entries cut off the end would not show",
                last_line or None,
                kind="anchor-missing",
                legacy=legacy,
            )
        return ChainReport(True, count, legacy=legacy)
    if isinstance(anchor, Anchor) and anchor.seq > count:
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
