"""``rotui rotate|revoke NAME --read-only``: the wizard as an observer, following the journal."""

from __future__ import annotations

import contextlib
from typing import Any

from rotui.core.errors import RotuiError

READ_ONLY_REFUSED = frozenset(
    ("confirm_consumer", "skip_consumer", "retry", "source_updated", "revoke", "rollback",
     "emergency")
)  # fmt: skip
WATCHING = (
    "Read-only (--read-only): this view follows the run and changes nothing; Esc returns. "
    "Run the same command without --read-only to drive it."
)


def watch(screen: Any) -> None:
    """No lock, no step: the key's journal is read again every second and drawn."""
    screen.blocked = WATCHING
    screen.redraw()

    def follow() -> None:
        rotation = screen.rotation
        if rotation is None:
            return
        rotation.run = None
        with contextlib.suppress(RotuiError):
            rotation.open()
        screen.redraw()

    screen.set_interval(1.0, follow)
