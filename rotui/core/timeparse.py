"""Reading a moment an operator types: the suspected exposure time of a leaked key.

One parser for the CLI (``rotui revoke --exposed-at``) and the emergency screen, so both accept
the same forms and refuse the same mistakes with the same words:

- an absolute UTC time: ``2026-11-26 14:30``, ``2026-11-26T14:30:00Z``, ``2026-11-26`` (midnight),
  or with an explicit offset, ``2026-11-26T15:30+01:00``; a time without an offset is UTC;
- a relative one: ``2h ago``, ``90 minutes ago``, ``3d ago``, ``1 week ago``, or ``now``.
"""

from __future__ import annotations

import datetime as dt
import re

from rotui.core.errors import UsageError

FORMS = "use UTC like 2026-11-26 14:30, or a relative time like '2h ago'"
FUTURE_SLACK = dt.timedelta(minutes=5)  # a clock a little ahead of this host's is not a mistake

_UNITS: dict[str, dt.timedelta] = {}
for _names, _length in (
    (("m", "min", "mins", "minute", "minutes"), dt.timedelta(minutes=1)),
    (("h", "hr", "hrs", "hour", "hours"), dt.timedelta(hours=1)),
    (("d", "day", "days"), dt.timedelta(days=1)),
    (("w", "wk", "week", "weeks"), dt.timedelta(weeks=1)),
):
    _UNITS.update(dict.fromkeys(_names, _length))
_RELATIVE = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)\s+ago")
_AGO_MISSING = re.compile(r"\d+(?:\.\d+)?\s*[a-z]+")
_UTC_SUFFIX = re.compile(r"\s*(?:utc|gmt)$", re.IGNORECASE)


def parse_exposure(text: str, now: dt.datetime, *, what: str = "the exposure time") -> dt.datetime:
    """The UTC moment ``text`` names, relative to ``now``.

    Raises :class:`UsageError` whose message names what is wrong (an unknown unit, a month 13,
    a time in the future…), never a traceback-worthy exception.
    """
    from rotui.core.secret import SECRET_PATTERN, mask

    raw = text.strip()
    found = SECRET_PATTERN.search(raw)
    if found is not None:  # pasted into the wrong field: never echoed, not even in part
        raise UsageError(
            f"{what} looks like an API key ({mask(found.group(0))})",
            f"that field takes a time, not a key; {FORMS}",
        )
    shown = raw if len(raw) <= 40 else raw[:39] + "…"
    if not raw:
        raise UsageError(f"{what} is empty", FORMS)
    lowered = _UTC_SUFFIX.sub("", raw.lower()).strip()
    now = _utc(now)
    if lowered == "now":
        return now
    if lowered.endswith("ago"):
        back = _relative(lowered, shown, what)
        try:
            when = now - back
        except OverflowError:
            raise UsageError(f"{what} is too far back", f"{shown!r}: {FORMS}") from None
    else:
        when = _absolute(raw, shown, what)
    if when > now + FUTURE_SLACK:
        raise UsageError(
            f"{what} is in the future",
            f"{when:%Y-%m-%d %H:%M} UTC is after now ({now:%Y-%m-%d %H:%M} UTC); {FORMS}",
        )
    return when


def _relative(lowered: str, shown: str, what: str) -> dt.timedelta:
    match = _RELATIVE.fullmatch(lowered)
    if match is None:
        raise UsageError(
            f"{what} is not understood",
            f"{shown!r}: a relative time is a number, a unit and 'ago', e.g. '2h ago' or "
            "'90 minutes ago'",
        )
    amount, unit = float(match.group(1)), match.group(2)
    if unit not in _UNITS:
        raise UsageError(
            f"{what} is not understood",
            f"{shown!r}: unknown unit {unit!r}; use m, h, d or w (minutes, hours, days, weeks)",
        )
    try:
        return amount * _UNITS[unit]
    except OverflowError:
        raise UsageError(f"{what} is too far back", f"{shown!r}: {FORMS}") from None


def _absolute(raw: str, shown: str, what: str) -> dt.datetime:
    candidate = _UTC_SUFFIX.sub("", raw).strip()
    if candidate[-1:] in ("z", "Z"):
        candidate = candidate[:-1] + "+00:00"
    if _AGO_MISSING.fullmatch(candidate.lower()):
        raise UsageError(
            f"{what} is not understood", f"{shown!r}: a relative time ends in 'ago', e.g. '2h ago'"
        )
    if not re.match(r"\d{4}-\d{2}-\d{2}", candidate):
        raise UsageError(f"{what} is not understood", f"{shown!r}: {FORMS}")
    try:
        when = dt.datetime.fromisoformat(candidate)
    except ValueError as exc:
        detail = str(exc)
        if detail.startswith("Invalid isoformat string"):
            detail = "not a date and time of the form YYYY-MM-DD HH:MM"
        elif detail.startswith("offset must be"):
            detail = "the UTC offset must be less than 24 hours"
        raise UsageError(f"{what} is not understood", f"{shown!r}: {detail}; {FORMS}") from None
    try:
        return _utc(when)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first representable UTC moment
        raise UsageError(f"{what} is out of range", f"{shown!r}: {FORMS}") from None


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def floor_hour(moment: dt.datetime) -> dt.datetime:
    """The start of the UTC hour that holds ``moment`` (a naive moment is UTC)."""
    return _utc(moment).replace(minute=0, second=0, microsecond=0)
