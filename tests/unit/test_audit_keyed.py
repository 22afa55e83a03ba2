"""The audit chain holds against someone who can write the log but lacks the installation key."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import io
import json
import os
from pathlib import Path

import pytest

from rotui import cli
from rotui.core.audit import AuditLog, entry_hash
from rotui.core.errors import StateError
from rotui.paths import Paths

T0 = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)


def make(root: Path) -> AuditLog:
    return AuditLog(root / "data", actor="alice@bastion", clock=lambda: T0)


def filled(root: Path, count: int = 5) -> AuditLog:
    log = make(root)
    for i in range(count):
        log.append("key.validated", key=f"K{i}", context={"status": "valid"})
    return log


def lines(log: AuditLog) -> list[str]:
    return log.path.read_text().splitlines()


def test_a_fresh_chain_is_keyed_and_anchored(tmp_path: Path) -> None:
    log = filled(tmp_path, 3)
    records = [json.loads(line) for line in lines(log)]
    assert [r["seq"] for r in records] == [1, 2, 3]
    assert {r["chain"] for r in records} == {"hmac-sha256"}
    anchor = json.loads(log.anchor_path.read_text())
    assert anchor["seq"] == 3 and anchor["head"] == records[-1]["hash"]
    assert oct(log.anchor_path.stat().st_mode & 0o777) == "0o600"
    report = log.verify()
    assert report.ok and report.entries == 3 and report.summary == "chain intact: 3 entries"


def test_truncation_is_detected(tmp_path: Path) -> None:
    log = filled(tmp_path, 5)
    log.path.write_text("\n".join(lines(log)[:3]) + "\n")  # whole lines cut off the end
    report = log.verify()
    assert not report.ok and report.kind == "truncated"
    assert "truncated" in report.problem and "after entry 3" in report.problem
    assert "5 entries" in report.problem


def test_rewrite_and_rehash_is_detected(tmp_path: Path) -> None:
    """The attacker edits entry 2 and recomputes every link with SHA-256, as the old chain allowed."""
    log = filled(tmp_path, 4)
    records = [json.loads(line) for line in lines(log)]
    records[1]["context"]["status"] = "invalid"
    prev = records[0]["hash"]
    for record in records[1:]:
        record["prev"] = prev
        body = {k: v for k, v in record.items() if k != "hash"}
        record["hash"] = prev = hashlib.sha256(
            json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
    log.path.write_text("".join(json.dumps(r) + "\n" for r in records))
    report = log.verify()
    assert not report.ok and report.kind == "rewritten" and report.line == 2
    assert "rewritten at entry 2" in report.problem


def test_rewritten_as_a_legacy_chain_is_detected(tmp_path: Path) -> None:
    """Stripping seq/chain to pass as an old unkeyed log does not fool the anchor."""
    log = filled(tmp_path, 3)
    prev, out = "0" * 64, []
    for line in lines(log):
        record = json.loads(line)
        body = {k: record[k] for k in ("ts", "action", "actor", "run_id", "key", "context")}
        body["prev"] = prev
        prev = entry_hash(body)
        out.append(json.dumps({**body, "hash": prev}) + "\n")
    log.path.write_text("".join(out))
    report = log.verify()
    assert not report.ok and report.kind == "rewritten" and "entry 3" in report.problem


def test_a_removed_anchor_is_reported(tmp_path: Path) -> None:
    log = filled(tmp_path, 3)
    log.anchor_path.unlink()
    report = log.verify()
    assert not report.ok and report.kind == "anchor-missing"
    assert report.problem.startswith("anchor missing")


def test_a_forged_anchor_is_reported(tmp_path: Path) -> None:
    log = filled(tmp_path, 3)
    log.path.write_text("\n".join(lines(log)[:2]) + "\n")
    records = [json.loads(line) for line in lines(log)]
    log.anchor_path.write_text(json.dumps({"seq": 2, "head": records[-1]["hash"], "mac": "0" * 64}))
    report = log.verify()
    assert not report.ok and report.kind == "anchor-damaged"


def test_appending_after_a_truncation_keeps_the_evidence(tmp_path: Path) -> None:
    """A later append must not re-anchor a cut log and make it verify again."""
    log = filled(tmp_path, 5)
    log.path.write_text("\n".join(lines(log)[:2]) + "\n")
    log.append("key.validated", key="K9")
    actions = [json.loads(line)["action"] for line in lines(log)]
    assert actions[2] == "audit.chain.break"
    report = log.verify()
    assert not report.ok and report.kind == "truncated" and "entry 3" in report.problem


def write_legacy_log(log: AuditLog, count: int) -> None:
    log.path.parent.mkdir(parents=True, exist_ok=True)
    prev, out = "0" * 64, []
    for i in range(count):
        body = {
            "ts": T0.isoformat(),
            "action": "key.validated",
            "actor": "bob@old",
            "run_id": None,
            "key": f"K{i}",
            "context": {},
            "prev": prev,
        }
        prev = entry_hash(body)
        out.append(json.dumps({**body, "hash": prev}) + "\n")
    log.path.write_text("".join(out))


def test_a_legacy_log_stays_readable_and_is_continued_keyed(tmp_path: Path) -> None:
    log = make(tmp_path)
    write_legacy_log(log, 3)
    report = log.verify()
    assert report.ok and report.legacy == 3
    assert "legacy unkeyed chain" in report.summary
    log.append("key.validated", key="K3")
    records = [json.loads(line) for line in lines(log)]
    assert records[3]["action"] == "audit.chain.keyed"
    assert records[3]["context"] == {"legacy_entries": 3} and records[3]["seq"] == 4
    assert records[4]["seq"] == 5
    report = log.verify()
    assert report.ok and report.entries == 5 and report.legacy == 3
    assert [e.key for e in log.entries()][:3] == ["K0", "K1", "K2"]


@pytest.mark.parametrize("content", [b"", b"\x01" * 8])
def test_an_empty_or_short_key_is_refused(tmp_path: Path, content: bytes) -> None:
    log = make(tmp_path)
    log.path.parent.mkdir(parents=True)
    (log.path.parent / "install.key").write_bytes(content)
    with pytest.raises(StateError, match=r"installation key .* is damaged"):
        log.append("key.validated")
    assert not log.path.exists()
    assert not log.verify().ok


class FullDisk(io.FileIO):
    """A file whose writes fail as on a full disk (the file itself is created, as it would be)."""

    def write(self, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_at_the_first_key_write_leaves_no_key(tmp_path: Path, monkeypatch) -> None:
    log = make(tmp_path)
    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: FullDisk(fd, "wb"))
    with pytest.raises(StateError, match="installation key"):
        log.append("key.validated")
    monkeypatch.undo()
    folder = log.path.parent
    assert not (folder / "install.key").exists()  # no empty key left to be used later
    assert [p.name for p in folder.iterdir() if "install" in p.name] == []
    log.append("key.validated")  # room again: a whole key is made and used
    assert len((folder / "install.key").read_bytes()) == 32
    assert log.verify().ok


def test_cli_verify_says_truncated(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path)
    log = AuditLog(paths.data_dir, actor="a@b", clock=lambda: T0)
    for i in range(4):
        log.append("key.validated", key=f"K{i}")
    log.path.write_text("\n".join(lines(log)[:2]) + "\n")
    out, err = io.StringIO(), io.StringIO()
    ctx = cli.Context(paths=paths, stdout=out, stderr=err, environ={})
    code = cli.run(cli.build_parser().parse_args(["audit", "--verify"]), ctx)
    assert code == 1
    assert "truncated" in out.getvalue() and "4 entries" in out.getvalue()


def test_an_append_while_verifying_is_not_a_truncation(tmp_path: Path, monkeypatch) -> None:
    """The live timeline verifies while a rotation appends: the anchor is read before the log."""
    log = filled(tmp_path, 2)
    real_read = Path.read_bytes
    appended = False

    def read_then_append(self: Path) -> bytes:
        nonlocal appended
        data = real_read(self)
        if self == log.path and not appended:
            appended = True
            log.append("key.validated", key="racing")  # lands after the log was read
        return data

    monkeypatch.setattr(Path, "read_bytes", read_then_append)
    report = log.verify()
    assert appended and report.ok, report.summary
