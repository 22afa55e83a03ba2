"""A secret value that never prints: :class:`Secret`, and the masking that every printable form uses.

A key value is wrapped in :class:`Secret` the moment it is read and unwrapped only where it leaves
rotui: an HTTP header or a child process's stdin. Its repr, str and format are masked, so a
traceback, a log line or a worker description never shows the value; :func:`redact` masks
anything key-shaped in free text (error bodies, exceptions).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

SECRET_PATTERN = re.compile(r"sk-ant-[A-Za-z0-9]+-[A-Za-z0-9_-]{8,}")


_held_a_key = False


def _first_key() -> None:
    """The first key this process holds: no core dump and no peeking at its memory from here on
    (:mod:`rotui.core.secret.process`)."""
    global _held_a_key
    from rotui.core.secret.process import harden

    harden()
    _held_a_key = True


def mask(value: str) -> str:
    """A hint that identifies a key to a person without revealing it: ``sk-ant-api03-R2D…igAA``."""
    match = re.match(r"(sk-ant-[a-z]+\d*-)", value)
    if match and len(value) >= len(match.group(1)) + 10:
        prefix = match.group(1)
        return f"{value[: len(prefix) + 3]}…{value[-4:]}"
    if len(value) >= 20:
        return f"…{value[-4:]}"
    return "•••"


def redact(text: str) -> str:
    """Replace anything shaped like an Anthropic key in free text (error bodies, exceptions)."""
    return SECRET_PATTERN.sub(lambda m: mask(m.group(0)), text)


class Secret:
    """A secret value whose every printable form is masked."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        if not _held_a_key:
            _first_key()

    def reveal(self) -> str:
        """The plain value: call only at an HTTP header or a subprocess's stdin."""
        return self._value

    @property
    def hint(self) -> str:
        return mask(self._value)

    @property
    def partial_key_hint(self) -> str:
        """The Admin API's ``partial_key_hint`` form: ``sk-ant-api03-R2D...igAA``."""
        return self.hint.replace("…", "...")

    def fingerprint(self, key: bytes) -> str:
        """A keyed HMAC that lets records compare secrets without holding them."""
        return hmac.new(key, self._value.encode(), hashlib.sha256).hexdigest()[:32]

    def same_as(self, other: Secret) -> bool:
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and self.same_as(other)

    def __hash__(self) -> int:
        return hash(hashlib.sha256(self._value.encode()).digest())

    def __repr__(self) -> str:
        return f"Secret({self.hint!r})"

    def __str__(self) -> str:
        return self.hint

    def __format__(self, spec: str) -> str:
        return format(self.hint, spec)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")

    def __len__(self) -> int:
        return len(self._value)
