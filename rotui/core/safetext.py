"""Outside text made safe to show: terminal control characters become visible escapes.

Error messages from an API, a consumer's output, key and Admin key names and audit entries are
data. Printed raw, ``ESC [2J`` clears the screen, ``ESC ]0;…`` retitles the window and
``ESC ]52;c;…`` writes the clipboard; a bidi override reorders what the reader sees. Every such
character is shown as a ``\\xNN`` / ``\\uNNNN`` escape instead (a sequence's printable tail
stays visible as plain text), so nothing outside text contains can act on the terminal.

A key value is outside text too: pasted or typed where a name was expected (``rotui key set
sk-ant-…``), echoed by an argument error or a gateway. Wherever rotui prints, it shows as its
masked hint (:func:`~rotui.core.secret.value.redact`), never as the value.
"""

from __future__ import annotations

import re

# C0 but tab and newline, DEL, C1; line/paragraph separators; the bidi embeddings, overrides,
# isolates and marks (Trojan Source, CVE-2021-42574); other invisible format characters.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every terminal control and invisible format character escaped.

    Newlines and tabs are kept (multi-line messages stay readable); a carriage return, which can
    overwrite what a line showed, is escaped like the rest. A key value becomes its masked hint.
    """
    if "sk-ant-" in text:  # a substring test first: the rest only where a key may be
        from rotui.core.secret.value import redact  # lazily: `rotui status` never pays for it

        text = redact(text)
    return UNSAFE.sub(_escape, text)


def one_line(text: str) -> str:
    """:func:`printable`, with newlines and tabs escaped too, for a table cell or a title."""
    return printable(text).replace("\n", "\\n").replace("\t", "\\t")
