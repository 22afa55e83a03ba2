"""An Input for pasting a key: masked, copy and cut do nothing, and no message carries the value.

Textual's ``Input`` copies the real text, and its ``Changed``/``Submitted``/``Blurred`` messages
carry ``value`` as a plain string; with ``TEXTUAL_LOG`` set, Textual logs the repr of every
message it dispatches (and of the ``Paste`` event), so a pasted key landed in the log file many
times. Here the messages hold a :class:`Secret` whose repr is masked, and the ``Paste`` event's
repr gives only the pasted length.
"""

from __future__ import annotations

from typing import Any

import rich.repr
from textual import events
from textual.actions import SkipAction
from textual.message import Message

from rotui.core.secret import Secret
from rotui.ui.widgets.one_line import OneLineInput


def _paste_repr(self: events.Paste) -> rich.repr.Result:
    """The pasted text's length, never the text: a paste is how a key reaches rotui."""
    yield "length", len(self.text)


events.Paste.__rich_repr__ = _paste_repr  # type: ignore[method-assign]


class _SecretMessage(Message):
    """A message about a :class:`SecretInput` that holds its value only as a Secret."""

    def __init__(self, input: SecretInput, value: str, validation_result: Any = None) -> None:
        super().__init__()
        self.input = input
        self.secret = Secret(value)
        self.validation_result = validation_result

    @property
    def control(self) -> SecretInput:
        return self.input

    @property
    def value(self) -> str:
        """The plain value, for a handler that hands it straight to the core (prefer ``secret``)."""
        return self.secret.reveal()

    def __rich_repr__(self) -> rich.repr.Result:
        yield "input", self.input
        yield "secret", self.secret

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}(input={self.input!r}, secret={self.secret!r})"


# Never in an API key (base64url and "-"), so typed here it means what it means everywhere: help.
PASSED_ON = frozenset("?")


class SecretInput(OneLineInput):
    """Shows one bullet per character; the value never reaches the clipboard or a log from here.

    A paste of more than one line is refused, saying so (:class:`OneLineInput`): the first line of
    a password manager's entry is not taken for the key.
    """

    WHAT = "the key"

    class Changed(_SecretMessage):
        """The value changed (``secret`` holds it)."""

    class Submitted(_SecretMessage):
        """Enter was pressed (``secret`` holds the value)."""

    class Blurred(_SecretMessage):
        """The input lost the focus (``secret`` holds the value)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(password=True, **kwargs)  # type: ignore[arg-type]

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character not in PASSED_ON and super().check_consume_key(key, character)

    async def _on_key(self, event: events.Key) -> None:
        if event.character in PASSED_ON:
            event.prevent_default()  # not typed into the field; it bubbles to the app's binding

    def action_copy(self) -> None:
        """A selection is never copied (a bell); with none, ctrl+c goes on to quit, as elsewhere."""
        if self.selection.is_empty:
            raise SkipAction()
        self.app.bell()

    def action_cut(self) -> None:
        self.app.bell()

    def __repr__(self) -> str:
        return f"SecretInput(id={self.id!r}, length={len(self.value)})"
