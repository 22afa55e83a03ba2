"""An Input for pasting a key: masked, and copy and cut do nothing (Textual's Input copies the real text)."""

from __future__ import annotations

from textual.widgets import Input


class SecretInput(Input):
    """Shows one bullet per character; the value never reaches the clipboard from here."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(password=True, **kwargs)  # type: ignore[arg-type]

    def action_copy(self) -> None:
        self.app.bell()

    def action_cut(self) -> None:
        self.app.bell()

    def __repr__(self) -> str:
        return f"SecretInput(id={self.id!r}, length={len(self.value)})"
