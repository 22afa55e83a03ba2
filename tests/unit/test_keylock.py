"""KeyLock: one driver per key; a record left by a dead holder is a stale lock, never ignored."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from rotui.core.errors import RotuiError, StateError
from rotui.core.runs import Holder, KeyLock, StaleLock

NOW = dt.datetime(2026, 11, 26, 4, 0, tzinfo=dt.UTC)
DEAD = {"actor": "bob@jump", "pid": 999999, "host": "jump", "since": "2026-11-26T03:00:00+00:00"}


def left_by_a_dead_holder(tmp_path) -> KeyLock:
    """The record a SIGKILLed holder leaves: its info in the file, its flock gone with it."""
    lock = KeyLock(tmp_path, "K")
    lock.path.parent.mkdir(parents=True)
    lock.path.write_text(json.dumps(DEAD))
    return lock


def test_a_released_lock_leaves_no_record(tmp_path) -> None:
    lock = KeyLock(tmp_path, "K")
    with lock.held_by("alice@bastion", NOW):
        assert lock.holder() == Holder(
            "alice@bastion", lock.holder().pid, lock.holder().host, NOW.isoformat()
        )
    assert lock.holder() is None
    KeyLock(tmp_path, "K").acquire("carol@bastion", NOW)  # no stale lock: taken at once


def test_a_live_holder_refuses_a_second_driver(tmp_path) -> None:
    first = KeyLock(tmp_path, "K")
    first.acquire("alice@bastion", NOW)
    with pytest.raises(RotuiError, match="being driven by another rotui") as refused:
        KeyLock(tmp_path, "K").acquire("carol@bastion", NOW, take_over=True)
    assert "alice@bastion" in refused.value.message and not isinstance(refused.value, StaleLock)
    first.release()


def test_a_dead_holders_record_is_a_stale_lock(tmp_path) -> None:
    lock = left_by_a_dead_holder(tmp_path)
    with pytest.raises(StaleLock) as stale:
        lock.acquire("carol@bastion", NOW)
    assert stale.value.holder == Holder(**DEAD)
    assert "bob@jump (pid 999999 on jump) since 2026-11-26 03:00 UTC" in stale.value.message
    assert json.loads(lock.path.read_text()) == DEAD  # refused: nothing changed
    taken: list[Holder] = []
    lock.acquire("carol@bastion", NOW, take_over=True, on_take_over=taken.append)
    assert taken == [Holder(**DEAD)] and lock.previous == Holder(**DEAD)
    assert lock.holder().actor == "carol@bastion"
    lock.release()


def test_a_takeover_that_cannot_be_audited_leaves_the_stale_record(tmp_path) -> None:
    lock = left_by_a_dead_holder(tmp_path)

    def audit_fails(_: Holder) -> None:
        raise StateError("cannot write the audit log", "the disk is full")

    with pytest.raises(StateError):
        lock.acquire("carol@bastion", NOW, take_over=True, on_take_over=audit_fails)
    assert json.loads(lock.path.read_text()) == DEAD
    with pytest.raises(StaleLock):  # the next driver is still asked
        KeyLock(tmp_path, "K").acquire("carol@bastion", NOW)
