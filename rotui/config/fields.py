"""Checks of single values (strings, names, numbers, dates, URLs), each error on its dotted path."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from typing import Any, NoReturn
from urllib.parse import urlsplit

from rotui.config.schema import (
    _CONTROL,
    _LATEST_CREATED,
    MAX_NAME_LENGTH,
    MAX_TIMEOUT_SECONDS,
)
from rotui.config.text import (
    _did_you_mean,
    _one_line,
    _show,
    _toml_type,
)
from rotui.core.errors import ConfigError


class Fields:
    """The value checks every part of the configuration uses; ``fail`` names file and path."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> NoReturn:
        """Raise the one-line error every config problem turns into."""
        message = f"{where}: {problem}" if where else problem
        raise ConfigError(f"{_one_line(self.path)}: invalid configuration", _one_line(message))

    def string(self, value: Any, where: str, expected: str = "") -> str:
        """Require a TOML string."""
        if not isinstance(value, str):
            what = f"a string ({expected})" if expected else "a string"
            self.fail(where, f"expected {what}, got {_toml_type(value)}")
        return value

    def nonempty(self, value: Any, where: str) -> str:
        """Require a string with something besides whitespace in it."""
        text = self.string(value, where)
        if not text.strip():
            self.fail(where, "must not be empty")
        return text

    def key_name(self, value: Any, where: str) -> str:
        """Key names become keyring entries and labels: keep them short, printable, trimmed.

        ``#`` is refused because rotui stores a key's staged values as ``NAME#pending`` and
        ``NAME#previous`` keyring entries: a key named ``X#pending`` would be overwritten by a
        rotation of ``X``. Invisible format characters are refused so names look like what they
        are.
        """
        name = self.nonempty(value, where)
        if len(name) > MAX_NAME_LENGTH:
            self.fail(where, f"too long ({len(name)} characters); at most {MAX_NAME_LENGTH}")
        if _CONTROL.search(name):
            self.fail(where, "must not contain control characters")
        self.visible(name, where)
        if "#" in name:
            self.fail(
                where,
                f"{_show(name)} contains '#' (at character {name.index('#') + 1}), which rotui "
                "reserves for a key's staged copies (NAME#pending, NAME#previous); rename it",
            )
        if name != name.strip():
            self.fail(where, f"{_show(name)} must not start or end with whitespace")
        return name

    def visible(self, text: str, where: str) -> None:
        """Refuse zero-width and bidirectional controls (Unicode Cf), naming the position."""
        for index, ch in enumerate(text):
            if unicodedata.category(ch) == "Cf":
                label = unicodedata.name(ch, f"U+{ord(ch):04X}")
                self.fail(
                    where,
                    f"contains an invisible or direction-changing character, U+{ord(ch):04X} "
                    f"{label}, at character {index + 1}; names must look like what they are",
                )

    def integer(self, value: Any, where: str, low: int, high: int) -> int:
        """Require an integer in range; TOML true is not an integer even though Python says so."""
        allowed = f"an integer from {low} to {high}"
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"expected {allowed}, got {_toml_type(value)}")
        if not low <= value <= high:
            self.fail(where, f"{_show(value)} is out of range; expected {allowed}")
        return value

    def timeout(self, value: Any) -> float:
        """Require a positive, finite number of seconds no larger than the cap."""
        where = "settings.timeout_seconds"
        allowed = f"a number of seconds greater than 0 and at most {MAX_TIMEOUT_SECONDS:g}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(where, f"expected {allowed}, got {_toml_type(value)}")
        if isinstance(value, int) and value.bit_length() > 64:
            self.fail(where, f"{_show(value)} is out of range; expected {allowed}")
        seconds = float(value)
        if not (math.isfinite(seconds) and 0 < seconds <= MAX_TIMEOUT_SECONDS):
            self.fail(where, f"{_show(value)} is out of range; expected {allowed}")
        return seconds

    def choice(self, value: Any, where: str, choices: tuple[str, ...], what: str) -> str:
        """Require one of a fixed set of strings, suggesting the nearest on a typo."""
        allowed = ", ".join(choices)
        if not isinstance(value, str):
            self.fail(where, f"expected a string, one of {allowed}; got {_toml_type(value)}")
        if value not in choices:
            self.fail(
                where,
                f"unknown {what} {_show(value)}; expected one of {allowed}"
                f"{_did_you_mean(value, choices)}",
            )
        return value

    def created(self, value: Any, where: str) -> dt.datetime:
        """Normalise a TOML date or datetime to aware UTC; a string is a quoting slip."""
        expected = "expected a TOML date like 2026-08-20 (no quotes)"
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                when = value.replace(tzinfo=dt.UTC)
            else:
                try:
                    when = value.astimezone(dt.UTC)
                except (OverflowError, ValueError):
                    self.fail(where, "date is out of range once converted to UTC")
        elif isinstance(value, dt.date):
            when = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
        elif isinstance(value, str):
            hint = ""
            try:
                dt.date.fromisoformat(value.strip()[:10])
                hint = f"; remove the quotes: created = {_one_line(value.strip())}"
            except ValueError:
                pass
            self.fail(where, f"{expected}, got string{hint}")
        else:
            self.fail(where, f"{expected}, got {_toml_type(value)}")
        if when.date() > _LATEST_CREATED:
            self.fail(where, f"{when.date()} is too far in the future to have a due date")
        return when

    def base_url(self, value: Any, where: str) -> str:
        """Require an http(s) URL with a host; never echo it, since it might embed credentials."""
        url = self.nonempty(value, where)
        example = "e.g. https://api.anthropic.com"
        if any(ch.isspace() for ch in url) or _CONTROL.search(url):
            self.fail(where, f"must not contain spaces or control characters; {example}")
        try:
            parts = urlsplit(url)
            _ = parts.port
        except ValueError as exc:
            self.fail(where, f"not a valid URL ({_one_line(str(exc))}); {example}")
        if parts.username is not None or parts.password is not None:
            self.fail(where, "must not contain credentials (user:password@)")
        if parts.scheme.lower() not in ("http", "https"):
            self.fail(where, f"must be an http:// or https:// URL; {example}")
        if not parts.hostname:
            self.fail(where, f"has no host; {example}")
        if parts.query or parts.fragment or url.endswith(("?", "#")):
            self.fail(where, f"must not have a query (?) or fragment (#); {example}")
        return url.rstrip("/")
