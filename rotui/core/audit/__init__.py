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

The parts: :mod:`.entry` the on-disk format (entry, MACs, anchor), :mod:`.install_key` the
installation key, :mod:`.log` the writer (:class:`AuditLog`), :mod:`.verify` the reader that
checks the chain.
"""

from rotui.core.audit.entry import (
    CHAIN,
    GENESIS,
    AuditEntry,
    ChainReport,
    anchor_mac,
    entry_hash,
    entry_mac,
)
from rotui.core.audit.install_key import KEY_BYTES, MIN_KEY_BYTES
from rotui.core.audit.log import TAIL_BYTES, WRITE_BATCH, AuditLog, default_actor

__all__ = [
    "CHAIN",
    "GENESIS",
    "KEY_BYTES",
    "MIN_KEY_BYTES",
    "TAIL_BYTES",
    "WRITE_BATCH",
    "AuditEntry",
    "AuditLog",
    "ChainReport",
    "anchor_mac",
    "default_actor",
    "entry_hash",
    "entry_mac",
]
