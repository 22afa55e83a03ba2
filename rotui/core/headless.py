"""``rotui rotate NAME --headless``: the run driven without a screen, one line per step.

Manual steps (manual consumers, consumers rotui cannot verify, a read-only source, a Console
revoke) are confirmed only with ``--confirm-manual`` (each confirmation audited) and otherwise
reported as waiting. The revoke runs only with ``--revoke``. Exit 0 only when the run is complete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rotui.core.errors import RotuiError
from rotui.core.rotation import READ_ONLY_SOURCE_STEP, Rotation
from rotui.core.runs import STEP_TITLES, ConsumerState, RunStatus, StepState

Say = Callable[[str], None]


@dataclass
class HeadlessOptions:
    confirm_manual: bool = False
    revoke: bool = False
    confirm: str = ""  # the key's name, typed: the emergency's headless confirmation


class Waiting(Exception):
    """The run cannot go on without the operator; the message says what it waits for."""


async def drive(
    rotation: Rotation, read_key: Callable[[], str], options: HeadlessOptions, say: Say
) -> int:
    """Run every remaining step; 0 when complete, 1 when it stopped or waits (naming the step)."""
    run = rotation.open()
    say(f"{'resuming' if rotation.resumed else 'starting'} run {run.run_id} for {run.key}")
    for step in run.steps:
        record = run.step[step]
        title = STEP_TITLES[step]
        if record.state in (StepState.DONE, StepState.SKIPPED):
            say(f"✓ {title}: {record.detail}")
            continue
        try:
            await _step(rotation, step, read_key, options, say)
        except Waiting as waiting:
            say(f"… {title}: waiting — {waiting}")
            say(f"stopped at “{title}” (run {run.run_id}); run the same command to resume")
            return 1
        except RotuiError as exc:
            say(f"✗ {title}: {exc}")
            say(
                f"stopped at “{title}” (run {run.run_id}); fix the cause and run the same command to resume"
            )
            return 1
        say(f"✓ {title}: {rotation.run.step[step].detail}")
    for warning in rotation.run.warnings:
        say(f"! {warning}")
    return 0 if rotation.run.status is RunStatus.COMPLETED else 1


async def _step(
    rotation: Rotation, step: str, read_key: Callable[[], str], options: HeadlessOptions, say: Say
) -> None:
    run = rotation.run
    if step == "precheck":
        await rotation.precheck()
    elif step == "deactivate":
        if options.confirm != rotation.key.name:
            raise Waiting(f"revoking now needs --confirm {rotation.key.name}")
        await rotation.deactivate(options.confirm, console_confirmed=options.confirm_manual)
    elif step == "new_key":
        url, name = rotation.console_guidance()
        say(f"  create the new key at {url} (suggested name: {name}); reading it from stdin")
        for warning in await rotation.accept_new_key(read_key()):
            say(f"! {warning}")
    elif step == "validate_new":
        await _ensure_pending(rotation, read_key, say)
        await rotation.validate_new()
    elif step == "propagate":
        await _ensure_pending(rotation, read_key, say)
        failures = await rotation.propagate()
        if failures:
            raise RotuiError(
                "propagation failed", "; ".join(f"{n}: {e}" for n, e in sorted(failures.items()))
            )
        for name, record in run.consumers.items():
            if record.state is ConsumerState.PENDING and rotation.adapters[name].needs_operator:
                if not options.confirm_manual:
                    raise Waiting(
                        f"manual consumer {name}: {rotation.adapters[name].describe()} (then --confirm-manual)"
                    )
                say(
                    f"  manual consumer {name}: {rotation.adapters[name].describe()} — confirmed (--confirm-manual)"
                )
                rotation.confirm_consumer(name, "confirmed with --confirm-manual")
    elif step == "verify":
        for name in await rotation.verify():
            if not options.confirm_manual:
                raise Waiting(
                    f"{name} has no verify_url or verify_command: check it, then --confirm-manual"
                )
            rotation.confirm_consumer(name, "confirmed with --confirm-manual")
        if run.step["verify"].state is StepState.FAILED:
            raise RotuiError("downstream verification failed", run.step["verify"].detail)
    elif step == READ_ONLY_SOURCE_STEP:
        if not options.confirm_manual:
            raise Waiting(
                f"update {rotation.key.source.split(' ')[0]} to the new key, then --confirm-manual"
            )
        await rotation.confirm_source_updated()
    elif step == "revoke":
        blockers = rotation.revoke_blockers()
        if blockers:
            raise RotuiError("the old key cannot be revoked yet", "; ".join(blockers))
        allowed = options.revoke or (
            rotation.kind == "emergency" and options.confirm == rotation.key.name
        )
        if not allowed:
            raise Waiting("the revoke runs only with --revoke")
        usage = await rotation.old_key_usage()
        if usage:
            say(
                f"! the old key used {usage} tokens since propagation finished: something may still hold it"
            )
        await rotation.revoke(rotation.key.name, console_confirmed=options.confirm_manual)
    elif step == "finish":
        await rotation.finish()


async def _ensure_pending(rotation: Rotation, read_key: Callable[[], str], say: Say) -> None:
    """Without a keyring, a resumed run needs the same new key again (checked by fingerprint)."""
    try:
        await rotation.pending()
    except RotuiError:
        say(
            f"  PENDING is not in the keyring; reading {rotation.run.facts.get('pending_hint')} again from stdin"
        )
        await rotation.recover_pending(read_key())
