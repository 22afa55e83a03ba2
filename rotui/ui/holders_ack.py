"""The wizard's holders check before the revoke: unmanaged or stale holders, acknowledged typed.

Kept beside the wizard rather than in it: the wizard calls :func:`ask_holders` once from its
revoke worker and asks again after the acknowledgement, which is audited by the core gate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rotui.core.holders.gate import HolderGate, consumer_toml
from rotui.ui.modals.confirm import TypedConfirmModal

if TYPE_CHECKING:
    from rotui.core.rotation import Rotation


async def ask_holders(screen: Any, rotation: Rotation) -> bool:
    """Scan for the old key; True when a typed acknowledgement was asked for (the revoke waits)."""
    gate = HolderGate(rotation, screen.services.config, dict(screen.services.environ))
    found = await gate.warnings()
    if not found:
        return False
    key = rotation.key.name
    snippets = [t for t in (consumer_toml(f) for f in gate.found) if t]
    held = found[: len(gate.found)]  # the holders' lines, then what could not be checked
    sections = []
    if held:
        sections.append(
            "These places outside the config still hold the old key; they break at the revoke:\n"
            + _listed(held, key)
        )
    if gate.unchecked:  # "no holder" is not known there
        sections.append(
            f"{'And these' if held else 'These'} could not be checked; they may hold it:\n"
            + _listed(gate.unchecked, key)
        )
    body = "\n".join(sections)
    if snippets:
        body += "\n\nTo manage them, add to the config:\n" + "\n".join(snippets[:3])
    body += f"\nType {key} to acknowledge and go on to the revoke."

    def typed(value: str | None) -> None:
        if value:
            gate.acknowledge(value)
            screen.holders_acknowledged = True
            screen.confirm_revoke()

    screen.app.push_screen(
        TypedConfirmModal("Holders outside the config", body, key, "Acknowledge"), typed
    )
    return True


def _listed(lines: list[str], key: str, most: int = 8) -> str:
    """Up to ``most`` lines as bullets, and how many more `rotui holders` shows."""
    shown = "\n".join(f"  • {line}" for line in lines[:most])
    more = len(lines) - most
    return shown + (f"\n  … and {more} more (rotui holders {key})" if more > 0 else "")
