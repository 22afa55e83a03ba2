"""“Unexpected usage or charges”: tokens per key from the Admin usage report, spikes flagged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rotui.core.model import ManagedKey, RemoteKey
from rotui.core.troubleshoot.evidence import _admin_secret, _read
from rotui.core.troubleshoot.model import Diagnosis, Severity

if TYPE_CHECKING:
    from rotui.core.anthropic import AnthropicClient
    from rotui.core.secret import Secret
    from rotui.core.troubleshoot.deps import TroubleshootDeps

SPIKE_FACTOR = 3
USAGE_DAYS = 7


def usage_spike(days: Mapping[dt.date, int]) -> str | None:
    """The latest day over 3× the 7-day median (the dashboard's rule)."""
    import statistics

    if not days:
        return None
    order = sorted(days)
    latest, median = days[order[-1]], statistics.median(days[d] for d in order)
    if latest > SPIKE_FACTOR * median and latest > 0:
        return f"{latest:,} tokens on {order[-1]:%m-%d}: over {SPIKE_FACTOR}× the 7-day median ({median:,.0f})"
    return None


async def _records(
    services: TroubleshootDeps, client: AnthropicClient, admin: Secret, keys: Sequence[ManagedKey]
) -> dict[str, RemoteKey]:
    """Each key's Admin record matched by hint; the last saved record when its value is unreadable."""
    import asyncio

    from rotui.core.anthropic import match_remote

    values = await asyncio.gather(*(_read(services, k.source, k.name) for k in keys))
    saved = (await asyncio.to_thread(services.snapshot)).remote
    listed: list[RemoteKey] | None = None  # one organization, at settings.admin_base_url
    found: dict[str, RemoteKey] = {}
    for key, (secret, _why) in zip(keys, values, strict=True):
        record = None
        if secret is not None:
            if listed is None:
                listed = await client.list_api_keys(admin)
            record = match_remote(secret, listed)
        if record or key.name in saved:
            found[key.name] = record or saved[key.name]
    return found


async def _daily(
    services: TroubleshootDeps,
    client: AnthropicClient,
    admin: Secret,
    records: Mapping[str, tuple[str | None, str]],
) -> dict[str, dict[dt.date, int]]:
    """Tokens per day for the last 7 UTC days, by key name (``records``: name → base, key id)."""
    today = services.clock().date()
    start = dt.datetime.combine(today - dt.timedelta(days=USAGE_DAYS - 1), dt.time(), dt.UTC)
    ids = {key_id: name for name, (_base, key_id) in records.items()}
    days = [today - dt.timedelta(days=i) for i in range(USAGE_DAYS)]
    end = start + dt.timedelta(days=USAGE_DAYS)
    report = await client.daily_usage(admin, start, end, api_key_ids=list(ids)) if ids else {}
    return {
        name: {day: report.get(key_id, {}).get(day, 0) for day in days}
        for key_id, name in ids.items()
    }


async def _last_24h(
    services: TroubleshootDeps,
    client: AnthropicClient,
    admin: Secret,
    records: Mapping[str, tuple[str | None, str]],
) -> dict[str, int]:
    """Tokens per key name over the rolling last 24 h, from hourly buckets (those overlapping it)."""
    from rotui.core.timeparse import floor_hour

    now = services.clock()
    start, end = floor_hour(now - dt.timedelta(days=1)), floor_hour(now) + dt.timedelta(hours=1)
    ids = {key_id: name for name, (_base, key_id) in records.items()}
    report = await client.hourly_usage(admin, start, end, api_key_ids=list(ids)) if ids else {}
    return {name: sum(report.get(key_id, {}).values()) for key_id, name in ids.items()}


def _usage_lines(
    keys: Sequence[ManagedKey],
    records: Mapping[str, RemoteKey],
    usage: Mapping[str, Mapping[dt.date, int]],
    recent: Mapping[str, int],
) -> tuple[list[str], list[str]]:
    """One line per key (its daily series and last 24 h), a warning per spike; the flagged keys."""
    evidence: list[str] = []
    flagged: list[str] = []
    for key in keys:
        days = usage.get(key.name)
        if days is None:
            evidence.append(f"{key.name}: not found in the Admin API, so no usage per key")
            continue
        record = records[key.name]
        series = " · ".join(f"{days[d]:,}" for d in sorted(days))
        last_24h = recent.get(key.name, 0)
        evidence.append(
            f"{key.name} ({record.id}): {series} (oldest → today); last 24 h {last_24h:,}"
        )
        spike = usage_spike(days)
        if record.status in ("inactive", "archived", "expired") and last_24h > 0:
            spike = f"{last_24h:,} tokens in the last 24 h on a key that is {record.status}"
        if spike:
            evidence.append(f"⚠ {key.name}: {spike}")
            flagged.append(key.name)
    return evidence, flagged


async def diagnose_usage(services: TroubleshootDeps, name: str | None = None) -> Diagnosis:
    """Daily tokens per key from the Admin usage report, spikes flagged, and the way out."""
    keys = services.keys([name] if name else [])
    title = "Unexpected usage or charges" + (f" · {name}" if name else "")
    checked = (
        f"the Admin usage report: tokens per key per UTC day, last {USAGE_DAYS} days, "
        "and per hour over the last 24 h"
    )
    revoke = [f"If you suspect a leak: `rotui revoke {name}` (x on the dashboard)"] if name else []
    admin, why = await _admin_secret(services)
    if admin is None:
        steps = [
            "Set settings.admin_key (an Admin API key, sk-ant-admin01-…) to see usage per key",
            "Meanwhile the Console's Usage page shows the organization's usage",
            *revoke,
        ]
        cause = "Usage per key needs the Admin API, which rotui does not have here."
        evidence = [why or "no Admin API key configured (settings.admin_key)"]
        checked = "whether rotui can read the Admin usage report: it cannot, so no usage was read"
        return Diagnosis(title, checked, evidence, cause, steps, "warning", "usage", name)
    http, client = services.client()
    async with http:
        records = await _records(services, client, admin, keys)
        ids = {k.name: (k.base_url, records[k.name].id) for k in keys if k.name in records}
        usage = await _daily(services, client, admin, ids)
        recent = await _last_24h(services, client, admin, ids)
    evidence, flagged = _usage_lines(keys, records, usage, recent)
    steps = [
        f"Unexpected? Start the emergency revoke: `rotui revoke {n}` (x on the dashboard)"
        for n in flagged
    ]
    if flagged:
        cause = (
            f"Unexpected usage on {', '.join(flagged)}: a leaked key, a runaway job or a retry "
            "loop. If nobody expects it, treat it as a leak."
        )
        steps.append("Before revoking, ask the owners of the consumers whether a job explains it")
    else:
        cause = f"No key's latest day exceeds {SPIKE_FACTOR}× its 7-day median."
        steps += [
            *revoke,
            "Console and Workbench usage is not attributed to any API key: see the Console's "
            "Usage and Cost pages",
        ]
    steps.append("Usage usually appears in the report within about 5 minutes")
    severity: Severity = "problem" if flagged else "ok"
    return Diagnosis(title, checked, evidence, cause, steps, severity, "usage", name)
