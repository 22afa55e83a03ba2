"""“My old key still works after revocation”: send the key a run retired and read its Admin record.

Where the old value is depends on the run: a finished run keeps it as ``NAME#previous``; an
active run (a revoke-now emergency waiting for its new key, or an overlap run before its revoke)
still holds it in the key's own source, since PENDING becomes CURRENT only when the run
finishes. The verdict and its next steps follow from that answer: a key that answers 401 gets no
"revoke it again", and a new key is named only once one exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rotui.core.errors import RotuiError
from rotui.core.model import CONSOLE_KEYS_URL, ManagedKey, RemoteKey, ValidationStatus
from rotui.core.troubleshoot.evidence import (
    _admin_secret,
    _read,
    _record_line,
    _result_lines,
    _resume,
    _source,
)
from rotui.core.troubleshoot.model import SUPPORT_URL, Diagnosis, Severity

if TYPE_CHECKING:
    from rotui.core.anthropic import AnthropicClient
    from rotui.core.runs import Run
    from rotui.core.secret import Secret
    from rotui.core.troubleshoot.deps import TroubleshootDeps

PROPAGATION_MINUTES = 10


def _last_run(services: TroubleshootDeps, name: str) -> Run | None:
    from rotui.core.runs import RunStatus

    done = (RunStatus.COMPLETED, RunStatus.ACTIVE)
    runs = [r for r in services.runs().all() if r.key == name and r.status in done]
    return runs[-1] if runs else None


def _minutes_since(iso: Any, now: dt.datetime) -> float | None:
    try:
        then = dt.datetime.fromisoformat(str(iso)) if iso else None
    except ValueError:
        return None
    if then is None:
        return None
    then = then if then.tzinfo else then.replace(tzinfo=dt.UTC)
    return max((now - then).total_seconds() / 60, 0.0)


@dataclass(frozen=True)
class _Run:
    """What the verdict needs of the key's last run."""

    active: bool  # still running: the old key is in the key's own source
    revoking: bool  # its revoke (or revoke-now deactivation) has begun
    new_hint: str | None  # the new key, once the run holds one
    at: str  # "run X is at “New key from the Console, stored as PENDING”"
    resume: str  # `rotui revoke NAME` (x on the dashboard)


def _run_facts(run: Run | None, facts: Mapping[str, Any]) -> _Run | None:
    from rotui.core.rotation.machine import Step
    from rotui.core.runs import RunStatus

    if run is None:
        return None
    step = run.current_step()
    return _Run(
        active=run.status is RunStatus.ACTIVE,
        revoking=bool(facts.get("revoke_started") or facts.get("revoked_at")),
        new_hint=facts.get("pending_hint"),
        at=f"run {run.run_id} is at “{Step(step).heading}”" if step else f"run {run.run_id}",
        resume=_resume(run),
    )


async def _old_value(
    services: TroubleshootDeps, key: ManagedKey, ran: _Run | None, old_hint: str | None
) -> tuple[Secret | None, str]:
    """The old key's value and a line saying where it was looked for."""
    from rotui.core.rotation import previous_name

    if ran is not None and ran.active:  # CURRENT is replaced only when the run finishes
        value, why = await _read(services, key.source, key.name)
        where = f"{key.name} from {_source(key)} (the old key until the run finishes)"
        if value is not None and old_hint and value.hint != old_hint:
            return None, f"{where}: holds {value.hint}, not the run's old key {old_hint}"
    else:
        value, why = await _read(services, "keyring", previous_name(key.name))
        where = f"keyring entry {previous_name(key.name)}"
    shown = value.hint if value else "absent" + (f" ({why})" if why else "")
    return value, f"{where}: {shown}"


async def _old_record(
    services: TroubleshootDeps,
    client: AnthropicClient,
    facts: Mapping[str, Any],
    old: Secret | None,
) -> tuple[RemoteKey | None, str]:
    """The retired key's Admin record: by the id the run noted, else by its hint."""
    admin, why = await _admin_secret(services)
    hint = old.partial_key_hint if old else str(facts.get("current_hint") or "").replace("…", "...")
    if admin is None or not (facts.get("current_remote_id") or hint):
        return None, why
    try:
        if facts.get("current_remote_id"):
            record: RemoteKey | None = await client.get_api_key(
                admin, str(facts["current_remote_id"])
            )
        else:
            remote = await client.list_api_keys(admin)
            record = next((r for r in remote if r.partial_key_hint == hint), None)
    except RotuiError as exc:
        return None, f"Admin API not consulted: {exc}"
    return record, _record_line(record) if record else "the Admin API does not list the old key"


def _revoked_cause(hint: str, answered: ValidationStatus | None, ran: _Run | None) -> str:
    """The old key is dead: what does still work, then? Never "the new one" before there is one."""
    said = " (it answers 401)" if answered is ValidationStatus.INVALID else ""
    cause = f"The old key {hint} is revoked{said}."
    if ran is not None and ran.new_hint:
        return (
            cause
            + f" Whatever still works uses another key — most likely the new one {ran.new_hint}."
        )
    if ran is not None and ran.active:
        return (
            cause + f" No new key exists yet ({ran.at}): whatever still works does not use {hint}."
        )
    return cause + f" Whatever still works does not use {hint}."


