"""``rotui rotate NAME --headless``: the run driven without a screen, one line per step.

The order is the engine's (:meth:`Rotation.advance`); this module only answers what the engine
asks of the operator. Manual steps (manual consumers, consumers rotui cannot verify, a read-only
source, a Console revoke) are confirmed only with ``--confirm-manual`` (each confirmation
audited) and otherwise reported as waiting. The revoke runs only with ``--revoke`` (or an
emergency's ``--confirm NAME``). Exit 0 only when the run is complete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rotui.core.errors import RotuiError
from rotui.core.rotation import Action, Next, Rotation, Step
from rotui.core.rotation.policy import resume_command
from rotui.core.runs import STEP_TITLES, RunStatus, StepState

if TYPE_CHECKING:
    from rotui.core.holders.gate import HolderGate

Say = Callable[[str], None]


@dataclass
class HeadlessOptions:
    confirm_manual: bool = False
    revoke: bool = False
    confirm: str = ""  # the key's name, typed: the emergency's headless confirmation
    holders: HolderGate | None = None  # the holders check before the revoke (rotui holders)
    ack_holders: str = ""  # the key's name, typed: revoke although unmanaged places hold it


class Waiting(Exception):
    """The run cannot go on without the operator; the message says what it waits for."""


async def drive(
    rotation: Rotation, read_key: Callable[[], str], options: HeadlessOptions, say: Say
) -> int:
    """Run every remaining step; 0 when complete, 1 when it stopped or waits (naming the step)."""
    run = rotation.open()
    if run is not None:
        say(f"resuming run {run.run_id} for {run.key}")
        for step in run.steps:
            record = run.step[step]
            if record.state in (StepState.DONE, StepState.SKIPPED):
                say(f"✓ {STEP_TITLES[step]}: {record.detail}")
    else:
        what = f"{rotation.mode_words} emergency revoke" if rotation.kind == "emergency" else "rotation"
        say(f"starting a {what} of {rotation.key.name}: the run begins at its first change")
    # A step that had failed before this command is retried once (the operator fixed the cause
    # and ran the command again); one that fails during this command stops it.
    retried: set[str] = (
        set() if run is None else {s for s in run.steps if run.step[s].state is not StepState.FAILED}
    )
    shown = {s for s in (run.steps if run else []) if run and run.step[s].state is StepState.DONE}
    if run is not None:
        shown.add("")
    while True:
        try:
            upcoming = await rotation.advance()
            _report_done(rotation, shown, say)
            if upcoming.action is Action.DONE:
                break
            await _answer(rotation, upcoming, read_key, options, say, retried)
            _report_done(rotation, shown, say)
        except Waiting as waiting:
            _report_done(rotation, shown, say)
            rotation.notify_waiting(upcoming)
            title = _title(upcoming)
            say(f"… {title}: waiting — {waiting}")
            say(f"stopped at “{title}”{_run_id(rotation)}; run the same command to resume")
            return 1
        except RotuiError as exc:
            _report_done(rotation, shown, say)
            title = _title(await _safe_next(rotation))
            say(f"✗ {title}: {exc}")
            say(
                f"stopped at “{title}”{_run_id(rotation)}; fix the cause and run the same command to resume"
            )
            return 1
    for warning in rotation.run.warnings if rotation.run else []:
        say(f"! {warning}")
    return 0 if rotation.run and rotation.run.status is RunStatus.COMPLETED else 1


def _failure(rotation: Rotation, step: str | None, detail: str) -> RotuiError:
    """The failed step's reason, one line; propagation names each consumer that failed."""
    run = rotation.run
    if step == Step.PROPAGATE and run is not None:
        failed = [f"{n}: {r.detail}" for n, r in run.consumers.items() if r.state == "failed"]
        if failed:
            return RotuiError("propagation failed", "; ".join(failed))
    return RotuiError(f"“{STEP_TITLES.get(step or '', step)}” failed", detail)


def _title(upcoming: Next) -> str:
    if upcoming.action is Action.ROLLBACK:
        return "Rollback"
    return STEP_TITLES.get(upcoming.step or "", upcoming.step or "the run")


def _run_id(rotation: Rotation) -> str:
    return f" (run {rotation.run.run_id})" if rotation.run else " (no run started; nothing was written)"


async def _safe_next(rotation: Rotation) -> Next:
    try:
        return await rotation.next()
    except RotuiError:
        return Next(Action.RETRY)


def _report_done(rotation: Rotation, shown: set[str], say: Say) -> None:
    run = rotation.run
    if run is None:
        return
    if "" not in shown:
        shown.add("")
        say(f"started run {run.run_id} for {run.key}")
    for step in run.steps:
        record = run.step[step]
        if record.state is StepState.DONE and step not in shown:
            shown.add(step)
            say(f"✓ {STEP_TITLES[step]}: {record.detail}")


