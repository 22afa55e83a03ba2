"""How the simulated API reads a query: parameters, limits, id-cursor paging, usage windows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import Any

from rotui.sim.anthropic_shapes import BUCKET_WIDTHS, _bad, _Response, _rfc3339


def _params(query: Mapping[str, list[str]], name: str) -> list[str]:
    """Read an array parameter in either bracket (`x[]=`) or plain (`x=`) form."""
    return [*query.get(name + "[]", []), *query.get(name, [])]


def _first(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _limit(query: Mapping[str, list[str]], default: int, high: int) -> int | _Response:
    raw = _first(query, "limit")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= high:
        return _bad(f"limit: Input should be an integer between 1 and {high}")
    return int(raw)


def _page(
    items: list[Any],
    query: Mapping[str, list[str]],
    render: Callable[[Any], dict[str, Any]] | None = None,
) -> _Response:
    """Apply the id-cursor paging that /v1/models and the Admin API lists share.

    With ``render``, ``items`` are objects with an ``id`` and only the page is rendered (an
    organisation of 10,000 keys is paged without rendering every key for every page).
    """
    limit = _limit(query, 20, 1000)
    if isinstance(limit, _Response):
        return limit
    ids = list(map(attrgetter("id") if render else itemgetter("id"), items))
    after, before = _first(query, "after_id"), _first(query, "before_id")
    if before:
        end = _position(ids, before, 0)
        start = max(0, end - limit)
        page, has_more = items[start:end], start > 0
    else:
        start = _position(ids, after, len(ids) - 1) + 1 if after else 0
        page, has_more = items[start : start + limit], start + limit < len(items)
    if render is not None:
        page = [render(item) for item in page]
    first, last = (page[0]["id"], page[-1]["id"]) if page else (None, None)
    return _Response(200, {"data": page, "has_more": has_more, "first_id": first, "last_id": last})


def _position(ids: list[str], cursor: str, unknown: int) -> int:
    """Where ``cursor`` is in ``ids`` (one scan), or ``unknown`` for an id not listed."""
    try:
        return ids.index(cursor)
    except ValueError:
        return unknown


def _parse_time(raw: str) -> dt.datetime | None:
    """Parse an RFC 3339 timestamp as UTC; a value without offset is taken as UTC."""
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _snap(moment: dt.datetime, width: dt.timedelta) -> dt.datetime:
    """The start of the UTC minute, hour or day that holds ``moment``."""
    moment = moment.astimezone(dt.UTC)
    if width >= dt.timedelta(days=1):
        return dt.datetime.combine(moment.date(), dt.time(), dt.UTC)
    if width >= dt.timedelta(hours=1):
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(second=0, microsecond=0)


def _usage_minute(when: str | dt.date | dt.datetime) -> dt.datetime:
    """The UTC minute usage is filed under: a day means its midnight, a naive moment is UTC."""
    if isinstance(when, str):
        parsed = _parse_time(when)
        if parsed is None:
            raise ValueError(f"not a date or an RFC 3339 time: {when!r}")
        when = parsed
    if not isinstance(when, dt.datetime):
        when = dt.datetime.combine(when, dt.time(), dt.UTC)
    elif when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return _snap(when, dt.timedelta(minutes=1))


@dataclass(frozen=True)
class UsageWindow:
    """One page of the usage report, as its query asks for it."""

    start: dt.datetime  # the first bucket's start
    end: dt.datetime  # the end of the whole report (exclusive)
    width: dt.timedelta
    count: int  # buckets on this page
    groups: frozenset[str]
    key_ids: frozenset[str]

    @property
    def following(self) -> dt.datetime:
        """Where the next page begins."""
        return self.start + self.count * self.width


def usage_window(query: Mapping[str, list[str]]) -> UsageWindow | _Response:
    """Read the usage report's query the way the API does, naming the bad parameter."""
    raw_start, raw_end = _first(query, "starting_at"), _first(query, "ending_at")
    if not raw_start:
        return _bad("starting_at: Field required")
    width_name = _first(query, "bucket_width")
    width_name = "1d" if width_name is None else width_name
    if width_name not in BUCKET_WIDTHS:
        return _bad("bucket_width: Input should be '1m', '1h' or '1d'")
    width, default_limit, max_limit = BUCKET_WIDTHS[width_name]
    limit = _limit(query, default_limit, max_limit)
    if isinstance(limit, _Response):
        return limit
    groups = frozenset(_params(query, "group_by"))
    if not groups <= {"api_key_id", "workspace_id"}:
        return _bad("group_by: the simulator supports only api_key_id and workspace_id")
    start_at = _parse_time(raw_start)
    end_at = _parse_time(raw_end) if raw_end else dt.datetime.now(dt.UTC)
    page = _first(query, "page")
    if page:
        start_at = _parse_time(page.removeprefix("page_")) if page.startswith("page_") else None
    if start_at is None or end_at is None:
        return _bad("starting_at, ending_at or page: invalid value")
    start, end = _snap(start_at, width), _snap(end_at, width)
    end += width if end_at > end else dt.timedelta()
    count = min(limit, max(0, -(-(end - start) // width)))
    key_ids = frozenset(_params(query, "api_key_ids"))
    return UsageWindow(start, end, width, count, groups, key_ids)


Usage = tuple[str, dt.datetime, int, int]  # key id, UTC minute, input and output tokens


def _usage_result(group: tuple[str | None, str | None], tally: list[int]) -> dict[str, Any]:
    """One result row of a usage bucket (the shape the reference, §6, records)."""
    return {
        "uncached_input_tokens": tally[0],
        "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
        "cache_read_input_tokens": 0,
        "output_tokens": tally[1],
        "server_tool_use": {"web_search_requests": 0},
        "api_key_id": group[0],
        "workspace_id": group[1],
        "model": None,
        "service_tier": None,
        "context_window": None,
    }


def usage_page(
    window: UsageWindow, usage: list[Usage], workspaces: Mapping[str, str | None]
) -> _Response:
    """The report's page: one entry per bucket, its usage summed per group."""
    data = []
    for offset in range(window.count):
        bucket = window.start + offset * window.width
        totals: dict[tuple[str | None, str | None], list[int]] = {}
        for kid, minute, tokens_in, tokens_out in usage:
            if bucket <= minute < bucket + window.width:
                group = (
                    kid if "api_key_id" in window.groups else None,
                    workspaces.get(kid) if "workspace_id" in window.groups else None,
                )
                tally = totals.setdefault(group, [0, 0])
                tally[0], tally[1] = tally[0] + tokens_in, tally[1] + tokens_out
        order = sorted(totals, key=lambda group: (group[0] or "", group[1] or ""))
        data.append(
            {
                "starting_at": _rfc3339(bucket),
                "ending_at": _rfc3339(bucket + window.width),
                "results": [_usage_result(group, totals[group]) for group in order],
            }
        )
    more = window.following < window.end
    return _Response(
        200,
        {
            "data": data,
            "has_more": more,
            "next_page": f"page_{_rfc3339(window.following)}" if more else None,
        },
    )
