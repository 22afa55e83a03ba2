"""What each operator action does to the run, and what the panel says after it.

Moved out of the wizard screen (the 400-line rule): the screen runs one action at a time
(its ``step`` worker); this module maps the action to the core call and words its outcome.
What an action leaves to say goes in the panel (``screen.notice``), never a toast that
outlives the screen and covers the next one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rotui.core.rotation import Action, Next, Step

if TYPE_CHECKING:
    from rotui.ui.screens.rotation.screen import RotationWizardScreen


async def perform(screen: RotationWizardScreen, what: str, argument: str) -> None:
    """One operator action on the run; a refusal or failure raises (the screen says it)."""
    assert screen.rotation is not None
    rotation = screen.rotation
    admin_missing = rotation.deps.admin is None
    upcoming = screen.next
    if what == "key" and upcoming and upcoming.action is Action.REPASTE_KEY:
        await rotation.recover_pending(argument)  # the same key again, checked by fingerprint
    elif what == "key":
        for warning in await rotation.accept_new_key(argument):
            screen.notify(warning, severity="warning", markup=False)
    elif what == "retry" and upcoming and upcoming.step:
        if upcoming.step in (Step.REVOKE, Step.DEACTIVATE):
            return screen.action_revoke()
        await rotation.run_step(upcoming.step)
    elif what == "source":
        await rotation.confirm_source_updated()
    elif what == "deactivate":
        await rotation.deactivate(argument, console_confirmed=admin_missing)
    elif what == "revoke":
        await rotation.revoke(argument, console_confirmed=admin_missing)
    elif what == "rollback":
        manual = await rotation.rollback()
        if manual:  # in the panel, with the run's end: not a toast over the next screen
            screen.notice = "Restore by hand:\n" + "\n".join(f"- {line}" for line in manual)
    elif what == "confirm":
        rotation.confirm_consumer(argument)
    elif what == "skip":
        name, _, reason = argument.partition("\n")
        rotation.skip_consumer(name, reason)


def after_retry(screen: RotationWizardScreen, step: str | None) -> str | None:
    """R ran: say when, and whether the step still fails, so a retry never looks like nothing."""
    if screen.rotation is None or step is None:
        return None
    at = f"{screen.rotation.deps.clock():%H:%M:%S} UTC"
    upcoming = screen.next
    if upcoming is not None and upcoming.step == step and upcoming.action is Action.RETRY:
        return f"R: retried at {at} — still failing."
    if upcoming is not None and upcoming.step == step and upcoming.action is Action.WAIT:
        return f"R: checked again at {at} — still waiting for approval."
    return f"R: retried at {at} — done."


def consumer_action_offered(action: str, upcoming: Next | None) -> bool | None:
    """``c`` and ``s`` in the footer only where the panel's words offer them.

    ``c`` while the panel asks for confirmations; ``s`` then, while a change request waits, and
    while propagation or verification failed (the panel says s skips the failing consumer). A
    manual consumer is never confirmed before its step was shown.
    """
    if upcoming is None:
        return None
    if upcoming.action is Action.CONFIRM_CONSUMERS:
        return True
    if action == "skip_consumer" and upcoming.action is Action.WAIT:
        return True
    failed = upcoming.action is Action.RETRY and upcoming.step in (Step.PROPAGATE, Step.VERIFY)
    return True if action == "skip_consumer" and failed else None
