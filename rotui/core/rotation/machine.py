"""Every state and transition of a run, as data: read this module to know what rotui may do.

A run belongs to one key and has a **kind** and a **mode**::

    rotation            overlap    the SOP: new key everywhere first, old key revoked last
    emergency           overlap    the same order, started from the emergency screen
    emergency           now        revoke first (accept downtime), then repair every consumer

Its **steps** run in the order of :data:`ORDER` for its mode; a step may start only when every
step before it is done or skipped, and when what it :data:`NEEDS` holds. The core checks both on
every call (:func:`check`), so no driver can reorder them::

    overlap:  precheck ─► new_key ─► validate_new ─► propagate ─► verify ─► [source_update] ─► revoke ─► finish
    now:      deactivate ─► new_key ─► validate_new ─► propagate ─► verify ─► [source_update] ─► finish

    [source_update]: only when the key's own source is env: or command: (rotui cannot write it)

A run **starts** at the first side effect, never by looking: the new key stored as PENDING
(overlap), or the old key's deactivation (now). The pre-check before it is read-only.

Each step record is ``pending ─► running ─► done | failed | skipped``; a failed step is retried.
Each consumer record is ``pending ─► writing ─► written ─► verified`` (or ``failed``, ``skipped``),
and carries what rotui **believes** it holds (:class:`~rotui.core.runs.Held`)::

    None (never written) ─► unknown (write started) ─► pending | current (write confirmed)

A write that fails, times out or dies leaves ``unknown``: never a guess.

The run's **status**::

    active ─► completed                    finish: PENDING became CURRENT
    active ─► rolled_back                  every consumer rotui wrote holds CURRENT again
    active ─► superseded                   wrote nothing; an emergency of the key replaced it

Rollback (overlap modes, until the revoke starts) is a one-way turn: once begun, the run only
rolls back (retried until every consumer rotui wrote is known to hold CURRENT), then ends.
Which run may start, resume, be rolled back or superseded: :mod:`~rotui.core.rotation.policy`.
What a driver does next: :func:`next_action`.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from rotui.core.errors import UsageError
from rotui.core.runs import STEP_TITLES, ConsumerState, Held, Run, RunStatus, StepState


class Step(enum.StrEnum):
    PRECHECK = "precheck"
    DEACTIVATE = "deactivate"
    NEW_KEY = "new_key"
    VALIDATE_NEW = "validate_new"
    PROPAGATE = "propagate"
    VERIFY = "verify"
    SOURCE_UPDATE = "source_update"
    REVOKE = "revoke"
    FINISH = "finish"

    @property
    def heading(self) -> str:
        """The step's title, as the checklist shows it."""
        return STEP_TITLES[self.value]


class RunKind(enum.StrEnum):
    ROTATION = "rotation"
    EMERGENCY = "emergency"


class Mode(enum.StrEnum):
    OVERLAP = "overlap"
    NOW = "now"

    @property
    def words(self) -> str:
        return "revoke-now" if self is Mode.NOW else "overlap"


class Need(enum.StrEnum):
    """A fact a step needs besides the order; the value says it to the operator."""

    CURRENT_CHECKED = "the current key checked"
    PENDING_ACCEPTED = "the new key accepted as PENDING"
    PENDING_VALID = "PENDING validated"
    OLD_KEY_DEAD = "the old key confirmed dead (401)"
    CONSUMERS_WRITTEN = "every consumer written or skipped"
    CONSUMERS_SETTLED = "every consumer verified (holding PENDING) or skipped"
    NOT_ROLLING_BACK = "no rollback begun"


_OVERLAP = (
    Step.PRECHECK,
    Step.NEW_KEY,
    Step.VALIDATE_NEW,
    Step.PROPAGATE,
    Step.VERIFY,
    Step.SOURCE_UPDATE,
    Step.REVOKE,
    Step.FINISH,
)
_NOW = (
    Step.DEACTIVATE,
    Step.NEW_KEY,
    Step.VALIDATE_NEW,
    Step.PROPAGATE,
    Step.VERIFY,
    Step.SOURCE_UPDATE,
    Step.FINISH,
)

#: The transition table: for each kind and mode, the order of its steps.
ORDER: dict[tuple[RunKind, Mode], tuple[Step, ...]] = {
    (RunKind.ROTATION, Mode.OVERLAP): _OVERLAP,
    (RunKind.EMERGENCY, Mode.OVERLAP): _OVERLAP,
    (RunKind.EMERGENCY, Mode.NOW): _NOW,
}

