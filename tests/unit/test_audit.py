"""The audit log: append-only, hash-chained, secrets only as keyed fingerprints."""

from __future__ import annotations

import datetime as dt
import json
import stat

import pytest

from rotui.core.audit import AuditLog
from rotui.core.errors import StateError
from rotui.core.secret import Secret
from rotui.demo import fake_key

T0 = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)


def make(tmp_path) -> AuditLog:
    return AuditLog(tmp_path / "data", actor="alice@bastion", clock=lambda: T0)


def test_entries_chain_and_verify(tmp_path) -> None:
    log = make(tmp_path)
    first = log.append("secret.rotate.started", key="K", run_id="r1")
    second = log.append(
        "secret.rotate.completed", key="K", run_id="r1", context={"method": "admin-api"}
    )
    assert second.prev == first.hash and first.prev == "0" * 64
    report = log.verify()
    assert report.ok and report.entries == 2
    entries = log.entries()
    assert [e.action for e in entries] == ["secret.rotate.started", "secret.rotate.completed"]
    assert entries[1].actor == "alice@bastion" and entries[1].context == {"method": "admin-api"}
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600


@pytest.mark.parametrize("tamper", ["edit", "delete", "reorder", "garbage"])
def test_tampering_is_detected_with_its_line(tmp_path, tamper: str) -> None:
    log = make(tmp_path)
    for i in range(4):
        log.append("key.validated", key=f"K{i}", context={"status": "valid"})
    lines = log.path.read_text().splitlines()
    if tamper == "edit":
        entry = json.loads(lines[1])
        entry["context"]["status"] = "invalid"
        lines[1] = json.dumps(entry)
    elif tamper == "delete":
        del lines[1]
    elif tamper == "reorder":
        lines[1], lines[2] = lines[2], lines[1]
    else:
        lines[2] = "{not json"
    log.path.write_text("\n".join(lines) + "\n")
    report = log.verify()
    assert not report.ok and report.line == 2 + (tamper == "garbage")
    assert report.problem


def test_secrets_only_as_keyed_fingerprints(tmp_path) -> None:
    log = make(tmp_path)
    value = fake_key("audit")
    fingerprint = log.fingerprint(Secret(value))
    other_install = AuditLog(tmp_path / "other", clock=lambda: T0).fingerprint(Secret(value))
    assert fingerprint.startswith("hmac-sha256:") and fingerprint != other_install
    log.append(
        "secret.rotate.pending_stored", key="K", context={"fingerprint": fingerprint, "oops": value}
    )
    text = log.path.read_text()
    assert value not in text  # even a value passed by mistake is redacted
    assert stat.S_IMODE((tmp_path / "data" / "install.key").stat().st_mode) == 0o600


def test_an_unwritable_log_stops_the_caller(tmp_path, monkeypatch) -> None:
    log = make(tmp_path)
    log.append("first")
    import os

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(StateError, match="not carried out"):
        log.append("secret.rotate.revoke.started")


def test_many_entries_are_written_in_batches_and_chain(tmp_path) -> None:
    from rotui.core.audit import WRITE_BATCH

    log = make(tmp_path)
    log.append("first", key="K")
    count = 2 * WRITE_BATCH + 3  # three batches, the last one partial
    written = log.append_many(("key.validated", f"K{i}", None, {"n": i}) for i in range(count))
    assert written == count
    report = log.verify()
    assert report.ok and report.entries == count + 1
    assert [e.context["n"] for e in log.entries()[1:]] == list(range(count))
