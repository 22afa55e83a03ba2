"""The footer of key hints: what applies now first, the way back always, rebuilt only on change."""

from __future__ import annotations

import dataclasses
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize
from textual.keys import key_to_character
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

ALWAYS_SHOWN = ("wizard.rollback", "help", "quit")  # besides every screen's way back (``*.close``)
# Dropped only after every other action: what rotui is for on the selected key, and how to find a
# key among many (issue 13 at 80 columns; walk s13 3.8 at 60 columns, Rotate and Revoke kept).
KEPT_LONGER = ("rotate", "revoke", "filter", "sort")
WAY_OUT = ("help", "quit")  # actions the footer offers by a key that works, even while typing


def key_hints(screen: Screen[Any], ids: tuple[str, ...]) -> dict[str, str]:
    """The key each of ``screen``'s binding ids has now ([keymap] applied), as the footer shows it
    (the dashboard's detail says "press v" with the key that validates)."""
    keymap: dict[str, str] = getattr(screen.app, "keymap", {})
    hints = {}
    for binding in screen.BINDINGS:
        if isinstance(binding, Binding) and binding.id in ids:
            first = keymap.get(binding.id, binding.key).split(",")[0].strip()
            hints[binding.id] = screen.app.get_key_display(Binding(first, ""))
    return hints


def essential(binding: Binding) -> bool:
    """The footer never drops these for room: the way back, the rollback, help and quit."""
    ident = binding.id or ""
    return ident in ALWAYS_SHOWN or ident.endswith(".close") or binding.key == "escape"


def rank(binding: Binding) -> int:
    """2: never dropped; 1: dropped after the rest; 0: dropped first, from the right."""
    if essential(binding):
        return 2
    return 1 if binding.id in KEPT_LONGER else 0


def hint_width(key: str, description: str, compact: bool) -> int:
    """Columns one FooterKey takes (Footer's CSS: padding around the key, or a margin if compact)."""
    return len(key) + len(description) + (2 if compact else 3)


class KeyFooter(Footer):
    """Textual's Footer, choosing and ordering its keys for the width it has.

    * Only actions that apply now: a binding the screen refuses (``check_action`` None, such as
      read-only's validate) is not shown, so the footer never offers what would be refused.
    * When the keys do not fit, the compact form is tried, then the last keys that are not
      essential are dropped, the filter and the sort last; the way back (``*.close``), the
      rollback, help and quit stay. The command palette's ``^p`` goes first (help lists it).
    * Footer mounts one widget per key and rebuilds them all on every bindings signal — each focus
      move and screen push. The dashboard's start sends three with the same keys, and those
      rebuilds were a fifth of its time to the first painted table (``make bench``, figure 3a).
      A rebuild happens only when what the footer would show differs from what it shows.
    """

    _shown: Any = None

    @property
    def shown_screen(self) -> Screen[object]:
        """Whose keys to show: a dialog's while one covers this screen (its keys act, ours not)."""
        top = self.app.screen
        return top if top is not self.screen and top.is_modal else self.screen

    def on_mount(self) -> None:
        self.app.screen_change_signal.subscribe(self, self._screen_changed)

    def on_unmount(self) -> None:
        self.app.screen_change_signal.unsubscribe(self)

    def _screen_changed(self, screen: Screen[object]) -> None:
        if self.is_attached:
            self.call_after_refresh(self.recompose)

    def _hints(self) -> tuple[list[tuple[Binding, str]], bool, bool]:
        """The keys to show (binding, its key as displayed), compact or not, palette or not."""
        seen: set[str] = set()
        hints: list[tuple[Binding, str]] = []
        active = [(b, on) for _node, b, on, _tooltip in self.shown_screen.active_bindings.values()]
        for binding, enabled in active:
            if not binding.show or not enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            hints.append((binding, self.app.get_key_display(binding)))
        hints += [(b, self.app.get_key_display(b)) for b in self._while_typing(active, seen)]
        hints.sort(key=lambda hint: essential(hint[0]))  # stable: the screen's own actions first
        width = self.app.size.width
        palette = bool(self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE)

        def used(compact: bool) -> int:
            total = sum(hint_width(k, b.description, compact) for b, k in hints)
            return total + (hint_width("^p", "palette", compact) + 2 if palette else 0)

        compact = False
        if used(False) > width:
            palette = False
        if used(False) > width:
            compact = True
        while used(compact) > width:
            droppable = [i for i, (b, _k) in enumerate(hints) if rank(b) < 2]
            if not droppable:
                break
            lowest = min(rank(hints[i][0]) for i in droppable)
            del hints[max(i for i in droppable if rank(hints[i][0]) == lowest)]
        return hints, compact, palette

    def _while_typing(self, active: list[tuple[Binding, bool]], seen: set[str]) -> list[Binding]:
        """While a field takes the typed keys (a filter, a paste field), ``q`` and ``?`` type
        letters: the way back (the Esc binding, hidden otherwise), help and quit are offered by
        the keys that still reach them (Esc, F1, ctrl+q).
        """
        focused = self.shown_screen.focused
        if focused is None or not focused.check_consume_key("a", key_to_character("a")):
            return []
        found: list[Binding] = []
        for binding, enabled in active:
            wanted = binding.key == "escape" or binding.action in WAY_OUT
            if not wanted or not enabled or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            ident = binding.id or binding.action  # Textual's own ctrl+q has no id: it is "quit"
            found.append(dataclasses.replace(binding, id=ident))
        return found

    def _signature(self) -> Any:
        hints, compact, palette = self._hints()
        shown = tuple((b.key, b.action, b.description, k) for b, k in hints)
        return (compact, palette, shown)

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        hints, compact, palette = self._hints()
        self.compact = compact
        self.styles.grid_size_columns = len(hints) + (1 if palette else 0)
        for binding, key in hints:
            yield FooterKey(
                binding.key, key, binding.description, binding.action, tooltip=binding.tooltip
            ).data_bind(compact=Footer.compact)
        if palette:
            yield from self._palette()

    def _palette(self) -> ComposeResult:
        try:
            _node, binding, enabled, _tooltip = self.shown_screen.active_bindings[
                self.app.COMMAND_PALETTE_BINDING
            ]
        except KeyError:
            return
        yield FooterKey(
            binding.key,
            self.app.get_key_display(binding),
            binding.description,
            binding.action,
            classes="-command-palette",
            disabled=not enabled,
            tooltip=binding.tooltip or binding.description,
        )

    def on_resize(self, event: Resize) -> None:
        self.call_after_refresh(self.recompose)

    async def recompose(self) -> None:
        if not self.is_attached:  # its screen is gone: nothing to show, nothing to rebuild
            return
        signature = self._signature()
        if signature == self._shown:
            return
        self._shown = signature
        await super().recompose()
