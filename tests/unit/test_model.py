"""Key age, due date and freshness: the boundaries an operator relies on."""

from __future__ import annotations

import datetime as dt

import pytest

from rotui.core.model import (
    Config,
    Freshness,
    ManagedKey,
    RemoteKey,
    Settings,
    ValidationResult,
    ValidationStatus,
    key_age,
)
from rotui.core.overview import build_rows

TODAY = dt.date(2026, 11, 26)
SETTINGS = Settings(cadence_days=90, warn_days=14)


def created(days_ago: int) -> dt.datetime:
    return dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(23, 30), dt.UTC)


@pytest.mark.parametrize(
    ("days_ago", "freshness", "due_in"),
    [
        (0, Freshness.FRESH, 90),
        (75, Freshness.FRESH, 15),
        (76, Freshness.DUE_SOON, 14),  # the first day of the warning window
        (90, Freshness.DUE_SOON, 0),  # due today is not overdue yet
        (91, Freshness.OVERDUE, -1),
    ],
)
def test_freshness_boundaries(days_ago: int, freshness: Freshness, due_in: int) -> None:
    age = key_age(ManagedKey("K", created=created(days_ago)), SETTINGS, TODAY)
    assert (age.freshness, age.due_in_days, age.age_days) == (freshness, due_in, days_ago)
    assert age.due == TODAY + dt.timedelta(days=due_in)


def test_per_key_cadence_overrides_the_default() -> None:
    age = key_age(ManagedKey("K", created=created(40), cadence_days=30), SETTINGS, TODAY)
    assert age.freshness is Freshness.OVERDUE and age.due_in_days == -10


def test_unknown_creation_is_unknown() -> None:
    age = key_age(ManagedKey("K"), SETTINGS, TODAY)
    assert age.freshness is Freshness.UNKNOWN and age.age_days is None and age.due is None


def test_remote_created_at_wins_over_config_only_for_the_same_key() -> None:
    key = ManagedKey("K", created=created(100))
    remote = RemoteKey("apikey_1", "k", "active", "sk-ant-api03-abc...wxyz", created(10))
    same = ValidationResult(
        "K", ValidationStatus.VALID, dt.datetime.now(dt.UTC), hint="sk-ant-api03-abc…wxyz"
    )
    other = ValidationResult(
        "K", ValidationStatus.VALID, dt.datetime.now(dt.UTC), hint="sk-ant-api03-def…0000"
    )
    config = Config(settings=SETTINGS, keys=(key,))
    [row] = build_rows(config, {"K": same}, {"K": remote}, TODAY)
    assert row.age.age_days == 10 and row.remote == remote
    [row] = build_rows(config, {"K": other}, {"K": remote}, TODAY)
    assert row.age.age_days == 100 and row.remote is None


def test_naive_times_in_saved_results_are_utc() -> None:
    result = ValidationResult.from_dict(
        {"key": "K", "status": "valid", "checked_at": "2026-11-25T10:00:00"}
    )
    assert result.checked_at.tzinfo is not None


def _row_with_usage(days: list[int], status: str = "active"):
    from rotui.core.overview import KeyRow

    usage = {TODAY - dt.timedelta(days=i): n for i, n in enumerate(days)}
    remote = RemoteKey("apikey_1", "k", status, "h", None)
    return KeyRow(
        ManagedKey("K"),
        key_age(ManagedKey("K"), SETTINGS, TODAY),
        None,
        None,
        remote=remote,
        usage=usage,
    )


def test_usage_spike_over_three_times_the_median_is_flagged() -> None:
    assert _row_with_usage([100, 100, 90, 110, 100, 95, 105]).usage_alert is None
    alert = _row_with_usage([400, 100, 90, 110, 100, 95, 105]).usage_alert
    assert alert and "over 3× the 7-day median (100)" in alert
    assert _row_with_usage([0, 0, 0, 0, 0, 0, 0]).usage_alert is None


def test_any_usage_on_an_inactive_key_is_flagged() -> None:
    alert = _row_with_usage([5, 100, 100, 100, 100, 100, 100], status="inactive").usage_alert
    assert alert and "inactive or being revoked" in alert
