"""How configuration problems are worded: positions, suggestions, values shown safely."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from rotui.config.schema import (
    _BARE_KEY,
    _CONTROL,
    _TOML_END,
    _TOML_POSITION,
    KEY_FIELDS,
    SETTINGS_FIELDS,
    TOP_LEVEL_FIELDS,
)


def _expand(raw: str) -> Path:
    """Expand ~ so a path from a quoted variable works as it would in a shell."""
    path = Path(raw)
    try:
        return path.expanduser()
    except RuntimeError:
        return path


def _toml_message(message: str) -> str:
    """Turn tomllib's "(at line N, column M)" suffix into a leading position."""
    match = _TOML_POSITION.search(message)
    text = _TOML_END.sub("", message[: match.start()] if match else message)
    text = text[:1].lower() + text[1:]
    if match:
        return _one_line(f"line {match.group(1)}, column {match.group(2)}: {text}")
    if _TOML_END.search(message):
        return _one_line(f"end of file: {text}")
    return _one_line(text)


def _unknown_top_level(name: str, value: Any) -> str:
    """Explain an unknown top-level entry, pointing to where it probably belongs."""
    is_table = isinstance(value, dict) or (
        isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
    )
    allowed = "allowed: [settings], [keymap], [[keys]], [holders]"
    allowed = "allowed: [settings], [keymap], [[keys]], [notify], include"
    problem = f"unknown table; {allowed}" if is_table else f"unknown top-level field; {allowed}"
    if name in SETTINGS_FIELDS:
        return f"{problem} (did you mean to put it under [settings]?)"
    if name == "consumers":
        return f"{problem} (consumers belong to a key: [[keys.consumers]])"
    if name in KEY_FIELDS:
        return f"{problem} (did you mean to put it under [[keys]]?)"
    return problem + _did_you_mean(name, TOP_LEVEL_FIELDS)


def _did_you_mean(name: str, options: tuple[str, ...]) -> str:
    """A "(did you mean 'x'?)" suffix when a close option exists, else nothing."""
    import difflib

    matches = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f" (did you mean {_show(matches[0])}?)" if matches else ""


def _typo_for(required: str, present: tuple[str, ...]) -> str:
    """A "(is 'nmae' a typo for 'name'?)" suffix when a present field is close to a missing one."""
    import difflib

    matches = difflib.get_close_matches(required, present, n=1, cutoff=0.6)
    return f" (is {_show(matches[0])} a typo for '{required}'?)" if matches else ""


def _field(where: str, name: str) -> str:
    """Append a field to a dotted path, quoting it the TOML way when it is not a bare key."""
    part = name if _BARE_KEY.fullmatch(name) else f'"{_escape(name, chr(34))}"'
    return f"{where}.{part}" if where else part


def _short(where: str, limit: int = 80) -> str:
    """A dotted path for a message, shortened in the middle when it is very long."""
    return where if len(where) <= limit else f"{where[:40]}…{where[-36:]}"


def _toml_type(value: Any) -> str:
    """Name a parsed value's type as TOML does, since users write TOML, not Python."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    return type(value).__name__


def _looks_like_secret(text: str) -> bool:
    """Anthropic keys start with sk-ant-; such a value must never be echoed back."""
    return text.lower().startswith("sk-ant-")


def _show(value: Any, limit: int = 60) -> str:
    """Render a value for a one-line message: quoted, escaped, shortened, never a secret."""
    if isinstance(value, str):
        if _looks_like_secret(value.strip()):
            return "'sk-ant-...' (redacted)"
        text = _escape(value, "'")
        if len(text) > limit:
            text = text[: limit - 3] + "..."
        return f"'{text}'"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return "a very large integer"
    return _one_line(repr(value))[:limit]


def _escape(text: str, quote: str) -> str:
    """Escape backslashes, the quote and unprintable characters so text stays on one line."""
    out: list[str] = []
    for ch in text:
        if ch in ("\\", quote):
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        else:
            code = ord(ch)
            if code < 0x100:
                out.append(f"\\x{code:02x}")
            elif code < 0x10000:
                out.append(f"\\u{code:04x}")
            else:
                out.append(f"\\U{code:08x}")
    return "".join(out)


def _one_line(text: str) -> str:
    """Keep messages to one line even when a path or value contains line breaks."""
    if _CONTROL.search(text) is None:
        return text
    return "".join(_escape(ch, "") if _CONTROL.match(ch) else ch for ch in text)
