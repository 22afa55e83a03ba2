"""Rotate, emergency revoke and troubleshoot: what exists today for the key, and what is coming."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from rotui.core.model import CONSOLE_KEYS_URL
from rotui.core.overview import KeyRow
from rotui.ui.format import STATUS_EXPLAINED, STATUS_LABELS

FLOWS = {
    "rotate": (
        "Rotate {name}",
        "The rotation wizard is coming: pre-check, new key from the Console, validate, propagate "
        "to every consumer, verify downstream, revoke the old key, audit — resumable at every step.",
    ),
    "revoke": (
        "Emergency revoke {name}",
        "The emergency flow is coming: revoke now (accept downtime) or overlap (fast rotation), "
        "with usage since exposure and an incident report.",
    ),
    "troubleshoot": (
        "Troubleshoot {name}",
        "Guided diagnoses are coming: why a key fails, whether a revoked key still works, "
        "unexpected usage, consumers failing after a rotation.",
    ),
}


def what_exists(flow: str, row: KeyRow) -> list[str]:
    lines = []
    if row.last is not None:
        lines.append(
            f"Last validation: {STATUS_LABELS[row.last.status]} — {STATUS_EXPLAINED[row.last.status]}."
        )
        if row.last.message:
            lines.append(f"The API said: {row.last.message}")
    else:
        lines.append(
            "Not validated yet: press v on the dashboard, or run `rotui validate " + row.name + "`."
        )
    consumers = ", ".join(f"{c.name} ({c.kind})" for c in row.key.consumers) or "none configured"
    lines.append(f"Consumers that hold this key: {consumers}.")
    if flow == "rotate":
        lines.append(
            f"Today, by hand: create the new key at {CONSOLE_KEYS_URL}, then `rotui key set {row.name}`."
        )
    elif flow == "revoke":
        lines.append(
            f"Today, by hand: revoke the key at {CONSOLE_KEYS_URL}, then update every consumer above."
        )
    else:
        lines.append(f"Today: `rotui validate {row.name} --json` shows the full answer of the API.")
    return lines


class ComingSoonScreen(ModalScreen[None]):
    """Says plainly what the key's flow will do, and what the operator can do now."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="flow.close", tooltip="Back to the dashboard")
    ]
    DEFAULT_CSS = """
    ComingSoonScreen { align: center middle; }
    ComingSoonScreen > Vertical { width: 78; max-width: 100%; height: auto; max-height: 100%; border: thick $accent; background: $surface; padding: 0 1; }
    ComingSoonScreen #flow-title { text-style: bold; margin-bottom: 1; }
    ComingSoonScreen #flow-coming { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, flow: str, row: KeyRow) -> None:
        super().__init__()
        self.flow = flow
        self.row = row

    def compose(self) -> ComposeResult:
        title, coming = FLOWS[self.flow]
        with Vertical():
            yield Static(
                title.format(name=self.row.name) + " — Escape closes", id="flow-title", markup=False
            )
            yield Static("\n".join(what_exists(self.flow, self.row)), id="flow-now", markup=False)
            yield Static(coming, id="flow-coming", markup=False)
