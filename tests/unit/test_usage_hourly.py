"""Hourly usage: the simulator's 1m/1h/1d buckets, the client's paging, the rolling 24 h and 7 d
sums, usage flagged after a suspected exposure, the exposure parser and the incident report."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from rotui.core.anthropic import AnthropicClient
from rotui.core.errors import UsageError
from rotui.core.model import ManagedKey
from rotui.core.report import incident_report
from rotui.core.secret import Secret
from rotui.core.timeparse import floor_hour, parse_exposure
from rotui.core.troubleshoot import diagnose_usage
from rotui.core.usage import OldKeyUsage, fetch_window
from rotui.sim.anthropic import SimKey, SimulatedAnthropic
from tests.unit.test_troubleshoot import ADMIN, NAME, OLD, VALUE, build, text

NOW = dt.datetime(2026, 11, 26, 16, 20, tzinfo=dt.UTC)
URL = "/v1/organizations/usage_report/messages"
H = dt.timedelta(hours=1)


def ago(hours: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=hours)


@pytest.fixture
def sim() -> Iterator[SimulatedAnthropic]:
    with SimulatedAnthropic([SimKey(VALUE)], admin_keys=[ADMIN]) as running:
        yield running


@pytest.fixture
def http(sim: SimulatedAnthropic) -> Iterator[httpx.Client]:
    headers = {"x-api-key": ADMIN, "anthropic-version": "2023-06-01"}
    with httpx.Client(base_url=sim.base_url, headers=headers, trust_env=False) as client:
        yield client


@pytest.fixture
async def client(sim: SimulatedAnthropic) -> AsyncIterator[AnthropicClient]:
    async with httpx.AsyncClient(trust_env=False) as http:
        yield AnthropicClient(http, clock=lambda: NOW, timeout=5.0, admin_base_url=sim.base_url)


def key_id() -> str:
    return SimKey(VALUE).id


# The simulator ---------------------------------------------------------------------------------


def test_sim_serves_hourly_and_daily_buckets_of_the_same_usage(
    sim: SimulatedAnthropic, http: httpx.Client
) -> None:
    sim.add_usage(key_id(), dt.datetime(2026, 11, 26, 14, 30, tzinfo=dt.UTC), 100, 10)
    sim.add_usage(key_id(), "2026-11-26T15:05:00Z", 20, 2)
    sim.add_usage(key_id(), dt.date(2026, 11, 25), 7, 0)  # a day: its first hour
    params = {
        "starting_at": "2026-11-25T00:00:00Z",
        "ending_at": "2026-11-26T16:00:00Z",
        "group_by[]": "api_key_id",
    }
    hourly = http.get(URL, params={**params, "bucket_width": "1h", "limit": 168}).json()
    assert len(hourly["data"]) == 40 and hourly["has_more"] is False
    used = {
        b["starting_at"]: b["results"][0]["uncached_input_tokens"]
        for b in hourly["data"]
        if b["results"]
    }
    assert used == {
        "2026-11-25T00:00:00Z": 7,
        "2026-11-26T14:00:00Z": 100,
        "2026-11-26T15:00:00Z": 20,
    }
    assert hourly["data"][0]["ending_at"] == "2026-11-25T01:00:00Z"
    daily = http.get(URL, params={**params, "bucket_width": "1d"}).json()
    assert [b["starting_at"] for b in daily["data"]] == [
        "2026-11-25T00:00:00Z",
        "2026-11-26T00:00:00Z",
    ]
    assert [b["results"][0]["output_tokens"] for b in daily["data"]] == [0, 12]
    minutes = http.get(
        URL,
        params={
            "starting_at": "2026-11-26T14:29:00Z",
            "ending_at": "2026-11-26T14:32:00Z",
            "bucket_width": "1m",
            "group_by[]": "api_key_id",
        },
    ).json()
    assert [bool(b["results"]) for b in minutes["data"]] == [False, True, False]


def test_sim_pages_hourly_buckets_by_the_documented_limits(
    sim: SimulatedAnthropic, http: httpx.Client
) -> None:
    params = {"starting_at": "2026-11-01T00:00:00Z", "ending_at": "2026-11-09T00:00:00Z"}
    default = http.get(URL, params={**params, "bucket_width": "1h"}).json()
    assert len(default["data"]) == 24 and default["has_more"] is True  # 1h: default 24
    full = http.get(URL, params={**params, "bucket_width": "1h", "limit": 168}).json()
    assert len(full["data"]) == 168 and full["has_more"] is True
    rest = http.get(
        URL, params={**params, "bucket_width": "1h", "limit": 168, "page": full["next_page"]}
    ).json()
    assert [b["starting_at"] for b in rest["data"]][:1] == ["2026-11-08T00:00:00Z"]
    assert len(rest["data"]) == 24 and rest["has_more"] is False and rest["next_page"] is None
    minutes = http.get(URL, params={**params, "bucket_width": "1m"}).json()
    assert len(minutes["data"]) == 60  # 1m: default 60


@pytest.mark.parametrize(
    ("width", "limit"),
    [("2h", None), ("1w", None), ("", None), ("1h", "169"), ("1d", "32"), ("1m", "1441")],
)
def test_sim_refuses_bad_widths_and_limits_like_the_api(
    http: httpx.Client, width: str, limit: str | None
) -> None:
    params = {"starting_at": "2026-11-01T00:00:00Z", "bucket_width": width}
    if limit:
        params["limit"] = limit
    answer = http.get(URL, params=params)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert ("bucket_width" if limit is None else "limit") in error["message"]


def test_sim_messages_land_in_the_current_hour(sim: SimulatedAnthropic, http: httpx.Client) -> None:
    ping = {
        "model": "claude-haiku-4-5",
        "max_tokens": 1,
        "messages": [{"role": "user", "content": "hi"}],
    }
    before = dt.datetime.now(dt.UTC)
    sent = http.post("/v1/messages", json=ping, headers={"x-api-key": VALUE})
    assert sent.status_code == 200
    now = dt.datetime.now(dt.UTC)
    report = http.get(
        URL,
        params={
            "starting_at": (floor_hour(now) - H).isoformat(),
            "ending_at": (floor_hour(now) + H).isoformat(),
            "bucket_width": "1h",
            "group_by[]": "api_key_id",
        },
    ).json()
    [used] = [b["starting_at"] for b in report["data"] if b["results"]]
    assert used in {f"{floor_hour(t):%Y-%m-%dT%H:00:00Z}" for t in (before, now)}
    assert (
        sum(b["results"][0]["uncached_input_tokens"] for b in report["data"] if b["results"]) == 8
    )


def test_sim_add_usage_refuses_what_is_not_a_time(sim: SimulatedAnthropic) -> None:
    with pytest.raises(ValueError, match="not a date"):
        sim.add_usage(key_id(), "last tuesday", 1, 1)


# The client ------------------------------------------------------------------------------------


async def test_client_reads_hourly_buckets_across_pages(sim: SimulatedAnthropic, client) -> None:
    sim.add_usage(key_id(), ago(200), 10, 1)  # beyond one page of 168 hours
    sim.add_usage(key_id(), ago(1), 40, 2)
    sim.add_usage(key_id(), ago(1.1), 3, 0)  # the same hour
    usage = await client.hourly_usage(Secret(ADMIN), ago(240), floor_hour(NOW) + H)
    assert usage[key_id()] == {floor_hour(ago(200)): 11, floor_hour(ago(1)): 45}
    assert all(hour.tzinfo is not None for hour in usage[key_id()])
    asked = [r for r in sim.requests() if r.path == URL]
    assert len(asked) == 2  # 241 hourly buckets: 168, then 73
    assert [r.query["limit"] for r in asked] == [["168"], ["168"]]
    assert asked[0].query["bucket_width"] == ["1h"] and "page" in asked[1].query


async def test_client_daily_usage_is_the_same_report_by_day(
    sim: SimulatedAnthropic, client
) -> None:
    sim.add_usage(key_id(), ago(1), 40, 2)
    sim.add_usage(key_id(), ago(30), 5, 0)
    admin = Secret(ADMIN)
    days = await client.daily_usage(admin, ago(72), NOW)
    assert days[key_id()] == {ago(1).date(): 42, ago(30).date(): 5}
    buckets = await client.usage_report(admin, ago(72), NOW, bucket_width="1d")
    assert set(buckets[key_id()]) == {
        dt.datetime.combine(d, dt.time(), dt.UTC) for d in days[key_id()]
    }
    with pytest.raises(ValueError, match="bucket_width"):
        await client.usage_report(admin, ago(2), bucket_width="2h")


# Rolling windows and the exposure flag -----------------------------------------------------------


def test_rolling_24h_and_7d_and_the_exposure_flag() -> None:
    hours = {floor_hour(ago(h)): n for h, n in ((1, 100), (25, 20), (24 * 8, 5000))}
    start, end = fetch_window(NOW, None)
    assert (start, end) == (floor_hour(NOW - dt.timedelta(days=7)), floor_hour(NOW) + H)
    usage = OldKeyUsage.build(NOW, hours, exposed_at=ago(2), since=start)
    assert usage.last_24h == 100  # 25 h ago is outside the last 24 h…
    assert usage.last_7d == 120  # …and inside the last 7 days; 8 days ago is outside both
    assert usage.flagged == {floor_hour(ago(1)): 100} and usage.since_exposure == 100
    assert sum(usage.by_day().values()) == 120 and len(usage.by_day()) == 7
    # 15:20 is before an exposure at 15:50, but in its hour: the report cannot tell them apart
    assert usage.with_exposure(ago(0.5)).flagged == {floor_hour(ago(1)): 100}
    quiet = usage.with_exposure(ago(0.2))  # 16:08: the 15:00 hour ended before it
    assert quiet.flagged == {} and quiet.since_exposure == 0
    assert str(quiet.exposure_line()).startswith("no usage after the suspected exposure")
    assert usage.with_exposure(None).exposure_line() is None
    assert usage.with_exposure(None).since_exposure is None
    assert "⚠ 100 tokens in 1 hour(s) after the suspected exposure" in str(usage.exposure_line())
    assert usage.covers(ago(100)) and not usage.covers(ago(24 * 8))


def test_the_exposure_window_never_ends_after_now() -> None:
    """Walk s14 3.6: at 18:10 the window read "between 17:00 and 19:00": the current hour's
    bucket is not over, so the usage in it came before now, not before the hour's end."""
    hours = {floor_hour(ago(1)): 100, floor_hour(NOW): 40}  # 15:00 and the current 16:00 hour
    usage = OldKeyUsage.build(NOW, hours, exposed_at=ago(2), since=floor_hour(ago(24)))
    line = str(usage.exposure_line())
    assert "between 11-26 15:00 and 11-26 16:20 UTC" in line, line  # now, 16:20, not 17:00
    earlier = OldKeyUsage.build(NOW, {floor_hour(ago(3)): 7}, exposed_at=ago(4), since=ago(24))
    line = str(earlier.exposure_line())  # a finished hour ends at its end: 13:00 to 14:00
    assert "between 11-26 13:00 and 11-26 14:00 UTC" in line, line


