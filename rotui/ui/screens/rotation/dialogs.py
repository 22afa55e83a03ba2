"""The typed confirmations that end a rotation: revoke the old key (now, or at the end), roll back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rotui.core.model import ValidationStatus
from rotui.core.rotation import Step
from rotui.ui.modals.confirm import TypedConfirmModal
from rotui.ui.modals.error import ErrorModal
from rotui.ui.wizard_text import how_revoked

if TYPE_CHECKING:
    from rotui.core.rotation import Rotation
    from rotui.ui.screens.rotation.screen import RotationWizardScreen

DEAD_WARNING = "the current key already answers invalid"  # what the pre-check journals on a 401


def already_dead(rotation: Rotation) -> bool:
    """The pre-check found the old key answering 401: "stops working at once" would be untrue."""
    checked = rotation.checked
    if checked is not None:
        return checked.result.status is ValidationStatus.INVALID
    run = rotation.run
    return run is not None and DEAD_WARNING in run.warnings


def ask_revoke(screen: RotationWizardScreen) -> None:
    """``X``: deactivate now (emergency overlap), say what still blocks, or confirm the revoke."""
    rotation = screen.rotation
    if rotation is None:
        return
    key = screen.key
    hint = rotation.view().facts.current_hint or "(the current key)"
    if screen.next and screen.next.step == Step.DEACTIVATE:

        def typed_now(value: str | None) -> None:
            if value:
                screen.step("deactivate", value)

        body = (
            f"The old key {hint} already answered 401 at the pre-check; it is deactivated for good "
            "now. Consumers still holding it are down already, until repaired.\n"
            if already_dead(rotation)
            else f"The old key {hint} is deactivated now; consumers break until repaired.\n"
        )
        body += how_revoked(rotation)
        screen.app.push_screen(
            TypedConfirmModal(f"Revoke {key} now", body + f"\nType {key}.", key, "Revoke now"),
            typed_now,
        )
        return
    blockers = rotation.revoke_blockers()
    if blockers:
        screen.app.push_screen(ErrorModal("the old key cannot be revoked yet", "\n".join(blockers)))
        return
    screen.confirm_revoke()


async def confirm_revoke(screen: RotationWizardScreen) -> None:
    """The revoke's typed confirmation, with the old key's usage in the hours after propagation."""
    assert screen.rotation is not None
    rotation = screen.rotation
    key = screen.key
    run = rotation.view()
    if not getattr(screen, "holders_acknowledged", False):
        from rotui.ui.holders_ack import ask_holders

        if await ask_holders(screen, rotation):
            return  # the acknowledgement modal calls confirm_revoke again once typed
    usage = await rotation.old_key_usage()
    hint = run.facts.current_hint
    lines = [
        f"The old key {hint} already answered 401 at the pre-check; the revoke makes that final:"
        " it cannot be undone."
        if already_dead(rotation)
        else f"The old key {hint} stops working at once; this cannot be undone."
    ]
    if usage is not None:
        lines.append(usage.line())
    lines += [how_revoked(rotation), f"Type {key} to revoke."]

    def typed(value: str | None) -> None:
        if value:
            screen.step("revoke", value)

    screen.app.push_screen(
        TypedConfirmModal("Revoke the old key", "\n".join(lines), key, "Revoke"), typed
    )


def ask_rollback(screen: RotationWizardScreen) -> None:
    """``b``: put the current key back everywhere, after typing the key's name."""
    key = screen.key

    def typed(value: str | None) -> None:
        if value:
            screen.step("rollback")

    body = "The current key goes back on every consumer rotui wrote; PENDING is discarded."
    what = "emergency revoke" if screen.kind == "emergency" else "rotation"
    screen.app.push_screen(
        TypedConfirmModal(
            f"Roll back this {what}", body + f"\nType {key} to roll back.", key, "Roll back"
        ),
        typed,
    )
