"""An old key's recent usage at hour resolution: rolling 24 h and 7 d, and what came after exposure.

Built from the Admin usage report's 1-hour buckets. A window counts every hourly bucket that
overlaps it, so "the last 24 h" is the 24 h up to now plus at most the rest of the first hour:
for a leak, counting a little too much beats missing usage. Likewise an hour is flagged as
"after the suspected exposure" when it ends after that moment, so usage in the exposure's own
hour is flagged (the report cannot tell minutes apart).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from rotui.core.timeparse import floor_hour

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
RECENT = 7 * DAY  # the window the emergency shows
LOOKBACK_MAX = 31 * DAY  # how far back an early exposure time makes rotui look, hour by hour
SHOWN_HOURS = 24  # flagged hours listed one by one in a report; the rest are summed


def fetch_window(
    now: dt.datetime, exposed_at: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime]:
    """The hourly range to ask for: 7 days (back to the exposure, at most 31 days) to now's hour."""
    start = now - RECENT
    if exposed_at is not None and exposed_at < start:
        start = max(exposed_at, now - LOOKBACK_MAX)
    return floor_hour(start), floor_hour(now) + HOUR


def _when(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True)
class OldKeyUsage:
    """Tokens per UTC hour (keyed by the hour's start, zeros included) from ``since`` to now."""

    now: dt.datetime
    since: dt.datetime
    hours: dict[dt.datetime, int] = field(default_factory=dict)
    exposed_at: dt.datetime | None = None

    @classmethod
    def build(
        cls,
        now: dt.datetime,
        buckets: dict[dt.datetime, int],
        exposed_at: dt.datetime | None = None,
        since: dt.datetime | None = None,
    ) -> OldKeyUsage:
        """Fill every hour of the window, so a quiet hour reads 0 rather than "unknown"."""
        now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)  # a naive moment is UTC
        start = floor_hour(since) if since is not None else fetch_window(now, exposed_at)[0]
        hours: dict[dt.datetime, int] = {}
        hour = start
        while hour <= floor_hour(now):
            hours[hour] = buckets.get(hour, 0)
            hour += HOUR
        return cls(now, start, hours, exposed_at)

    def with_exposure(self, exposed_at: dt.datetime | None) -> OldKeyUsage:
        """The same hours with another exposure time (check :meth:`covers` first)."""
        return dataclasses.replace(self, exposed_at=exposed_at)

    def covers(self, moment: dt.datetime) -> bool:
        """Whether the hours reach back to ``moment`` (or as far back as rotui ever looks)."""
        return moment >= self.since or self.since <= floor_hour(self.now - LOOKBACK_MAX)

    def total_since(self, start: dt.datetime) -> int:
        """Tokens in the hours that overlap ``start`` … now."""
        return sum(tokens for hour, tokens in self.hours.items() if hour + HOUR > start)

    @property
    def last_24h(self) -> int:
        return self.total_since(self.now - DAY)

    @property
    def last_7d(self) -> int:
        return self.total_since(self.now - RECENT)

    @property
    def flagged(self) -> dict[dt.datetime, int]:
        """The hours with usage that end after the suspected exposure (none without one)."""
        if self.exposed_at is None:
            return {}
        exposed = self.exposed_at
        return {h: n for h, n in self.hours.items() if n and h + HOUR > exposed}

    @property
    def since_exposure(self) -> int | None:
        return None if self.exposed_at is None else sum(self.flagged.values())

    @property
    def exposure_checked_from(self) -> dt.datetime | None:
        """Where the check after the exposure began: the exposure, or ``since`` when earlier."""
        if self.exposed_at is None:
            return None
        return max(floor_hour(self.exposed_at), self.since)

    def by_day(self, days: int = 7) -> dict[dt.date, int]:
        """Tokens per UTC day for the last ``days`` days, today included."""
        today = self.now.date()
        totals = {today - dt.timedelta(days=i): 0 for i in range(days)}
        for hour, tokens in self.hours.items():
            if hour.date() in totals:
                totals[hour.date()] += tokens
        return totals

    def headline(self) -> str:
        return (
            f"last 24 h {self.last_24h:,} tokens · last 7 days {self.last_7d:,} tokens "
            "(hourly, UTC)"
        )

    def exposure_line(self) -> str | None:
        """One sentence on the usage after the suspected exposure, or None without one."""
        if self.exposed_at is None:
            return None
        flagged = self.flagged
        when = _when(self.exposed_at)
        partial = (
            f" (checked from {_when(self.since)} only)"
            if self.since > floor_hour(self.exposed_at)
            else ""
        )
        if not flagged:
            return f"no usage after the suspected exposure ({when}){partial}"
        first = min(flagged)
        end = min(max(flagged) + HOUR, self.now)  # the current hour's usage came before now
        return (
            f"⚠ {sum(flagged.values()):,} tokens in {len(flagged)} hour(s) after the suspected "
            f"exposure ({when}), between {first:%m-%d %H:00} and {end:%m-%d %H:%M} UTC" + partial
        )

    def to_fact(self) -> dict[str, Any]:
        """What a run journal keeps for the incident report (JSON, no secret)."""
        return {
            "checked_at": self.now.isoformat(),
            "since": self.since.isoformat(),
            "last_24h": self.last_24h,
            "last_7d": self.last_7d,
            "exposed_at": self.exposed_at.isoformat() if self.exposed_at else None,
            "since_exposure": self.since_exposure,
            "flagged_hours": {h.isoformat(): n for h, n in sorted(self.flagged.items())},
        }