_ALWAYS = (Need.NOT_ROLLING_BACK,)
#: What each step needs besides its place in the order, by mode.
NEEDS: dict[tuple[Mode, Step], tuple[Need, ...]] = {
    (Mode.OVERLAP, Step.PRECHECK): _ALWAYS,
    (Mode.OVERLAP, Step.NEW_KEY): (*_ALWAYS, Need.CURRENT_CHECKED),
    (Mode.OVERLAP, Step.VALIDATE_NEW): (*_ALWAYS, Need.PENDING_ACCEPTED),
    (Mode.OVERLAP, Step.PROPAGATE): (*_ALWAYS, Need.PENDING_VALID),
    (Mode.OVERLAP, Step.VERIFY): (*_ALWAYS, Need.PENDING_VALID),
    (Mode.OVERLAP, Step.SOURCE_UPDATE): (*_ALWAYS, Need.CONSUMERS_WRITTEN),
    (Mode.OVERLAP, Step.REVOKE): (*_ALWAYS, Need.PENDING_VALID, Need.CONSUMERS_SETTLED),
    (Mode.OVERLAP, Step.FINISH): (*_ALWAYS, Need.OLD_KEY_DEAD, Need.CONSUMERS_SETTLED),
    (Mode.NOW, Step.DEACTIVATE): _ALWAYS,
    (Mode.NOW, Step.NEW_KEY): (*_ALWAYS, Need.OLD_KEY_DEAD),
    (Mode.NOW, Step.VALIDATE_NEW): (*_ALWAYS, Need.OLD_KEY_DEAD, Need.PENDING_ACCEPTED),
    (Mode.NOW, Step.PROPAGATE): (*_ALWAYS, Need.OLD_KEY_DEAD, Need.PENDING_VALID),
    (Mode.NOW, Step.VERIFY): (*_ALWAYS, Need.OLD_KEY_DEAD, Need.PENDING_VALID),
    (Mode.NOW, Step.SOURCE_UPDATE): (*_ALWAYS, Need.OLD_KEY_DEAD, Need.CONSUMERS_WRITTEN),
    (Mode.NOW, Step.FINISH): (*_ALWAYS, Need.OLD_KEY_DEAD, Need.CONSUMERS_SETTLED),
}

#: Steps the engine runs by itself; the others wait for the operator.
AUTOMATIC = frozenset({Step.PRECHECK, Step.VALIDATE_NEW, Step.PROPAGATE, Step.VERIFY, Step.FINISH})
SETTLED = (ConsumerState.VERIFIED, ConsumerState.SKIPPED)
WRITTEN_OR_SETTLED = (ConsumerState.WRITTEN, *SETTLED)
#: Steps that read PENDING: after a restart without a keyring, the operator pastes it again first.
_READ_PENDING = (Step.VALIDATE_NEW, Step.PROPAGATE, Step.VERIFY, Step.FINISH)


def steps_for(kind: RunKind | str, mode: Mode | str, *, read_only_source: bool) -> list[str]:
    """A new run's steps, in order; the source step only when rotui cannot write the source."""
    mode = Mode(mode) if RunKind(kind) is RunKind.EMERGENCY else Mode.OVERLAP
    return [
        str(step)
        for step in ORDER[(RunKind(kind), mode)]
        if step is not Step.SOURCE_UPDATE or read_only_source
    ]


def holds(run: Run, need: Need) -> bool:
    """Whether ``need`` holds in the run's journal."""
    facts, consumers = run.facts, run.consumers.values()
    if need is Need.CURRENT_CHECKED:
        return facts.current_fp is not None
    if need is Need.PENDING_ACCEPTED:
        return facts.pending_fp is not None
    if need is Need.PENDING_VALID:
        return facts.pending_valid
    if need is Need.OLD_KEY_DEAD:
        return facts.revoked_at is not None
    if need is Need.CONSUMERS_WRITTEN:
        return all(r.state in WRITTEN_OR_SETTLED for r in consumers)
    if need is Need.CONSUMERS_SETTLED:
        return all(
            r.state is ConsumerState.SKIPPED
            or (r.state is ConsumerState.VERIFIED and r.value is Held.PENDING)
            for r in consumers
        )
    return facts.rollback_started is None  # NOT_ROLLING_BACK


def unmet(run: Run, step: Step | str) -> list[str]:
    """Why ``step`` may not start now (empty when it may): earlier steps first, then needs."""
    step = Step(step)
    if run.status is not RunStatus.ACTIVE:
        return [f"run {run.run_id} is {run.status}"]
    if step.value not in run.steps:
        return [f"“{step.heading}” is not a step of this run"]
    reasons = []
    for earlier in run.steps[: run.steps.index(step.value)]:
        if run.step[earlier].state not in (StepState.DONE, StepState.SKIPPED):
            reasons.append(f"“{STEP_TITLES[earlier]}” is not done yet")
            break
    reasons += [
        f"needs {need}" for need in NEEDS[(Mode(run.mode), step)] if not holds(run, need)
    ]
    return reasons


