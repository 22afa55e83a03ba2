"""Outside text made safe to show: terminal control characters become visible escapes.

Error messages from an API, a consumer's output, key and Admin key names and audit entries are
data. Printed raw, ``ESC [2J`` clears the screen, ``ESC ]0;…`` retitles the window and
``ESC ]52;c;…`` writes the clipboard; a bidi override reorders what the reader sees. Every such
character is shown as a ``\\xNN`` / ``\\uNNNN`` escape instead (a sequence's printable tail
stays visible as plain text), so nothing outside text contains can act on the terminal.

A key value is outside text too: pasted or typed where a name was expected (``rotui key set
sk-ant-…``), echoed by an argument error or a gateway. Wherever rotui prints, it shows as its
masked hint (:func:`~rotui.core.secret.value.redact`), never as the value. So do the other
credentials rotui handles: GitHub, Heroku and Infisical tokens and webhook URLs by their shapes
(:data:`~rotui.core.secret.value.TOKEN_PATTERN`), and any secret this process holds by its value
(:func:`remember`, called for every value read from a source: keyring, ``env:``, ``command:``).
"""

from __future__ import annotations

import re
import threading

# C0 but tab and newline, DEL, C1; line/paragraph separators; the bidi embeddings, overrides,
# isolates and marks (Trojan Source, CVE-2021-42574); other invisible format characters.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]"
)


_known: tuple[str, ...] = ()  # remembered secret values, longest first
_remembering = threading.Lock()
MIN_KNOWN = 8  # a shorter value would mask innocent words
MAX_KNOWN = 4096  # a token is short; a longer "secret" is a pasted document, masked by shape
# A token is one run of printable characters, varied enough not to be filler ("aaaaaaaa").
_TOKENLIKE = re.compile(r"[!-~\u00a1-\uffff]+")
MIN_DISTINCT = 6


def remember(value: str) -> None:
    """Mask ``value`` wherever rotui prints it from now on (a token no shape identifies).

    Only a token-like value: one word of 8 or more printable characters, at least 6 different;
    whitespace, filler or a value too short would mask innocent text and is never a token.
    """
    global _known
    if (
        MIN_KNOWN <= len(value) <= MAX_KNOWN
        and value not in _known
        and _TOKENLIKE.fullmatch(value)
        and not UNSAFE.search(value)
        and len(set(value)) >= MIN_DISTINCT
    ):
        import json  # lazily, like the rest of remembering: never on `rotui status`'s path

        # Also as it shows inside a JSON string (run files, audit entries are redacted as JSON).
        forms = {value, json.dumps(value)[1:-1]}
        # Sources are read in threads (validate-all, 8 at once): without the lock, two threads
        # each built on the same old tuple and the later one dropped the other's value, which
        # then printed in clear. Readers need no lock: the tuple is replaced whole.
        with _remembering:
            # Longest first: a value inside another is masked with it, not before it.
            _known = tuple(sorted({*_known, *forms}, key=len, reverse=True))


def known_values() -> tuple[str, ...]:
    """The remembered secret values, longest first."""
    return _known


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every terminal control and invisible format character escaped.

    Newlines and tabs are kept (multi-line messages stay readable); a carriage return, which can
    overwrite what a line showed, is escaped like the rest. A key value becomes its masked hint.
    """
    # Substring tests first, on the per-row hot path: each shape of SECRET_PATTERN and
    # TOKEN_PATTERN (rotui.core.secret.value) holds one of these ("gh": ghp_ … ghr_, github_pat_;
    # "hooks": Slack's and Discord's webhooks); tests/unit/test_mask_tokens.py holds them to it.
    if (
        "sk-ant-" in text
        or "gh" in text
        or "github_pat_" in text
        or "HRKU-" in text
        or "st." in text
        or "eyJ" in text
        or "://" in text
        or "hooks" in text
        or (_known and any(value in text for value in _known))
    ):
        from rotui.core.secret.value import redact  # lazily: `rotui status` never pays for it

        text = redact(text)
    return UNSAFE.sub(_escape, text)


def one_line(text: str) -> str:
    """:func:`printable`, with newlines and tabs escaped too, for a table cell or a title."""
    return printable(text).replace("\n", "\\n").replace("\t", "\\t")
