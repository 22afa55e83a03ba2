"""The base of every rotui dialog: nothing covers it while it waits for an answer."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")


class ReadableModal(ModalScreen[ResultType]):
    """A modal that clears the notifications when it opens.

    Toasts sit in the bottom right on a layer above every screen; at 80×24 a couple of them
    covered half of the quit dialog (issue 13). What they said was for the screen behind; the
    dialog's question is what the operator must read now. (Textual calls this ``on_mount`` as
    well as a subclass's own.)
    """

    def on_mount(self) -> None:
        self.app.clear_notifications()
        for screen in self.app.screen_stack:  # the screens behind keep theirs until refreshed
            screen.query("Toast").remove()
