"""The footer of key hints, rebuilt only when the keys it shows change."""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's Footer, minus the rebuilds that change nothing.

    Footer mounts one widget per key and rebuilds them all on every bindings signal — each focus
    move and screen push. The dashboard's start sends three with the same keys, and those
    rebuilds were a fifth of its time to the first painted table (``make bench``, figure 3a).
    A rebuild happens only when what the footer would show differs from what it shows.
    """

    _shown: Any = None

    def _signature(self) -> Any:
        bindings = tuple(
            (binding.key, binding.action, binding.description, binding.show, enabled, tooltip)
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
        )
        return (self.compact, self.show_command_palette, bindings)

    async def recompose(self) -> None:
        if not self.is_attached:  # its screen is gone: nothing to show, nothing to rebuild
            return
        signature = self._signature()
        if signature == self._shown:
            return
        self._shown = signature
        await super().recompose()