def test_an_exposure_before_the_week_widens_the_window_to_31_days_at_most() -> None:
    start, _ = fetch_window(NOW, ago(24 * 10))
    assert start == floor_hour(ago(24 * 10))
    capped, _ = fetch_window(NOW, ago(24 * 90))
    assert capped == floor_hour(NOW - dt.timedelta(days=31))
    usage = OldKeyUsage.build(NOW, {}, exposed_at=ago(24 * 90), since=capped)
    assert usage.covers(ago(24 * 90))  # as far back as rotui looks: no point asking again
    assert "checked from" in str(usage.exposure_line())


# The rotation, the report and the troubleshooting flow -------------------------------------------


async def start_the_run(rotation) -> None:  # type: ignore[no-untyped-def]
    """The first change a run makes (PENDING stored) is what starts it."""
    from rotui.demo import fake_key

    await rotation.precheck()
    await rotation.accept_new_key(fake_key("usage-hourly-new"))


async def test_old_key_usage_from_hourly_buckets_flags_the_hours_after_exposure(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    kid = key_id()
    exposed = dt.datetime(2026, 11, 26, 10, 30, tzinfo=dt.UTC)
    sim.add_usage(kid, exposed - H, 111, 0)  # 1 h before the exposure: not flagged
    sim.add_usage(kid, exposed + H, 222, 0)  # 1 h after: flagged
    sim.add_usage(kid, ago(25), 4000, 0)  # in the 7 days, not in the 24 h
    sim.add_usage(kid, ago(24 * 8), 9, 0)  # in neither
    services = build(tmp_path, sim.base_url, clock=lambda: NOW)
    async with services.rotation(NAME, kind="emergency", exposed_at=exposed) as rotation:
        rotation.open()
        usage = await rotation.old_key_usage_window()
        assert usage is not None and usage.exposed_at == exposed
        assert (usage.last_24h, usage.last_7d) == (333, 4333)
        assert usage.flagged == {floor_hour(exposed + H): 222}
        days = await rotation.old_key_usage_by_day()
        assert days is not None and sum(days.values()) == 4333
        assert rotation.run is None  # asking wrote nothing: the run starts at the first change
        await start_the_run(rotation)
    run = services.runs().load(rotation.run.run_id)
    assert run.facts.exposed_at == exposed.isoformat()
    recorded = run.facts.old_key_usage
    assert recorded["last_24h"] == 333 and recorded["since_exposure"] == 222
    assert recorded["flagged_hours"] == {floor_hour(exposed + H).isoformat(): 222}
    report = incident_report(run, services.audit().entries())
    assert "- Suspected exposure: 2026-11-26 10:30:00 UTC" in report
    assert "## Old key usage" in report and "- Last 7 days: 4,333 tokens" in report
    assert (
        "- After the suspected exposure (2026-11-26 10:30:00 UTC): 222 tokens in 1 hour(s)"
        in report
    )
    assert "| 2026-11-26 11:00 | 222 | ⚠ after the exposure |" in report
    assert "| 2026-11-26 09:00 |" not in report
    assert VALUE not in report


async def test_a_later_exposure_given_on_resume_is_recorded(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    services = build(tmp_path, sim.base_url, clock=lambda: NOW)
    async with services.rotation(NAME, kind="emergency") as rotation:
        rotation.open()
        await start_the_run(rotation)
        assert rotation.run.facts.exposed_at is None
        usage = await rotation.old_key_usage_window(ago(3))
        assert usage is not None and usage.since_exposure == 0
    run = services.runs().load(rotation.run.run_id)
    assert run.facts.exposed_at == ago(3).isoformat()
    assert "no usage after the suspected exposure" in str(usage.exposure_line())
    report = incident_report(run, [])
    assert "): 0 tokens in 0 hour(s)" in report


async def test_usage_after_propagation_counts_only_the_whole_hours_after_it(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    # An hourly bucket runs from its starting_at to its (exclusive) ending_at (reference/
    # anthropic-api.md section 6): usage in the hour propagation finished in may predate it.
    kid = key_id()
    propagated = dt.datetime(2026, 11, 26, 12, 40, tzinfo=dt.UTC)
    sim.add_usage(kid, dt.datetime(2026, 11, 26, 3, 0, tzinfo=dt.UTC), 5000, 0)  # that morning
    sim.add_usage(kid, dt.datetime(2026, 11, 26, 12, 10, tzinfo=dt.UTC), 7, 0)  # its hour
    sim.add_usage(kid, dt.datetime(2026, 11, 26, 15, 0, tzinfo=dt.UTC), 30, 0)  # after
    services = build(tmp_path, sim.base_url, clock=lambda: NOW)
    async with services.rotation(NAME) as rotation:
        rotation.open()
        await start_the_run(rotation)
        rotation.run.facts.propagated_at = propagated.isoformat()
        rotation.run.facts.current_remote_id = kid
        usage = await rotation.old_key_usage()
        assert usage is not None and usage.tokens == 30
        assert usage.line() == (
            "! It used 30 tokens in the hours since 13:00 UTC (propagation finished at "
            "12:40 UTC): something may still hold it."
        )


async def test_usage_in_the_hour_propagation_finished_in_is_not_blamed_on_after_it(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    kid = key_id()
    sim.add_usage(kid, ago(0.2), 3814, 0)  # same hour as propagation, before it finished
    services = build(tmp_path, sim.base_url, clock=lambda: NOW)
    async with services.rotation(NAME) as rotation:
        rotation.open()
        await start_the_run(rotation)
        rotation.run.facts.propagated_at = ago(0.1).isoformat()  # 16:14, now is 16:20
        rotation.run.facts.current_remote_id = kid
        usage = await rotation.old_key_usage()
        assert usage is not None and usage.tokens is None
        assert "3,814" not in usage.line() and "since propagation" not in usage.line()
        assert usage.line() == (
            "Usage after propagation is not known yet: propagation finished at 16:14 UTC, and "
            "the usage report counts by the hour, so it tells only from 17:00 UTC on."
        )
        rotation.run.facts.propagated_at = floor_hour(NOW).isoformat()  # on the hour: it counts
        usage = await rotation.old_key_usage()
        assert usage is not None and usage.tokens == 3814
        assert "in the hours since 16:00 UTC" in usage.line()


async def test_no_admin_api_means_no_usage(sim: SimulatedAnthropic, tmp_path: Path) -> None:
    services = build(tmp_path, sim.base_url, clock=lambda: NOW, admin=False)
    async with services.rotation(NAME, kind="emergency") as rotation:
        assert await rotation.old_key_usage_window(ago(1)) is None
        assert await rotation.old_key_usage_by_day() is None


async def test_troubleshoot_usage_shows_the_rolling_24h_and_flags_a_retired_key(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    now = dt.datetime.now(dt.UTC)
    retired = sim.add_key(SimKey(OLD, status="inactive"))
    sim.add_usage(key_id(), now - dt.timedelta(hours=26), 900, 0)
    sim.add_usage(retired.id, now - dt.timedelta(hours=2), 60, 0)
    keys = [
        ManagedKey(NAME, base_url=sim.base_url),
        ManagedKey("ANTHROPIC_API_KEY_OLD", base_url=sim.base_url),
    ]
    services = build(
        tmp_path, sim.base_url, keys=keys, values={NAME: VALUE, "ANTHROPIC_API_KEY_OLD": OLD}
    )
    diagnosis = await diagnose_usage(services)
    shown = text(diagnosis)
    assert "per hour over the last 24 h" in diagnosis.checked
    assert "(oldest → today); last 24 h 0" in shown  # 26 h ago: only in the daily series
    assert "⚠ ANTHROPIC_API_KEY_OLD: 60 tokens in the last 24 h on a key that is inactive" in shown


# The exposure parser -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-11-26 14:30", dt.datetime(2026, 11, 26, 14, 30, tzinfo=dt.UTC)),
        ("2026-11-26T14:30:00Z", dt.datetime(2026, 11, 26, 14, 30, tzinfo=dt.UTC)),
        ("2026-11-26 14:30 UTC", dt.datetime(2026, 11, 26, 14, 30, tzinfo=dt.UTC)),
        ("2026-11-26T15:30+01:00", dt.datetime(2026, 11, 26, 14, 30, tzinfo=dt.UTC)),
        ("2026-11-25", dt.datetime(2026, 11, 25, tzinfo=dt.UTC)),
        ("  2h ago ", ago(2)),
        ("90 minutes ago", ago(1.5)),
        ("3d ago", ago(72)),
        ("1 week ago", ago(168)),
        ("now", NOW),
    ],
)
def test_exposure_forms(typed: str, expected: dt.datetime) -> None:
    assert parse_exposure(typed, NOW) == expected


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "is empty"),
        ("yesterday", "use UTC like 2026-11-26 14:30"),
        ("2h", "a relative time ends in 'ago'"),
        ("5 fortnights ago", "unknown unit 'fortnights'"),
        ("2026-13-01 10:00", "month must be in 1..12"),
        ("2026-11-26 14:3", "YYYY-MM-DD HH:MM"),
        ("2026-11-26T14:30+25:00", "UTC offset"),
        ("2026-11-27 09:00", "is in the future"),
        ("99999999 weeks ago", "too far back"),
        ("0001-01-01T00:00+01:00", "out of range"),  # before the first UTC moment Python has
        ("9999-12-31T23:59-01:00", "out of range"),
    ],
)
def test_exposure_mistakes_are_named(typed: str, says: str) -> None:
    with pytest.raises(UsageError) as refused:
        parse_exposure(typed, NOW, what="--exposed-at")
    assert says in str(refused.value) and "--exposed-at" in refused.value.title


