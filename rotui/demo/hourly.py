"""The demo's usage, hour by hour: what the emergency's hourly views read."""

from __future__ import annotations

import datetime as dt


def demo_hours(day: dt.date, tokens: int) -> list[tuple[dt.datetime, int]]:
    """A day's tokens spread over its hours (today's: up to this hour), never in the future.

    Usage given as a day lands in its first hour (the simulator's rule), which the hourly views
    (the emergency's "after the suspected exposure") would show as the whole day at 00:00.
    """
    now = dt.datetime.now(dt.UTC)
    hours = now.hour + 1 if day == now.date() else 24
    start = dt.datetime.combine(day, dt.time(), dt.UTC)
    share = tokens // hours
    spread = [(start + dt.timedelta(hours=h), share) for h in range(hours)]
    spread[-1] = (spread[-1][0], tokens - share * (hours - 1))
    return spread
