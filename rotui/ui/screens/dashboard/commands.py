"""The command palette's entries on the dashboard: every shown binding, and each action per key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from textual.binding import Binding

from rotui.ui.navigation import navigator
from rotui.ui.screens.dashboard.bindings import MUTATING

if TYPE_CHECKING:
    from rotui.ui.screens.dashboard.screen import DashboardScreen

PER_KEY: tuple[tuple[str, str, str], ...] = (  # (palette verb, help, the screen's action)
    ("select", "Show this key", ""),
    ("validate", "Validate this key", "validate"),
    ("rotate", "Rotate this key", "rotate"),
    ("revoke", "Emergency revoke of this key", "revoke"),
    ("diagnose", "Troubleshoot this key", "troubleshoot"),
    ("audit", "Audit log of this key", "audit"),
    ("where", "Where does this key live? Every holder of it, by fingerprint", "holders"),
)
# An observer (--read-only) validates, rotates and revokes nothing, but follows a run under way:
# the key's wizard, watching (the driver's steps as they are journaled).
WATCH = ("watch", "Follow the run under way on this key, read-only", "watch")


def palette_commands(
    screen: DashboardScreen,
) -> Iterator[tuple[str, str, Callable[[], object]]]:
    """(title, help, run) for every shown binding, then for each key each of :data:`PER_KEY`."""
    for binding in screen.BINDINGS:
        if not isinstance(binding, Binding) or not binding.show:
            continue
        if screen.read_only and binding.action in MUTATING:
            continue
        yield binding.description, binding.tooltip, getattr(screen, f"action_{binding.action}")
    for row in screen.view.all:
        for verb, help_text, action in PER_KEY:
            if screen.read_only and action in MUTATING:
                continue
            yield f"{verb}: {row.name}", help_text, per_key(screen, row.name, action)
        if screen.read_only and row.rotation is not None:
            verb, help_text, action = WATCH
            yield f"{verb}: {row.name}", help_text, per_key(screen, row.name, action)


def per_key(screen: DashboardScreen, name: str, action: str) -> Callable[[], object]:
    """Select the key, then run the action on it (the audit opens filtered by the key)."""

    def run() -> None:
        if action == "audit":
            screen.action_audit(name)
            return
        if action == "watch":  # the app opens the wizard watching: it is read-only itself
            navigator(screen.app).open_rotation(name)
            return
        screen.select(name)
        if action:
            getattr(screen, f"action_{action}")()

    return run