def test_a_naive_now_is_utc() -> None:
    naive = NOW.replace(tzinfo=None)
    usage = OldKeyUsage.build(naive, {floor_hour(NOW): 5}, NOW - dt.timedelta(hours=1))
    assert usage.last_24h == 5 and usage.flagged == {floor_hour(NOW): 5}


def test_a_key_pasted_as_the_exposure_time_is_refused_masked() -> None:
    """The emergency screen's exposure input and --exposed-at never echo a pasted key."""
    with pytest.raises(UsageError) as refused:
        parse_exposure(VALUE, NOW, what="--exposed-at")
    said = f"{refused.value.title} {refused.value.message}"
    assert "looks like an API key" in said
    assert VALUE not in said and VALUE[:20] not in said


async def test_the_demos_usage_is_hourly_so_its_hourly_views_are_true() -> None:
    """Walk s13 1.6: the demo filed each day's tokens at 00:00, so "3h ago" said no usage and
    "20h ago" put the whole day in one hour. Each day's tokens now spread over its hours, never
    after now, and the daily totals stay the demo's."""
    from rotui.demo import ADMIN_USERNAME, DEMO_KEYS, demo_sim, demo_usage, fake_key

    now = dt.datetime.now(dt.UTC)
    name = DEMO_KEYS[0].name
    admin = Secret(fake_key(ADMIN_USERNAME, "sk-ant-admin01-"))
    with demo_sim(now.date()) as sim:
        async with httpx.AsyncClient(trust_env=False) as http:
            client = AnthropicClient(http, timeout=5.0, admin_base_url=sim.base_url)
            [record] = [
                r
                for r in await client.list_api_keys(admin)
                if r.name == name.lower().replace("_", "-")
            ]
            start = floor_hour(now) - 47 * H
            hourly = (await client.hourly_usage(admin, start, floor_hour(now) + H))[record.id]
            daily = (await client.daily_usage(admin, start - 6 * 24 * H))[record.id]
    assert max(hourly) == floor_hour(now)  # this hour has usage; no later one
    assert len([n for n in hourly.values() if n]) == 48  # every hour, not one a day
    last_3h = sum(n for hour, n in hourly.items() if hour > now - 3 * H)
    assert last_3h > 0
    assert daily[now.date()] == demo_usage(name)[0]
    assert daily[now.date() - dt.timedelta(days=1)] == demo_usage(name)[1]


