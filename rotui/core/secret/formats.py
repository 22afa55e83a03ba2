"""The Anthropic key formats: a pasted API or Admin key accepted, or told exactly what is wrong.

Every message says what is wrong (empty, quoted, an invisible character, whitespace, the wrong
kind of key) without echoing the value beyond its masked hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rotui.core.errors import KeyFormatError, SecretError
from rotui.core.model import CONSOLE_KEYS_URL
from rotui.core.secret.value import Secret, mask

API_KEY_PREFIX = "sk-ant-api03-"
ADMIN_KEY_PREFIX = "sk-ant-admin01-"
API_KEY_LENGTH = 108  # from scanners' patterns; not documented by Anthropic, so only a warning
KEY_BODY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class KeyCheck:
    """A pasted key that passed the format check, with anything worth a warning."""

    secret: Secret
    warnings: tuple[str, ...] = ()


def check_api_key(raw: str) -> KeyCheck:
    """Accept an Anthropic API key as pasted or piped, or say exactly what is wrong with it."""
    value = raw.strip()
    if not value:
        raise KeyFormatError(
            "no key given", "the input was empty; paste the key shown once in the Console"
        )
    if len(value) > 1024:
        raise KeyFormatError(
            "not an API key", f"the input is {len(value)} characters long; an API key has about 108"
        )
    if value[0] in QUOTES or value[-1] in QUOTES:
        raise KeyFormatError("key is quoted", "remove the quotes around the key and paste it again")
    hidden = next(((i, ch) for i, ch in enumerate(value) if _invisible(ch)), None)
    if hidden is not None:
        import unicodedata

        index, char = hidden
        name = unicodedata.name(char, "an unnamed format character")
        raise KeyFormatError(
            "key contains an invisible character",
            f"U+{ord(char):04X} ({name}) at position {index + 1}, which chat tools and word "
            "processors add; copy the key again from the Console or a plain-text source",
        )
    if any(ch.isspace() for ch in value):
        raise KeyFormatError(
            "key contains whitespace",
            "the key has a space, tab or line break inside; paste it again as one unbroken line",
        )
    if value.startswith(ADMIN_KEY_PREFIX):
        raise KeyFormatError(
            "this is an Admin API key",
            f"an API key ({API_KEY_PREFIX}…) belongs here; admin keys ({ADMIN_KEY_PREFIX}…) "
            "go in settings.admin_key",
        )
    if not value.startswith(API_KEY_PREFIX):
        shown = mask(value) if value.startswith("sk-") else "the input"
        raise KeyFormatError(
            "not an Anthropic API key",
            f"{shown} does not start with {API_KEY_PREFIX}; copy the key from {CONSOLE_KEYS_URL}",
        )
    body = value[len(API_KEY_PREFIX) :]
    if not KEY_BODY.fullmatch(body):
        bad = sorted({ch for ch in body if not KEY_BODY.fullmatch(ch)})
        shown = " ".join(repr(ch) for ch in bad[:5])
        raise KeyFormatError(
            "key has unexpected characters",
            f"an API key holds only letters, digits, '-' and '_'; found {shown}",
        )
    warnings = []
    if len(value) != API_KEY_LENGTH:
        warnings.append(
            f"the key is {len(value)} characters long; Anthropic API keys are usually "
            f"{API_KEY_LENGTH}: check that it was copied whole"
        )
    return KeyCheck(Secret(value), tuple(warnings))


QUOTES = "\"'`“”‘’«»„‚"  # straight and typographic: a paste from chat or a document


def _invisible(char: str) -> bool:
    """A format character (zero-width space, BOM, joiners, bidi marks): not seen, yet sent."""
    import unicodedata

    return unicodedata.category(char) == "Cf"


HEADER_SAFE = re.compile(r"[!#-&(-~]+")  # printable ASCII except space and quotes


def check_usable_api_key(secret: Secret, where: str) -> None:
    """Refuse a stored or sourced value that cannot be an API key, without echoing any of it.

    Lenient on the prefix (a future key format must still validate) but strict on anything that
    would break an HTTP header or show that the source printed more than a key (a password
    manager's extra lines, a pasted quote).
    """
    value = secret.reveal()
    if value.startswith(ADMIN_KEY_PREFIX):
        raise KeyFormatError(
            f"{where} holds an Admin API key",
            "an API key belongs here; admin keys go in settings.admin_key",
        )
    if not HEADER_SAFE.fullmatch(value):
        raise KeyFormatError(
            f"{where} is not a usable API key",
            f"the value ({len(value)} characters) contains whitespace, quotes, line breaks or "
            "non-ASCII characters; a source must give the key alone on one line",
        )


def _sendable(secret: Secret, source: str, username: str) -> Secret:
    """Refuse, masked, a sourced value that no HTTP header or one-line stdin can carry.

    A value with whitespace inside, a quote or a non-ASCII character is not a key alone on one
    line: it would break the request (or be sent mangled) in whichever step reads it first.
    """
    value = secret.reveal()
    if not HEADER_SAFE.fullmatch(value):
        kind = source.split(":", 1)[0] + ":"
        index, char = next((i, c) for i, c in enumerate(value) if not HEADER_SAFE.fullmatch(c))
        what = (
            "a line break"
            if char in "\r\n"
            else "whitespace"
            if char.isspace()
            else "a quote"
            if char in QUOTES
            else "a non-ASCII character"
            if not char.isascii()
            else "a control character"
        )
        raise SecretError(
            f"the {kind} source of {username} gives an unusable value",
            f"the value ({len(value)} characters) has {what} at position {index + 1}; a source "
            "must give the key alone on one line, in ASCII, before rotui sends it anywhere",
        )
    return secret


def check_admin_key(raw: str) -> Secret:
    """Accept an Admin API key, refusing an ordinary API key with a clear word."""
    value = raw.strip()
    if value.startswith(API_KEY_PREFIX):
        raise KeyFormatError(
            "this is an API key, not an Admin key",
            f"settings.admin_key needs an Admin API key ({ADMIN_KEY_PREFIX}…)",
        )
    if not value.startswith(ADMIN_KEY_PREFIX) or not KEY_BODY.fullmatch(
        value[len(ADMIN_KEY_PREFIX) :] or "!"
    ):
        raise KeyFormatError(
            "not an Anthropic Admin API key", f"an Admin API key starts with {ADMIN_KEY_PREFIX}"
        )
    return Secret(value)
