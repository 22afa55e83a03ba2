"""Help: every key binding as the operator has it (after [keymap] remapping), and what it does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

ABOUT = (
    "rotui shows every key's age, last validation and consumers. Validation by default lists models "
    "(GET /v1/models), which spends no tokens. Key values are never shown: only masked hints."
)


class HelpScreen(ModalScreen[None]):
    """The bindings of the screen below, with their current keys."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close", tooltip="Close help")
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%; border: thick $primary; background: $surface; padding: 0 1; }
    HelpScreen #help-title { text-style: bold; }
    HelpScreen VerticalScroll { height: auto; max-height: 18; }
    """

    def __init__(self, rows: list[tuple[str, str, str]], read_only: bool) -> None:
        super().__init__()
        self.rows = rows
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        width = max((len(k) for k, _d, _t in self.rows), default=4) + 2
        lines = [
            f"{key:<{width}}{description}: {tooltip}" for key, description, tooltip in self.rows
        ]
        with Vertical():
            yield Static("rotui help — Escape closes", id="help-title")
            with VerticalScroll():
                yield Static("\n".join(lines), id="help-keys", markup=False)
                if self.read_only:
                    yield Static(
                        "\nRead-only: validate, rotate and revoke are disabled here.", markup=False
                    )
                yield Static("\n" + ABOUT, markup=False)
