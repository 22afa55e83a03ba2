"""Command-palette entries: every dashboard action, and each action for each key by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class RotuiCommands(Provider):
    """``validate: ANTHROPIC_API_KEY``, ``rotate: …``, ``audit: …`` and the global actions."""

    def _commands(self) -> list[tuple[str, str, object]]:
        palette = getattr(self.screen, "palette_commands", None)
        return list(palette()) if palette else []

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            if ": " not in title:
                yield DiscoveryHit(title, partial(self._run, callback), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(title), partial(self._run, callback), help=help_text
                )

    def _run(self, callback: object) -> None:
        if callable(callback):
            callback()
