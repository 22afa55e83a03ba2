"""``rotate --rollback`` and ``revoke --rollback``: the old key back on every consumer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rotui.context import Context
from rotui.core.errors import UsageError

if TYPE_CHECKING:
    from rotui.core.runs import Run
    from rotui.services import Services

ROLLBACK_COMMANDS = {"rotation": "rotate", "emergency": "revoke"}
RUN_WORDS = {"rotation": "rotation", "emergency": "emergency revoke"}
RUN_ARTICLES = {"rotation": "a", "emergency": "an"}


async def rollback(
    services: Services, name: str, ctx: Context, kind: str, take_over: bool = False
) -> int:
    """``rotate --rollback`` for a rotation, ``revoke --rollback`` for an emergency revoke."""
    from rotui.core.rotation import run_mode

    active = _rollback_target(services, name, kind)
    mode = run_mode(active)
    async with services.rotation(name, kind=kind, mode=mode, take_over=take_over) as rotation:
        rotation.open()
        manual = await rotation.rollback()
        restored = [n for n, r in rotation._run().consumers.items() if r.value is not None]
    ctx.out(
        f"rolled back run {active.run_id}: the old key is back on every consumer rotui wrote"
        + (f" ({', '.join(sorted(restored))})" if restored else " (it had written none)")
        + "; PENDING discarded"
    )
    for line in manual:
        ctx.out(f"  restore by hand: {line}")
    if kind == "emergency":
        ctx.say(
            f"rotui: warning: the old key of {name} is still active, and it may have leaked; "
            f"revoke it as soon as you can (rotui revoke {name})"
        )
    return 0


def _rollback_target(services: Services, name: str, kind: str) -> Run:
    """The run to roll back, or a usage error that says why there is none (before any lock)."""
    from rotui.core.rotation import rollback_refusal

    active = services.runs().active(name)
    if active is None:
        raise UsageError(f"no {RUN_WORDS[kind]} of {name} in progress", "nothing to roll back")
    if active.kind != kind:
        raise UsageError(
            f"{name} has {RUN_ARTICLES[active.kind]} {RUN_WORDS[active.kind]} in progress, "
            f"not {RUN_ARTICLES[kind]} {RUN_WORDS[kind]}",
            f"roll back run {active.run_id} with "
            f"`rotui {ROLLBACK_COMMANDS[active.kind]} {name} --rollback`",
        )
    refusal = rollback_refusal(active)
    if refusal is not None:  # before taking the lock: nothing to wait for
        raise UsageError(
            f"run {active.run_id} of {name} cannot be rolled back",
            f"{refusal} (`rotui {ROLLBACK_COMMANDS[kind]} {name}` resumes it)",
        )
    return active
