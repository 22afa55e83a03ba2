"""An Input that takes a paste whole or not at all: a paste of several lines is refused, and said.

Textual's ``Input`` keeps only the first line of a paste and drops the rest without a word: a
password manager's ``KEY`` + ``notes`` line became the new key, and a name pasted with a second
line still matched a typed confirmation. Here a paste whose text, once its surrounding whitespace
is trimmed, has more than one line changes nothing; the field posts :class:`OneLineInput.Refused`
saying what is wrong (never what was pasted), for the screen to show beside the field.
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import Input


def paste_problem(text: str, what: str) -> str | None:
    """Why ``text`` cannot be pasted as one ``what``; None when it is one line (trimmed).

    Only counts and positions are said: the text may be a key.
    """
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) <= 1:
        return None
    return (
        f"the paste was refused: it has {len(lines)} lines, and {what} is one line; "
        f"copy {what} alone and paste again"
    )


class OneLineInput(Input):
    """Takes a one-line paste (surrounding whitespace trimmed); refuses, and says so, any other."""

    WHAT = "the value"  # the field's subject, in the refusal: "the key", "the name"

    class Refused(Message):
        """A paste was refused; ``reason`` says why without the pasted text."""

        def __init__(self, input: OneLineInput, reason: str) -> None:
            super().__init__()
            self.input = input
            self.reason = reason

        @property
        def control(self) -> OneLineInput:
            return self.input

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()  # Input's own handler (the first line only) must not run too
        if not event.text:
            return
        problem = paste_problem(event.text, self.WHAT)
        if problem is not None:
            self.app.bell()
            self.post_message(self.Refused(self, problem))
            return
        line = event.text.strip()  # a trailing newline (a copied line) or a leading one
        if line:
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(line)
            else:
                self.replace(line, *selection)