async def _answer(
    rotation: Rotation,
    upcoming: Next,
    read_key: Callable[[], str],
    options: HeadlessOptions,
    say: Say,
    retried: set[str],
) -> None:
    """Do what the engine waits for, when the options allow it; else raise :class:`Waiting`."""
    action: Action | None = upcoming.action
    if action in (Action.RETRY, Action.WAIT, Action.RUN, Action.ROLLBACK):
        action = await _once_more(rotation, upcoming, retried)
        if action is None:
            return
    if action is Action.PASTE_KEY:
        url, name = rotation.console_guidance()
        say(f"  create the new key at {url} (suggested name: {name}); reading it from stdin")
        for warning in await rotation.accept_new_key(read_key()):
            say(f"! {warning}")
    elif action is Action.REPASTE_KEY:
        say(f"  PENDING is not in the keyring; reading {upcoming.detail} again from stdin")
        await rotation.recover_pending(read_key())
    elif action is Action.CONFIRM_CONSUMERS:
        _confirm_consumers(rotation, upcoming, options, say)
    elif action is Action.UPDATE_SOURCE:
        if not options.confirm_manual:
            source = rotation.key.source.split(" ")[0]
            raise Waiting(f"update {source} to the new key, then --confirm-manual")
        await rotation.confirm_source_updated()
    elif action is Action.CONFIRM_REVOKE:
        await _revoke(rotation, upcoming, options, say)


async def _once_more(rotation: Rotation, upcoming: Next, retried: set[str]) -> Action | None:
    """A step that failed before this command ran is retried once (the operator ran the command
    again after fixing the cause), change requests are read back once; anything else stops here.

    Returns the action still to do (a failed revoke is confirmed again), or None when done.
    """
    action, step = upcoming.action, upcoming.step
    if action is Action.RETRY:
        if step is None or step in retried or (step == Step.PRECHECK and rotation.run is None):
            raise _failure(rotation, step, upcoming.detail)
        retried.add(step)
        if step in (Step.REVOKE, Step.DEACTIVATE):
            return Action.CONFIRM_REVOKE
        await rotation.run_step(step)
        return None
    if action is Action.WAIT and f"wait:{step}" not in retried:
        retried.add(f"wait:{step}")
        await rotation.run_step(step or "")
        return None
    if action is Action.WAIT:
        raise Waiting(
            f"{', '.join(upcoming.waiting)}: a change request waits for approval; once it is "
            "merged, the same command goes on"
        )
    if action is Action.ROLLBACK and rotation.run is not None:
        raise Waiting(
            f"a rollback is not complete: `{resume_command(rotation.run)} --rollback` redoes it"
        )
    raise Waiting(upcoming.detail or "nothing more can be done now")  # nothing moved


def _confirm_consumers(
    rotation: Rotation, upcoming: Next, options: HeadlessOptions, say: Say
) -> None:
    for name in upcoming.waiting:
        what = rotation.adapters[name].describe()
        if not options.confirm_manual and name in rotation.operator:
            raise Waiting(f"manual consumer {name}: {what} (then --confirm-manual)")
        if not options.confirm_manual:
            raise Waiting(
                f"{name} has no verify_url or verify_command: check it, then --confirm-manual"
            )
        say(f"  {name}: {what} — confirmed (--confirm-manual)")
        rotation.confirm_consumer(name, "confirmed with --confirm-manual")


async def _revoke(rotation: Rotation, upcoming: Next, options: HeadlessOptions, say: Say) -> None:
    """The irreversible step, only as the options allow: --revoke, or an emergency's --confirm."""
    key = rotation.key.name
    if upcoming.step == Step.DEACTIVATE:
        if options.confirm != key:
            mismatch = f" (--confirm {options.confirm} does not match the key's name)"
            raise Waiting(f"revoking now needs --confirm {key}" + (mismatch if options.confirm else ""))
        await rotation.deactivate(options.confirm, console_confirmed=options.confirm_manual)
        return
    blockers = rotation.revoke_blockers()
    if blockers:
        raise RotuiError("the old key cannot be revoked yet", "; ".join(blockers))
    if not (options.revoke or (rotation.kind == "emergency" and options.confirm == key)):
        raise Waiting("the revoke runs only with --revoke")
    if options.holders is not None and (found := await options.holders.warnings()):
        for line in found:
            say(f"! {line}")
        if options.ack_holders != key:
            raise Waiting(
                f"{options.holders.summary()}: add them as consumers or check them, or revoke "
                f"anyway with --ack-holders {key}"
            )
        options.holders.acknowledge(options.ack_holders)
    usage = await rotation.old_key_usage()
    if usage:
        say(f"! the old key used {usage} tokens since propagation finished: something may still hold it")
    await rotation.revoke(key, console_confirmed=options.confirm_manual)