def test_the_report_says_when_the_old_keys_401_was_not_confirmed() -> None:
    """A revoke without the old value at hand is not confirmed: the report does not say plainly
    "revoked" (the class of walk s13 1.9: say what was checked, no more)."""
    from rotui.core.runs import Run, StepRecord

    run = Run(
        run_id="20261126T120000Z-abcdef",
        key=NAME,
        kind="emergency",
        steps=["deactivate"],
        started_at=NOW.isoformat(),
        actor="op@host",
    )
    run.step = {"deactivate": StepRecord()}
    run.facts.revoked_at, run.facts.revoke_method = NOW.isoformat(), "admin-api"
    assert "; its 401 NOT confirmed" not in incident_report(run, [])
    run.facts.revoke_unconfirmed = True
    line = next(x for x in incident_report(run, []).splitlines() if "Old key revoked" in x)
    assert line.endswith("(admin-api); its 401 NOT confirmed"), line


def test_no_tokens_is_said_only_of_hours_that_have_ended() -> None:
    """At 11:01, with propagation done at 10:20, "It used no tokens in the hours since 11:00"
    rested on one unfinished minute of a report that lags by minutes (review s14 4)."""
    from rotui.core.rotation.revoke import AfterPropagation

    finished = dt.datetime(2026, 11, 26, 10, 20, tzinfo=dt.UTC)
    after = AfterPropagation.starting(finished)
    early = dataclasses.replace(after, tokens=0, now=finished.replace(hour=11, minute=1))
    assert early.line() == (
        "None reported yet from 11:00 to 11:01 UTC: the hour is not over and the usage report "
        "lags by minutes (propagation finished at 10:20 UTC)."
    )
    later = dataclasses.replace(after, tokens=0, now=finished.replace(hour=13, minute=5))
    assert later.line() == (
        "It used no tokens from 11:00 to 13:00 UTC, the whole hours (propagation finished at "
        "10:20 UTC)."
    )
