"""The rules between runs and around the irreversible step, in one place.

- Which run may start or resume (:func:`start_conflict`): one active run per key. The same kind
  and mode resumes it; an emergency supersedes an active run that wrote nothing to a consumer
  (for example one that stopped after storing PENDING); anything else is refused with the way out.
- When rollback is refused (:func:`rollback_refusal`): once the old key's deactivation started,
  and always in a revoke-now run past its first step.
- What blocks the revoke (:func:`revoke_blockers`): PENDING not validated, a consumer neither
  verified (holding PENDING) nor skipped, the key's own source not updated, a rollback begun.
- Take-over of a run left by a dead driver: only after a person confirms (``--take-over`` or the
  dashboard's typed confirmation), audited; a hang-up or SIGTERM leaves no lock to take over.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from rotui.core.rotation.machine import Mode, RunKind, Step
from rotui.core.runs import ConsumerState, Held, Run, RunStatus, StepState

COMMANDS = {RunKind.ROTATION: "rotate", RunKind.EMERGENCY: "revoke"}
WORDS = {RunKind.ROTATION: "rotation", RunKind.EMERGENCY: "emergency revoke"}


def resume_command(run: Run) -> str:
    """The command that resumes ``run``."""
    return f"rotui {COMMANDS[RunKind(run.kind)]} {run.key}"


def describe(run: Run) -> str:
    """``an overlap emergency revoke (run X, step “…”)``: for messages that name a run."""
    kind = RunKind(run.kind)
    what = WORDS[kind] if kind is RunKind.ROTATION else f"{Mode(run.mode).words} emergency revoke"
    step = run.current_step()
    where = f"run {run.run_id}" + (f", step “{Step(step).heading}”" if step else "")
    article = "an" if what[0] in "aeiou" else "a"
    return f"{article} {what} ({where})"


class Verdict(enum.StrEnum):
    START = "start"  # no active run: a new one starts at the first side effect
    RESUME = "resume"  # the active run is of this kind and mode
    SUPERSEDE = "supersede"  # the active run wrote nothing: it ends, superseded, audited
    REFUSE = "refuse"


@dataclass(frozen=True)
class Conflict:
    verdict: Verdict
    title: str = ""
    message: str = ""


def start_conflict(active: Run | None, kind: RunKind | str, mode: Mode | str) -> Conflict:
    """Whether a run of ``kind``/``mode`` may start or resume beside the key's active run."""
    kind = RunKind(kind)
    mode = Mode(mode) if kind is RunKind.EMERGENCY else Mode.OVERLAP
    if active is None:
        return Conflict(Verdict.START)
    if RunKind(active.kind) is kind and Mode(active.mode) is mode:
        return Conflict(Verdict.RESUME)
    if kind is RunKind.EMERGENCY and not active.wrote_anything():
        return Conflict(Verdict.SUPERSEDE)
    title = f"{active.key} has {describe(active)} in progress"
    refusal = rollback_refusal(active)
    back = f"`{resume_command(active)} --rollback`"
    if refusal is None:
        message = (
            f"it has written the new key to consumers: resume it (`{resume_command(active)}`, "
            f"or r on the dashboard) and finish it, or roll it back first ({back})"
        )
    else:
        message = (
            f"resume it (`{resume_command(active)}`) and finish it; it cannot be rolled back: "
            f"{refusal}"
        )
    return Conflict(Verdict.REFUSE, title, message)


def rollback_refusal(run: Run) -> str | None:
    """Why this run can no longer be rolled back (None while it can).

    Rollback puts the old key back on the consumers, so it needs the old key still active: a
    rotation or an overlap emergency until its revoke starts. A revoke-now emergency deactivates
    the old key at its first step: from then on only finishing the run restores service.
    """
    if run.status is not RunStatus.ACTIVE:
        return f"run {run.run_id} is {run.status}"
    facts = run.facts
    started = facts.revoke_started is not None or facts.revoked_at is not None
    states = [run.step[s].state for s in (Step.REVOKE, Step.DEACTIVATE) if s in run.step]
    if Mode(run.mode) is Mode.NOW and (started or any(s is not StepState.PENDING for s in states)):
        return (
            "a revoke-now run deactivates the old key at its first step, and this one has: the "
            "old key is already revoked (or being revoked in the Console) and cannot be put "
            "back; finish the run with the new key to restore service"
        )
    if started or StepState.DONE in states:
        return "the old key's deactivation has started; finish the run with the new key instead"
    return None


def revoke_blockers(run: Run, source: str) -> list[str]:
    """Why the old key may not be revoked yet (empty when it may)."""
    blockers = []
    if run.facts.rollback_started is not None:
        blockers.append("a rollback has begun; finish it")
    if not run.facts.pending_valid:
        blockers.append("PENDING is not validated")
    for name, record in run.consumers.items():
        if record.state is ConsumerState.SKIPPED:
            continue
        if record.state is not ConsumerState.VERIFIED:
            blockers.append(f"consumer {name} is {record.state.words}, not verified or skipped")
        elif record.value is not Held.PENDING:
            blockers.append(f"consumer {name} may not hold the new key; propagate once more")
    step = run.step.get(Step.SOURCE_UPDATE)
    if step is not None and step.state is not StepState.DONE:
        blockers.append(f"the key's source {source.split(' ')[0]} is not updated yet")
    return blockers


def to_restore(run: Run, operator: set[str]) -> list[str]:
    """Consumers a rollback rewrites: every one rotui wrote that is not known to hold CURRENT."""
    return [
        name
        for name, record in run.consumers.items()
        if name not in operator and record.value in (Held.PENDING, Held.UNKNOWN)
    ]


MANUAL_DUE = "manual consumers to confirm"  # propagation's detail once the manual steps are asked


def manual_asked(run: Run) -> bool:
    """Whether the manual consumers' steps were put to the operator: propagation wrote every
    other consumer and stopped for them (or went past them). A failed write stops it first."""
    record = run.step.get(Step.PROPAGATE)
    if record is None:
        return False
    return record.state is StepState.DONE or (
        record.state is StepState.RUNNING and record.detail.startswith(MANUAL_DUE)
    )


def by_hand(run: Run, operator: set[str]) -> list[str]:
    """Manual consumers the operator may have given the new key: the rollback lists them to undo.

    A confirmed one surely; an unconfirmed one too once its step was asked, because the operator
    may have done it and rotui may have died before the confirmation was journaled. One never
    asked (an automatic write failed first) still holds what it held: nothing to undo.
    """
    asked = manual_asked(run)
    return [
        name
        for name, record in run.consumers.items()
        if name in operator
        and record.value is not Held.CURRENT
        and (record.value is not None or (asked and record.state is not ConsumerState.SKIPPED))
    ]


def run_phase(run: Run, *, why: bool = True) -> str:
    """The run's status as an observer needs it: an active run that began its rollback says so.

    "active" alone read as a run still at its failed step, inviting a retry of the wrong thing;
    with ``why``, the consumers an incomplete rollback could not restore are named.
    """
    if run.status is RunStatus.ACTIVE and run.facts.rollback_started is not None:
        failed = sorted(n for n, r in run.consumers.items() if r.state is ConsumerState.FAILED)
        return "rolling back" + (f" (incomplete: {', '.join(failed)})" if failed and why else "")
    return str(run.status).replace("_", " ")