def check(run: Run, step: Step | str) -> None:
    """Raise a clear :class:`UsageError` unless ``step`` may start now."""
    reasons = unmet(run, step)
    if reasons:
        raise UsageError(f"“{Step(step).heading}” cannot run now", "; ".join(reasons))


class Action(enum.StrEnum):
    """What a driver does next, for the headless CLI and the wizard alike."""

    RUN = "run"  # an automatic step: the engine runs it (Rotation.run_step)
    PASTE_KEY = "paste_key"  # the operator creates the new key in the Console and pastes it
    REPASTE_KEY = "repaste_key"  # PENDING was kept in memory only: the same key again
    CONFIRM_CONSUMERS = "confirm_consumers"  # manual or unverifiable consumers: confirm or skip
    UPDATE_SOURCE = "update_source"  # the operator updates the key's env:/command: source
    CONFIRM_REVOKE = "confirm_revoke"  # typed confirmation of the revoke (or the deactivation)
    RETRY = "retry"  # the step failed: fix the cause, then run it again
    WAIT = "wait"  # someone outside must act (a change request to approve): check again later
    ROLLBACK = "rollback"  # a rollback began and is not complete: run it again
    DONE = "done"  # the run ended (completed, rolled back or superseded)


@dataclass(frozen=True)
class Next:
    action: Action
    step: str | None = None
    waiting: tuple[str, ...] = ()  # consumers the operator must confirm or skip
    detail: str = ""


def next_action(
    run: Run,
    operator: Collection[str],
    unverifiable: Collection[str],
    pending_at_hand: bool,
    orders: Mapping[str, int] | None = None,
) -> Next:
    """What happens next in ``run``.

    Args:
        run: the journaled run.
        operator: consumers rotui cannot write itself (manual): the operator does and confirms.
        unverifiable: consumers with no downstream check: the operator checks and confirms.
        pending_at_hand: whether this process can read PENDING (keyring, or pasted again).
        orders: each consumer's ``order``: a consumer waiting for approval holds back the
            consumers of later orders (they read from it).
    """
    if run.status is not RunStatus.ACTIVE:
        return Next(Action.DONE, detail=str(run.status))
    if run.facts.rollback_started is not None:
        return Next(Action.ROLLBACK, detail="the rollback is not complete")
    step = run.current_step()
    if step is None:
        return Next(Action.RUN, str(Step.FINISH))
    # A step that reads PENDING cannot run, nor be retried, until PENDING is at hand again.
    if not pending_at_hand and step in _READ_PENDING:
        return Next(Action.REPASTE_KEY, step, detail=run.facts.pending_hint or "")
    record = run.step[step]
    if record.state is StepState.FAILED:
        return Next(Action.RETRY, step, detail=record.detail)
    if step == Step.NEW_KEY:
        return Next(Action.PASTE_KEY, step)
    if step in (Step.DEACTIVATE, Step.REVOKE):
        return Next(Action.CONFIRM_REVOKE, step)
    if step == Step.SOURCE_UPDATE:
        return Next(Action.UPDATE_SOURCE, step)
    if step == Step.PROPAGATE:
        return _propagate_next(run, operator, orders or {})
    if step == Step.VERIFY:
        return _verify_next(run, operator, unverifiable)
    return Next(Action.RUN, step)


def _propagate_next(run: Run, operator: Collection[str], orders: Mapping[str, int]) -> Next:
    """Propagation waits for a change request, or for the operator's manual consumers."""
    step, consumers = str(Step.PROPAGATE), run.consumers
    waiting = tuple(n for n, r in consumers.items() if r.state is ConsumerState.WAITING)
    first = min((orders.get(n, 0) for n in waiting), default=0)
    held_back = all(
        r.state in WRITTEN_OR_SETTLED or n in waiting or n in operator or orders.get(n, 0) > first
        for n, r in consumers.items()
    )
    if waiting and held_back:
        return Next(Action.WAIT, step, waiting, detail=run.step[step].detail)
    manual = tuple(
        n for n, r in consumers.items() if n in operator and r.state is ConsumerState.PENDING
    )
    rest_done = all(
        r.state in WRITTEN_OR_SETTLED for n, r in consumers.items() if n not in operator
    )
    if manual and rest_done:
        return Next(Action.CONFIRM_CONSUMERS, step, manual)
    return Next(Action.RUN, step)


def _verify_next(run: Run, operator: Collection[str], unverifiable: Collection[str]) -> Next:
    """Verification waits for the operator on consumers rotui cannot check downstream."""
    step, consumers = str(Step.VERIFY), run.consumers
    waiting = tuple(
        n
        for n, r in consumers.items()
        if r.state is ConsumerState.WRITTEN and (n in unverifiable or n in operator)
    )
    others = all(r.state in SETTLED for n, r in consumers.items() if n not in waiting)
    if waiting and others:
        return Next(Action.CONFIRM_CONSUMERS, step, waiting)
    return Next(Action.RUN, step)
