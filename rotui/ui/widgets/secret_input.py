"""An Input for pasting a key: masked, and copy and cut do nothing (Textual's Input copies the real text)."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

# Never in an API key (base64url and "-"), so typed here it means what it means everywhere: help.
PASSED_ON = frozenset("?")


class SecretInput(Input):
    """Shows one bullet per character; the value never reaches the clipboard from here."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(password=True, **kwargs)  # type: ignore[arg-type]

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character not in PASSED_ON and super().check_consume_key(key, character)

    async def _on_key(self, event: events.Key) -> None:
        if event.character in PASSED_ON:
            event.prevent_default()  # not typed into the field; it bubbles to the app's binding

    def action_copy(self) -> None:
        self.app.bell()

    def action_cut(self) -> None:
        self.app.bell()

    def __repr__(self) -> str:
        return f"SecretInput(id={self.id!r}, length={len(self.value)})"
