"""An error the operator must read: what failed and what to do, never a traceback."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Static

from rotui.ui.modals.base import ReadableModal
from rotui.ui.plain import plain


class ErrorModal(ReadableModal[None]):
    """Shows a RotuiError's title and message; any of Escape, Enter or q closes it."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="error.close", tooltip="Close this message")
    ]
    DEFAULT_CSS = """
    ErrorModal { align: center middle; }
    ErrorModal > Vertical { width: 70; max-width: 95%; height: auto; border: thick $error; padding: 1 2; background: $surface; }
    ErrorModal #error-title { text-style: bold; color: $error; margin-bottom: 1; }
    ErrorModal Button { margin-top: 1; }
    """

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.error_title = title
        self.error_message = message

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self.error_title), id="error-title", markup=False)
            yield Static(plain(self.error_message), id="error-message", markup=False)
            yield Button("Close", id="close", variant="primary")

    def on_button_pressed(self) -> None:
        self.dismiss(None)
