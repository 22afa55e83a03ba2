"""A row's text whole, in a dialog: what a table's row had no room for at 80 columns."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from rotui.ui.plain import plain


class WholeTextModal(ModalScreen[None]):
    """Plain text (outside text: never markup) with "Esc closes"; a subclass gives its bindings,
    whose ids stay its own in ``[keymap]``, and the id of the text."""

    TEXT_ID = "whole-text"
    DEFAULT_CSS = """
    WholeTextModal { align: center middle; }
    WholeTextModal > VerticalScroll { width: 76; max-width: 95%; height: auto; max-height: 90%; border: thick $accent; padding: 0 1; background: $surface; }
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(plain(self.text), id=self.TEXT_ID)
            yield Static("Esc closes", classes="hint")