def _old_key_verdict(
    name: str,
    hint: str,
    record: RemoteKey | None,
    answered: ValidationStatus | None,
    minutes: float | None,
    ran: _Run | None,
) -> tuple[str, Severity]:
    """Why the old key still works (or does not), from its answer, its record and the run."""
    works = answered is ValidationStatus.VALID or (record is not None and record.status == "active")
    if works and ran is not None and ran.active and not ran.revoking:
        return (
            f"The old key {hint} is not revoked yet ({ran.at}): it keeps working until the "
            "run's revoke step. That is expected.",
            "ok",
        )
    if record is not None and record.status == "active":
        return (
            f"The Admin API lists the old key {hint} as active: it was never deactivated — the revoke missed it or targeted another key.",
            "problem",
        )
    if answered is ValidationStatus.VALID and minutes is not None and minutes < PROPAGATION_MINUTES:
        return (
            f"The old key {hint} still authenticates {minutes:.0f} min after the revoke: the revocation is probably still propagating.",
            "problem",
        )
    if answered is ValidationStatus.VALID:
        return (
            f"The old key {hint} still authenticates although it was revoked. This should not happen.",
            "problem",
        )
    if answered is ValidationStatus.INVALID or record is not None:
        return _revoked_cause(hint, answered, ran), "ok"
    if ran is None:
        return (
            f"rotui does not know which key was the old one: no rotation of {name} is recorded.",
            "warning",
        )
    return "rotui cannot check the old key: its value is not kept after a completed rotation, and the Admin API does not say.", "warning"  # fmt: skip


def _old_key_steps(name: str, hint: str, severity: Severity, ran: _Run | None) -> list[str]:
    """Steps that fit the verdict: "revoke it again" only while the key may still work."""
    hints = "(the hint is the key's first and last characters)"
    find = f"find {hint} at {CONSOLE_KEYS_URL} {hints}"
    resume = [f"Resume the run: {ran.resume}"] if ran is not None and ran.active else []
    if severity == "ok":
        if ran is not None and ran.active and not ran.revoking:
            return resume
        expected = (
            [f"Check that what “still works” uses the new key {ran.new_hint}: that is expected"]
            if ran is not None and ran.new_hint
            else []
        )
        return [
            *expected,
            *resume,
            f"If something still authenticates as {name}, it sends a key other than {hint}: "
            f"{CONSOLE_KEYS_URL} lists the active keys by their hints {hints}",
        ]
    return [
        f"Make sure the right key was revoked: {find}",
        "Revoke it again there (or set it inactive through the Admin API)",
        "Wait a few minutes: a revocation takes time to propagate",
        f"If it still works after that, contact Anthropic support ({SUPPORT_URL}) with the request id",
        *(
            [f"Check that what “still works” does not simply use the new key {ran.new_hint}: that is expected"]
            if ran is not None and ran.new_hint
            else []
        ),
    ]  # fmt: skip


async def diagnose_old_key_still_works(services: TroubleshootDeps, name: str) -> Diagnosis:
    """Check the key a rotation retired: does it still authenticate, and what the Admin API says."""
    import asyncio

    [key] = services.keys([name])
    run = await asyncio.to_thread(_last_run, services, name)
    facts: Mapping[str, Any] = run.facts.to_dict() if run is not None else {}
    ran = _run_facts(run, facts)
    evidence = [
        f"last run {run.run_id} ({run.kind}, {run.status}): old key "
        f"{facts.get('current_hint') or 'unknown'}, new key {facts.get('pending_hint') or 'not yet'}"
        if run is not None
        else f"no completed or active rotation of {name} is recorded"
    ]
    minutes = _minutes_since(facts.get("revoked_at"), services.clock())
    if minutes is not None:
        evidence.append(f"revoked {minutes:.0f} min ago ({facts.get('revoke_method', '?')})")
    old, where = await _old_value(services, key, ran, facts.get("current_hint"))
    evidence.append(where)
    answered: ValidationStatus | None = None
    http, client = services.client()
    async with http:
        if old is not None:
            # the old key's workspace header too: an identity-linked key answers 400 without it
            result = await client.validate(
                name, old, base_url=key.base_url, workspace=key.workspace
            )
            answered = result.status
            evidence += [f"old key {old.hint} answers {result.status}", *_result_lines(result)]
        record, line = await _old_record(services, client, facts, old)
    evidence += [line] if line else []
    hint = (old.hint if old else facts.get("current_hint")) or "the old key"
    cause, severity = _old_key_verdict(name, hint, record, answered, minutes, ran)
    steps = _old_key_steps(name, hint, severity, ran)
    checked = f"{name}'s last run, the old key's value where the run keeps it, and its Admin status"
    title = f"My old key still works after revocation · {name}"
    return Diagnosis(title, checked, evidence, cause, steps, severity, "old-key", name)
