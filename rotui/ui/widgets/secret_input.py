"""An Input for pasting a key: masked, copy and cut do nothing, and no message carries the value.

Textual's ``Input`` copies the real text, and its ``Changed``/``Submitted``/``Blurred`` messages
carry ``value`` as a plain string; with ``TEXTUAL_LOG`` set, Textual logs the repr of every
message it dispatches (and of the ``Paste`` event), so a pasted key landed in the log file many
times. Here the messages hold a :class:`Secret` whose repr is masked, the ``Paste`` event's
repr gives only the pasted length, and a keystroke into the field is logged as a bullet. A key
pasted into any other field, which would show it, is refused (:func:`refuse_key_paste`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import rich.repr
from textual import events
from textual.actions import SkipAction
from textual.message import Message

from rotui.core.secret import Secret
from rotui.ui.widgets.one_line import OneLineInput

if TYPE_CHECKING:
    from textual.app import App


def _paste_repr(self: events.Paste) -> rich.repr.Result:
    """The pasted text's length, never the text: a paste is how a key reaches rotui."""
    yield "length", len(self.text)


events.Paste.__rich_repr__ = _paste_repr  # type: ignore[method-assign]
_key_repr = events.Key.__rich_repr__


def _masked_key_repr(self: events.Key) -> rich.repr.Result:
    """A key typed into a :class:`SecretInput` is one character of a key: logged as a bullet.

    Textual logs every event it dispatches with its repr, so a key typed in (or pasted by a
    terminal without bracketed paste, as keystrokes) was in Textual's log character by character.
    """
    if getattr(self, "rotui_secret", False) and self.is_printable:
        yield "character", "•"
        return
    yield from _key_repr(self)


events.Key.__rich_repr__ = _masked_key_repr  # type: ignore[method-assign]


def refuse_key_paste(app: App[Any], event: events.Paste) -> bool:
    """A key pasted into a field that shows its text (a filter, a reason, a time) is refused.

    Typed there, the value would be on the screen (a screenshot, ``rotui serve``'s page, a shared
    terminal), in the field's ``Changed`` messages (Textual's log) and maybe in a reason the
    run keeps. Only a :class:`SecretInput` takes a key; True when the paste was refused.
    """
    from textual.widgets import Input, TextArea

    from rotui.core.secret import SECRET_PATTERN, redact
    from rotui.core.secret.value import TOKEN_PATTERN

    focused = app.focused
    if isinstance(focused, SecretInput) or not isinstance(focused, Input | TextArea):
        return False
    if redact(event.text) == event.text:  # no key, no token, no secret this process read
        return False
    key = SECRET_PATTERN.search(event.text)
    found = key or TOKEN_PATTERN.search(event.text)
    what = "an API key" if key else "a token or another secret"
    hint = f" ({redact(found.group())})" if found else ""
    # where a new key goes; a token rotui never asks for (gh, Heroku and Infisical read their own)
    where = " Paste a new key only where rotui asks for it (hidden)." if key else ""
    app.bell()
    app.notify(
        f"That paste holds {what}{hint}: it was not put in this field, "
        f"which shows what it holds.{where}",
        title="Not pasted",
        severity="warning",
        markup=False,
    )
    return True


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

    async def _on_message(self, message: Message) -> None:
        if isinstance(message, events.Key):  # before Textual logs it: see _masked_key_repr
            message.rotui_secret = True  # type: ignore[attr-defined]
        await super()._on_message(message)

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
