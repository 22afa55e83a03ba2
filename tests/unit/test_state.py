"""Persisted state: atomic, private, bounded, and tolerant of a damaged file."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest

from rotui.core.errors import StateError
from rotui.core.model import RemoteKey, ValidationResult, ValidationStatus
from rotui.paths import atomic_write
from rotui.state import HISTORY_LIMIT, StateStore

T0 = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def result(
    key: str, minutes: int, status: ValidationStatus = ValidationStatus.VALID
) -> ValidationResult:
    return ValidationResult(
        key=key,
        status=status,
        checked_at=T0 + dt.timedelta(minutes=minutes),
        hint="sk-ant-api03-abc…wxAA",
        ratelimits={"anthropic-ratelimit-requests-limit": "50"},
    )


def test_results_round_trip_with_remote_records(tmp_path) -> None:
    store = StateStore(tmp_path / "state")
    remote = RemoteKey("apikey_01", "prod", "active", "sk-ant-api03-abc...wxAA", T0, "wrkspc_1")
    store.record([result("A", 0), result("B", 1, ValidationStatus.INVALID)], {"A": remote})
    snap = StateStore(tmp_path / "state").load()
    assert snap.results["A"] == result("A", 0)
    assert snap.results["B"].status is ValidationStatus.INVALID
    assert snap.remote == {"A": remote} and snap.warnings == []


def test_history_keeps_the_last_50_oldest_first(tmp_path) -> None:
    store = StateStore(tmp_path / "state")
    for minute in range(HISTORY_LIMIT + 7):
        store.record([result("A/with slash", minute)])
    history = store.history("A/with slash")
    assert len(history) == HISTORY_LIMIT
    assert history[0].checked_at == T0 + dt.timedelta(minutes=7)
    assert history[-1].checked_at == T0 + dt.timedelta(minutes=HISTORY_LIMIT + 6)
    assert store.history("never") == []


def test_files_are_0600_in_0700_dirs(tmp_path) -> None:
    store = StateStore(tmp_path / "state")
    store.record([result("A", 0)])
    for path in (tmp_path / "state").rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700


def test_a_damaged_file_warns_and_is_rewritten(tmp_path) -> None:
    store = StateStore(tmp_path / "state")
    store.record([result("A", 0)])
    store.latest_path.write_text("{not json")
    snap = store.load()
    assert snap.results == {} and "damaged" in snap.warnings[0]
    store.record([result("B", 1)])
    assert set(store.load().results) == {"B"}


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch) -> None:
    target = tmp_path / "d" / "f.json"
    atomic_write(target, b"old")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(StateError, match="disk is full"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in target.parent.iterdir()] == ["f.json"]


def test_the_state_file_is_json_whatever_the_key_names(tmp_path) -> None:
    import json

    names = ['A "quoted" key', "ключ", "back\\slash", "tab\there"]
    store = StateStore(tmp_path / "state")
    store.record([result(name, i) for i, name in enumerate(names)])
    document = json.loads(store.latest_path.read_text())
    assert sorted(document["results"]) == sorted(names)
    assert StateStore(tmp_path / "state").load().results == {
        name: result(name, i) for i, name in enumerate(names)
    }


def test_a_failing_chunk_stream_leaves_the_old_file_and_no_temp(tmp_path) -> None:
    target = tmp_path / "state" / "doc.json"
    atomic_write(target, b"old")

    def chunks():
        yield b"new, half"
        raise RuntimeError("the document could not be built")

    with pytest.raises(RuntimeError):
        atomic_write(target, chunks())
    assert target.read_bytes() == b"old"
    assert [p.name for p in target.parent.iterdir()] == ["doc.json"]
