"""What a scan looks for: the keyed fingerprints of every key's current, pending and previous value.

Values are read from the secret store only to be fingerprinted here; the map a scan matches
against holds fingerprints, never values. The run journal adds what the keyring no longer has:
the fingerprint of the key a finished run replaced, and when it finished.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rotui.core.holders.book import ADMIN
from rotui.core.holders.matcher import Target
from rotui.core.holders.model import Held
from rotui.core.runs import RunStatus

if TYPE_CHECKING:
    from rotui.core.holders.scan import ScanRequest
    from rotui.core.model import ManagedKey
    from rotui.core.runs import Run

FP_PREFIX = "hmac-sha256:"  # AuditLog.fingerprint's form, as journaled in a run's facts


async def read_targets(
    request: ScanRequest, keys: Sequence[ManagedKey], hmac_key: bytes
) -> tuple[dict[str, Target], set[str]]:
    """Fingerprints of every configured key's current, pending and previous values."""
    from rotui.core.errors import RotuiError
    from rotui.core.keynames import pending_name, previous_name

    targets: dict[str, Target] = {}
    pending: set[str] = set()
    # A value that is both (a source already updated to the new key) counts as PENDING: the
    # first listed wins. An active run's fingerprints say which key is the old one.
    for run in request.runs:
        if run.status is RunStatus.ACTIVE:
            for held, fp in (
                (Held.PENDING, run.facts.pending_fp),
                (Held.CURRENT, run.facts.current_fp),
            ):
                if fp and fp.startswith(FP_PREFIX):
                    targets.setdefault(fp.removeprefix(FP_PREFIX), Target(run.key, held))
                    if held is Held.PENDING:
                        pending.add(run.key)
    reads = [
        (key.name, held, source, username)
        for key in keys
        for held, source, username in (
            (Held.PENDING, "keyring", pending_name(key.name)),
            (Held.CURRENT, key.source, key.name),
            (Held.PREVIOUS, "keyring", previous_name(key.name)),
        )
    ]
    admin = request.config.settings.admin_key
    if admin:
        reads.append((ADMIN, Held.CURRENT, admin, "__admin__"))

    async def fingerprint(source: str, username: str) -> str | None:
        """The value's fingerprint; the value itself never leaves this function."""
        try:
            secret = await request.store.aread(source, username)
        except RotuiError:
            return None
        return None if secret is None else secret.fingerprint(hmac_key)

    prints = await asyncio.gather(*(fingerprint(source, user) for _, _, source, user in reads))
    for (name, held, _, _), fp in zip(reads, prints, strict=True):
        if fp is None:
            continue
        if held is Held.PENDING:
            pending.add(name)
        targets.setdefault(fp, Target(name, held))
    return targets, pending


def replaced(runs: Sequence[Run]) -> dict[str, str]:
    """The fingerprint of the key each key's last completed run replaced (its previous value).

    The keyring's ``NAME#previous`` is gone once a run finishes; the journal keeps the keyed
    fingerprint, which is all a scan needs to show drift.
    """
    out: dict[str, str] = {}
    for run in runs:
        fp = run.facts.current_fp or ""
        if run.status is RunStatus.COMPLETED and fp.startswith(FP_PREFIX):
            out[run.key] = fp.removeprefix(FP_PREFIX)
    return out


def last_completed(runs: Sequence[Run]) -> dict[str, dt.datetime]:
    """For each key's last completed run, when its new key was stored (the new-key step): a GitHub
    secret updated before then may hold the old key; one written by the run's own propagation,
    after it, holds the new one. The run's completion came after that write, so comparing with it
    marked every GitHub secret rotui wrote "stale" (walk s14b 1.4)."""
    out: dict[str, dt.datetime] = {}
    for run in runs:
        if not run.facts.completed_at:
            continue
        stored = run.step.get("new_key")
        try:
            when = dt.datetime.fromisoformat(
                stored.at if stored is not None and stored.at else run.facts.completed_at
            )
        except ValueError:
            continue
        out[run.key] = max(out.get(run.key, when), when)
    return out
