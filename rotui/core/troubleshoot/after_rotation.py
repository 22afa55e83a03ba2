"""The flows after a rotation, read from its run journal: the new key was not copied, the
consumers fail (the old key that still works is :mod:`.old_key`'s).

They read the journal, the keyring and the consumers, and write nothing: the consumers' checks
are rerun without an installation key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rotui.core.errors import RotuiError
from rotui.core.model import CONSOLE_KEYS_URL
from rotui.core.troubleshoot.evidence import _read, _resume
from rotui.core.troubleshoot.model import BEARER_NOTE, Diagnosis, Severity

if TYPE_CHECKING:
    from rotui.core.consumers.base import ConsumerAdapter, ConsumerContext, VerifyOutcome
    from rotui.core.runs import Run
    from rotui.core.secret import Secret
    from rotui.core.troubleshoot.deps import TroubleshootDeps

# "I forgot to copy my new key" -------------------------------------------------------------------


async def forgot_new_key(services: TroubleshootDeps, name: str) -> Diagnosis:
    """How to recover when the Console showed a new key once and it was not copied."""
    import asyncio

    from rotui.core.rotation import pending_name
    from rotui.core.runs import StepState

    services.keys([name])
    run = await asyncio.to_thread(services.runs().active, name)
    command = f"rotui {'revoke' if run and run.kind == 'emergency' else 'rotate'} {name}"
    resume = _resume(run) if run is not None else f"`{command}` (r on the dashboard)"
    delete = [
        f"Open {CONSOLE_KEYS_URL} and find the key you just created (the wizard suggests a name "
        f"like {name.lower().replace('_', '-')}-rotation-{services.clock():%Y-%m-%d})",
        "Delete it: the Console shows a key's value only once, it cannot be retrieved",
        "Create a new key and copy it at once",
    ]
    severity: Severity = "warning"
    new_key = run.step.get("new_key") if run else None
    if run is None:
        evidence = [f"no rotation of {name} is in progress"]
        cause = "The new key is not in rotui yet, and the Console cannot show it again."
        steps = [
            *delete,
            f"Then `{command}`: the wizard stores the key as PENDING the moment you paste it",
        ]
    elif new_key is None or new_key.state is not StepState.DONE:
        evidence = [f"run {run.run_id} ({run.kind}) is active at “{run.current_step()}”"]
        cause = "The run is waiting at the new-key step: nothing is lost, it resumes there."
        steps = [*delete, f"Resume the run: {resume} and paste the new key"]
    else:
        stored, why = await _read(services, "keyring", pending_name(name))
        shown = stored.hint if stored else "absent" + (f" ({why})" if why else "")
        evidence = [
            f"run {run.run_id} ({run.kind}) is active at “{run.current_step()}”; the new-key step is done",
            f"keyring entry {pending_name(name)}: {shown}",
        ]
        if stored is not None:
            severity = "ok"
            cause = f"You do not need the copy: the run already stored the new key as PENDING ({run.facts.pending_hint}) in the keyring."
            steps = [f"Resume the run: {resume}; it continues from “{run.current_step()}”"]
        else:
            severity = "problem"
            cause = "The run accepted a new key, but the keyring does not hold it (it was kept in memory only), so it is gone."
            steps = [*_roll_back(run), *delete, f"Start again: {resume}"]
    checked = f"{name}'s active run and its PENDING key in the keyring (no network)"
    title = f"I forgot to copy my new key · {name}"
    return Diagnosis(title, checked, evidence, cause, steps, severity, "forgot-new-key", name)


def _roll_back(run: Run) -> list[str]:
    """The rollback step, when the run may still be rolled back (never past a revoke's start)."""
    from rotui.core.rotation.policy import resume_command, rollback_refusal

    refusal = rollback_refusal(run)
    if refusal is not None:
        return [f"It cannot be rolled back ({refusal}): finish it with another new key"]
    return [
        f"Roll back: `{resume_command(run)} --rollback` puts the current key back on every consumer"
    ]


# "Consumers fail after rotation" -----------------------------------------------------------------


async def _held_hint(path: str, var: str) -> str | None:
    """The hint of the value a dotenv file gives ``var`` (read only)."""
    import asyncio

    from rotui.core.consumers.env_file import read_value

    target = Path(os.path.realpath(os.path.expanduser(path)))
    try:
        content = await asyncio.to_thread(target.read_bytes)
    except OSError:
        return None
    value = read_value(content, var)
    return value.hint if value else None


def _no_fingerprint(_secret: Secret) -> str:
    """Verifying compares nothing, so it needs no installation key (and creates none)."""
    return ""


async def _verify(adapter: ConsumerAdapter, ctx: Any) -> VerifyOutcome | None:
    from rotui.core.consumers.base import VerifyOutcome

    try:
        return await adapter.verify(ctx)
    except RotuiError as exc:
        return VerifyOutcome(False, str(exc))


async def _consumer_line(
    adapter: ConsumerAdapter, outcome: VerifyOutcome | None, ctx: ConsumerContext
) -> str:
    """What one consumer's check found; a failing one is also preflighted, to say why."""
    spec = adapter.spec
    if adapter.needs_operator:
        return f"? {spec.name}: manual — {spec.fields.get('instructions', '')}; confirm by hand"
    if outcome is None:
        return f"? {spec.name}: {adapter.describe()} — no verify_url or verify_command, rotui cannot check it"
    if outcome.ok:
        return f"✓ {spec.name}: {adapter.describe()} — {outcome.detail}"
    problems = await adapter.preflight(ctx)
    line = f"✗ {spec.name}: {adapter.describe()} — FAILS: {outcome.detail}"
    return line + "".join(f"; preflight: {p}" for p in problems)


def _not_written(
    run: Run, unwritten: list[str], resume: str | None
) -> tuple[str, list[str], Severity]:
    """The run could not write these consumers: the run stopped there, nothing downstream yet.

    Said first: such a consumer was reported "unchecked" beside "every consumer rotui can check
    passes", with "give it a verify_url" as the only step (walk s14b 1.5)."""
    names = ", ".join(unwritten)
    back = run.facts.rollback_started is not None
    cause = (
        f"{names} could not be {'restored' if back else 'written'} in run {run.run_id} (see the "
        "journal's reason above): the run stopped there, so what fails is that write, not the key."
    )
    again = "b rolls back again (only what is left)" if back else "R retries the write, b rolls back"
    steps = [
        f"Fix what the journal names for {names} (its command, token, permission or app)",
        f"Then resume the run, {resume}: {again}" if resume else f"Then {again} in the run's wizard",
    ]
    return cause, steps, "problem"


def _consumers_verdict(
    name: str, failed: list[str], unchecked: bool, resume: str | None
) -> tuple[str, list[str], Severity]:
    """The cause, the steps and the severity once every consumer was checked (or could not be)."""
    if failed:
        cause = (
            f"{', '.join(failed)} {'fails its' if len(failed) == 1 else 'fail their'} check: it "
            "still holds the old (revoked) key, it was not restarted or redeployed to read the new "
            f"value, or it sends the key in a way its proxy refuses ({BEARER_NOTE})."
        )
        steps = [
            "Look at the failing consumer's own logs for the status it gets from the API",
            "Restart or redeploy it so it reads the new value",
            f"{resume} resumes the run at its verify step"
            if resume
            else f"`rotui rotate {name}` propagates a new key again",
            f"`rotui doctor {name}` checks the key itself",
        ]
        severity: Severity = "problem"
    elif unchecked:
        cause = "Every consumer rotui can check passes; the others need a person to look."
        steps = [
            "Confirm the unchecked consumers by hand, or give them a verify_url or verify_command"
        ]
        severity = "warning"
    else:
        cause = "Every consumer passes its check."
        steps = [f"If an application still fails, `rotui doctor {name}` checks the key itself"]
        severity = "ok"
    return cause, steps, severity


async def _check_consumers(
    adapters: list[ConsumerAdapter],
    ctx: ConsumerContext,
    run: Run | None,
    known: Mapping[str | None, str],
    evidence: list[str],
) -> tuple[list[str], list[str]]:
    """Verify each consumer that can be checked, adding a line each; the failed and the unchecked."""
    import asyncio

    failed: list[str] = []
    unchecked: list[str] = []
    outcomes = await asyncio.gather(*(_verify(a, ctx) for a in adapters if not a.needs_operator))
    checks = iter(outcomes)
    for adapter in adapters:
        spec = adapter.spec
        outcome = None if adapter.needs_operator else next(checks)
        line = await _consumer_line(adapter, outcome, ctx)
        if outcome is None:
            unchecked.append(spec.name)
        elif not outcome.ok:
            failed.append(spec.name)
        record = run.consumers.get(spec.name) if run is not None else None
        if record is not None:
            line += f" (journal: {record.state.words}{'; ' + record.detail[:80] if record.detail else ''})"
        evidence.append(line)
        if spec.kind == "env-file":
            held = await _held_hint(str(spec.fields["path"]), spec.var)
            label = known.get(held, "neither the old nor the new key") if held else "no value"
            evidence.append(f"  {spec.name} holds {held or 'nothing for ' + spec.var}: {label}")
    return failed, unchecked


async def diagnose_consumers(services: TroubleshootDeps, name: str) -> Diagnosis:
    """Rerun the downstream checks of the key's last run, changing nothing, and name the failures."""
    import asyncio

    from rotui.core.consumers.base import ConsumerContext
    from rotui.core.consumers.fields import consumer_spec
    from rotui.core.consumers.registry import adapter_for
    from rotui.core.rotation.policy import run_phase

    [key] = services.keys([name])
    run = (await asyncio.to_thread(services.runs().latest)).get(name)
    where = services.config.path or "<config>"
    adapters = [
        adapter_for(consumer_spec(c, name, f"consumers[{i}]", where))
        for i, c in enumerate(key.consumers)
    ]
    facts: Mapping[str, Any] = run.facts.to_dict() if run is not None else {}
    title = f"Consumers fail after rotation · {name}"
    checked = f"reran the verify_url / verify_command of {name}'s {len(adapters)} consumer(s), writing nothing"
    evidence = [
        f"last run {run.run_id} ({run.kind}, {run_phase(run)}); new key {facts.get('pending_hint') or '?'}"
        if run is not None
        else f"no run of {name} is recorded: checking the configured consumers"
    ]
    current, _why = await _read(services, key.source, name)
    known = {
        facts.get("pending_hint"): "the NEW key",
        facts.get("current_hint"): "the OLD key",
        current.hint if current else None: f"{name}'s current key",
    }
    http, _client = services.client()
    async with http:
        ctx = ConsumerContext(
            http=http,
            store=services.store,
            fingerprint=_no_fingerprint,
            environ=services.environ,
            timeout=services.config.settings.timeout_seconds,
        )
        failed, unchecked = await _check_consumers(adapters, ctx, run, known, evidence)
    resume = _resume(run) if run is not None and str(run.status) == "active" else None
    unwritten = [  # the run's own write failed: no check downstream says anything yet
        n for n, r in (run.consumers.items() if resume and run else ()) if r.state.value == "failed"
    ]
    if run is not None and unwritten:
        cause, steps, severity = _not_written(run, sorted(unwritten), resume)
    else:
        cause, steps, severity = _consumers_verdict(
            name, failed, bool(unchecked or not adapters), resume
        )
    return Diagnosis(title, checked, evidence, cause, steps, severity, "consumers", name)
