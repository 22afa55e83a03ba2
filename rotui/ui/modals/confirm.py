"""Confirmations for destructive or audited steps: Cancel is the default; some need a typed word."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from rotui.core.runs import StaleLock
from rotui.ui.modals.base import ReadableModal
from rotui.ui.plain import plain
from rotui.ui.widgets.one_line import OneLineInput


class NameInput(OneLineInput):
    """Where a key's name is typed to confirm: a paste with a second line is refused."""

    WHAT = "the name"


class ReasonInput(OneLineInput):
    """Where the audited reason is typed: a paste with a second line is refused."""

    WHAT = "the reason"


def say_problem(modal: Screen[Any], text: str) -> None:
    """What is wrong with the answer, in the dialog under the field (hidden when ``text`` is "")."""
    problem = modal.query_one(".dialog-problem", Static)
    problem.update(text)
    problem.display = bool(text)


def name_mismatch(typed: str, expected: str) -> str:
    """Why Enter did nothing: what the typed text lacks, without echoing it (it may be a key)."""
    if not typed:
        return f"type {expected} to confirm; Esc cancels"
    if typed.casefold() == expected.casefold():
        return f"the name does not match {expected}: capitals count"
    return f"the name does not match {expected}; type it exactly, or Esc to cancel"


class TypedConfirmModal(ReadableModal[str | None]):
    """Returns what was typed when it equals ``expected`` and OK is pressed; None on cancel."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="confirm.cancel", tooltip="Do nothing")]
    DEFAULT_CSS = """
    TypedConfirmModal { align: center middle; }
    TypedConfirmModal > Vertical { width: 76; max-width: 100%; height: auto; border: thick $error; background: $surface; padding: 1 2; }
    TypedConfirmModal #confirm-title { text-style: bold; color: $error; }
    TypedConfirmModal Horizontal { height: auto; margin-top: 1; }
    TypedConfirmModal Button { margin-right: 2; }
    TypedConfirmModal .dialog-problem { color: $error; text-style: bold; }
    """

    def __init__(self, title: str, body: str, expected: str, action: str) -> None:
        super().__init__()
        self.confirm_title, self.body, self.expected, self.action = title, body, expected, action

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self.confirm_title), id="confirm-title", markup=False)
            yield Static(plain(self.body), id="confirm-body", markup=False)
            yield NameInput(placeholder=f"type {self.expected} to confirm", id="confirm-typed")
            yield Static(classes="dialog-problem", markup=False)
            with Horizontal():
                yield Button("Cancel", id="cancel", variant="primary")
                yield Button(self.action, id="ok", variant="error", disabled=True)

    def on_mount(self) -> None:
        # Typing starts at once (Posting's ConfirmationModal auto_focus); nothing but the exact
        # name does anything: Enter on anything else stays, Esc cancels, Tab reaches Cancel.
        self.query_one("#confirm-typed", Input).focus()
        say_problem(self, "")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#ok", Button).disabled = event.value.strip() != self.expected
        say_problem(self, "")

    def on_one_line_input_refused(self, event: OneLineInput.Refused) -> None:
        event.stop()
        say_problem(self, f"✗ {event.reason}")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        if typed == self.expected:
            self.dismiss(typed)
        else:
            say_problem(self, f"✗ {name_mismatch(typed, self.expected)}")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(
            self.query_one("#confirm-typed", Input).value.strip()
            if event.button.id == "ok"
            else None
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReasonModal(ReadableModal[str | None]):
    """Asks why (the answer is audited); returns the reason, or None on cancel."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="reason.cancel", tooltip="Do nothing")]
    DEFAULT_CSS = """
    ReasonModal { align: center middle; }
    ReasonModal > Vertical { width: 70; max-width: 100%; height: auto; border: thick $warning; background: $surface; padding: 1 2; }
    ReasonModal .dialog-problem { color: $error; text-style: bold; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self.reason_title = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self.reason_title), markup=False)
            yield ReasonInput(
                placeholder="reason (audited); Enter to confirm, Esc to cancel", id="reason"
            )
            yield Static(classes="dialog-problem", markup=False)

    def on_mount(self) -> None:
        say_problem(self, "")

    def on_input_changed(self) -> None:
        say_problem(self, "")

    def on_one_line_input_refused(self, event: OneLineInput.Refused) -> None:
        event.stop()
        say_problem(self, f"✗ {event.reason}")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())
        else:
            say_problem(self, "✗ a reason is needed (it goes into the audit log); Esc cancels")

    def action_cancel(self) -> None:
        self.dismiss(None)


class QuitModal(ReadableModal[bool]):
    """Quit while a run is active? The run is kept; the answer says how to resume it."""

    BINDINGS = [
        Binding("escape", "stay", "Stay", id="quit.stay", tooltip="Go back to the run"),
        Binding("y", "quit", "Quit", id="quit.yes", tooltip="Quit; the run is kept on disk"),
        Binding(
            "ctrl+c",
            "quit",
            "Quit",
            id="quit.again",
            show=False,
            tooltip="ctrl+c again: quit; the run is kept on disk",
        ),
    ]
    DEFAULT_CSS = """
    QuitModal { align: center middle; }
    QuitModal > Vertical { width: 76; max-width: 100%; height: auto; border: thick $warning; background: $surface; padding: 1 2; }
    QuitModal Horizontal { height: auto; margin-top: 1; }
    QuitModal Button { margin-right: 2; }
    """

    def __init__(self, resume: str, lost: str = "") -> None:
        super().__init__()
        self.resume = resume
        self.lost = lost  # a PENDING held in memory only: said instead of "Nothing is lost"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("A run is in progress. Quit anyway?", markup=False)
            yield Static(
                self.resume.replace("rotui: ", "").replace("rotui demo: ", "")
                + (
                    ""
                    if self.resume.startswith("rotui demo")
                    else f"\n{self.lost}"
                    if self.lost
                    else "\nNothing is lost: every step is journaled."
                ),
                markup=False,
            )
            with Horizontal():
                yield Button("Stay (Esc)", id="stay", variant="primary")
                yield Button("Quit (y)", id="quit", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#stay", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "quit")

    def action_stay(self) -> None:
        self.dismiss(False)

    def action_quit(self) -> None:
        self.dismiss(True)


def offer_take_over(
    screen: Screen[Any],
    stale: StaleLock,
    retry: Callable[[], object],
    cancelled: Callable[[], object] | None = None,
) -> None:
    """Ask for the key's name, typed, before taking over a run whose rotui was killed.

    Typed: ``retry()`` (which takes the lock over, audited). Cancelled: ``cancelled()``, or the
    screen closes, since it has no run to show.
    """
    holder = stale.holder

    def answered(typed: str | None) -> None:
        if typed == stale.key:
            retry()
        elif cancelled is not None:
            cancelled()
        else:
            screen.dismiss(None)

    body = (
        f"{holder.actor} (pid {holder.pid} on {holder.host}) began driving {stale.key} at "
        f"{holder.since_shown} and never released it: that rotui was killed or lost power.\n\n"
        "Make sure it is really gone — no other terminal is working on this key — then type the "
        "key's name to take over its run where it stopped. The takeover is audited."
    )
    screen.app.push_screen(
        TypedConfirmModal("Take over a run left by a killed rotui", body, stale.key, "Take over"),
        answered,
    )
