"""A big holders scan: files sifted by child processes, matched here, the same findings as before.

The speed itself is measured by ``make bench`` (figure 7), never here; these tests pin what the
faster scan must keep: every holder and every skipped place of a scan read in one process, no
value or environment given to a child, a failed child's files read here, the files sifted while
the keyring is still answering, and no HTTP client imported when only files are scanned.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rotui.config import parse_config
from rotui.core.audit import AuditLog
from rotui.core.holders import files, sift
from rotui.core.holders.model import Held, Progress, ScanReport, Status
from rotui.core.holders.scan import ScanRequest, scan
from rotui.core.secret import MemoryKeyring, SecretStore
from rotui.demo import fake_key

KEY = "ANTHROPIC_API_KEY"
CURRENT = fake_key("sift-current")
PREVIOUS = fake_key("sift-previous")
STRAY = fake_key("sift-stray")
FILES = (files.SIFT_AFTER + 4) * files.BATCH  # most of them past the batches read here


def big_tree(root: Path) -> int:
    """``FILES`` places in 7 folders; every 40th is a holder, a binary, an oversize file, ..."""
    planted = 0
    for n in range(FILES):
        folder = root / f"d{n % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"f{n:05d}.env"
        kind = n % 40
        if n == FILES - 1:  # a name that is no UTF-8, in a batch a child sifts
            path = folder / os.fsdecode(b"f\xff\xfe.env")
            path.write_text(f"{KEY}={CURRENT}\n")
            planted += 1
        elif kind == 0:
            value = (CURRENT, PREVIOUS, STRAY)[planted % 3]
            path.write_text(f"A=1\n{KEY}={value}\nB=2\n")
            planted += 1
        elif kind == 1:
            path.write_bytes(b"\0\1" + CURRENT.encode())  # binary: skipped, never matched
        elif kind == 2:
            path.write_text("x" * 5000)  # over max_file_bytes
        elif kind == 3:
            os.mkfifo(path)
        elif kind == 4:
            path.symlink_to(folder / "nowhere")
        elif kind == 5:
            path.write_text("sk-ant-but-not-a-key\n")  # a candidate that is no key
        else:
            path.write_text(f"SETTING_{n}=value-{n}\n")
    return planted


def request_for(tmp_path: Path, root: Path, keyring: MemoryKeyring, **more: Any) -> ScanRequest:
    config = parse_config(
        f'[holders]\npaths = ["{root}"]\nmax_file_bytes = 4096\nheroku = false\n'
        f'infisical = false\ngithub = false\n[[keys]]\nname = "{KEY}"\n'
    )
    return ScanRequest(
        config=config,
        store=SecretStore(keyring, environ={}),
        audit=AuditLog(tmp_path / "data"),
        http=more.pop("http"),
        home=tmp_path / "home",
        **more,
    )


def keyring_with_values() -> MemoryKeyring:
    keyring = MemoryKeyring()
    keyring.set_password("rotui", KEY, CURRENT)
    keyring.set_password("rotui", f"{KEY}#previous", PREVIOUS)
    return keyring


async def scan_dict(tmp_path: Path, root: Path) -> dict[str, object]:
    async with httpx.AsyncClient() as http:
        report = await scan(request_for(tmp_path, root, keyring_with_values(), http=http))
    out = report.to_dict()
    out.pop("elapsed_seconds")
    return out


class Recorded(subprocess.Popen[bytes]):
    """``subprocess.Popen`` that keeps each child's argv and environment for the test."""

    started: list[tuple[list[str], dict[str, str] | None]] = []

    def __init__(self, args: list[str], **kwargs: Any) -> None:
        Recorded.started.append((list(args), kwargs.get("env")))
        super().__init__(args, **kwargs)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], dict[str, str] | None]]:
    Recorded.started = []
    monkeypatch.setattr(files.subprocess, "Popen", Recorded)
    monkeypatch.setattr(files, "sifting_children", lambda workers: 2)  # even on one core
    return Recorded.started


async def test_a_big_tree_is_sifted_by_children_and_finds_what_one_process_finds(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    recorded: list[tuple[list[str], dict[str, str] | None]],
) -> None:
    root = tmp_path / "tree"
    planted = big_tree(root)
    sifted = await scan_dict(tmp_path, root)
    assert len(recorded) == 2  # the children did the sifting
    for argv, env in recorded:
        assert env == {}  # no token, no key, nothing of the parent's environment
        assert argv[-1] == "4096" and not any("sk-ant-" in a for a in argv)
    monkeypatch.setattr(files, "SIFT_AFTER", 10**9)  # the same scan, read in this process only
    recorded.clear()
    alone = await scan_dict(tmp_path, root)
    assert not recorded
    assert sifted == alone
    findings = sifted["findings"]
    assert isinstance(findings, list) and len(findings) == planted
    assert {(f["held"], f["status"]) for f in findings} == {
        (str(Held.CURRENT), str(Status.UNMANAGED)),
        (str(Held.PREVIOUS), str(Status.STALE)),
        (str(Held.UNKNOWN), str(Status.UNKNOWN)),
    }
    each = [sum(1 for n in range(FILES) if n % 40 == kind) for kind in (1, 2, 3, 4)]
    assert sifted["places"] == FILES
    assert sifted["skipped"] == dict(
        zip(
            ("binary", "over 4096 bytes", "not a regular file", "dangling symlink"),
            each,
            strict=True,
        )
    )


async def test_a_child_that_fails_leaves_its_files_to_this_process(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    recorded: list[tuple[list[str], dict[str, str] | None]],
) -> None:
    root = tmp_path / "tree"
    big_tree(root)
    monkeypatch.setattr(files, "SIFT_AFTER", 10**9)
    alone = await scan_dict(tmp_path, root)
    monkeypatch.undo()
    monkeypatch.setattr(files.subprocess, "Popen", Recorded)
    monkeypatch.setattr(files, "sifting_children", lambda workers: 2)
    dies = [sys.executable, "-c", "import sys; sys.stdin.buffer.read(6)"]  # reads, answers nothing
    monkeypatch.setattr(files.Sifters, "command", lambda self: dies)
    assert await scan_dict(tmp_path, root) == alone
    assert len(recorded) == 2


async def test_files_are_sifted_while_the_keyring_is_still_answering(tmp_path: Path) -> None:
    """A keyring that answers only once files were sifted: the scan does not wait for it first."""
    root = tmp_path / "tree"
    root.mkdir()
    (root / "a.env").write_text(f"{KEY}={CURRENT}\n")
    sifted = threading.Event()
    answered_after_sifting: list[bool] = []

    class SlowKeyring(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            answered_after_sifting.append(sifted.wait(timeout=4))  # under KEYRING_TIMEOUT
            return super().get_password(service, username)

    keyring = SlowKeyring()
    keyring.set_password("rotui", KEY, CURRENT)

    def progress(p: Progress) -> None:
        if p.source == "files" and p.done:
            sifted.set()

    async with httpx.AsyncClient() as http:
        report = await scan(request_for(tmp_path, root, keyring, http=http, on_progress=progress))
    assert answered_after_sifting and all(answered_after_sifting)
    assert [(f.held, f.status) for f in report.findings] == [(Held.CURRENT, Status.UNMANAGED)]


async def test_a_scan_that_fails_stops_its_sifting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sifting thread ends with the scan, not after reading the whole tree."""
    root = tmp_path / "tree"
    big_tree(root)
    walked: list[str] = []
    walk = files.walk

    def counting(*args: Any) -> Any:
        for path in walk(*args):
            walked.append(path)
            yield path

    monkeypatch.setattr(files, "walk", counting)

    class Broken(AuditLog):
        def installation_key(self) -> bytes:
            raise RuntimeError("the audit is gone")

    async with httpx.AsyncClient() as http:
        request = request_for(tmp_path, root, keyring_with_values(), http=http)
        request.audit = Broken(tmp_path / "data")
        with pytest.raises(RuntimeError, match="the audit is gone"):
            await scan(request)
        settled = len(walked)
    assert settled < FILES  # the scan returned once its sifting had stopped, early


@given(
    st.lists(
        st.one_of(st.binary(max_size=40), st.sampled_from([b"sk-ant-", b"sk-an", b"k-ant-"])),
        max_size=8,
    )
)
def test_the_prefix_search_answers_as_bytes_containment(parts: list[bytes]) -> None:
    data = b"".join(parts)
    assert sift.holds_prefix(data) is (b"sk-ant-" in data)


def test_a_files_only_scan_imports_no_http_client(
    tmp_path: Path, child_env: dict[str, str]
) -> None:
    """httpx and the rotation engine cost a tenth of a second to import: not when unused."""
    root = tmp_path / "tree"
    root.mkdir()
    (root / "a.env").write_text(f"{KEY}={CURRENT}\n")
    config = tmp_path / "rotui.toml"
    config.write_text(
        f'[holders]\npaths = ["{root}"]\n[[keys]]\nname = "{KEY}"\nsource = "env:K"\n'
    )
    config.chmod(0o600)
    code = (
        "import sys\n"
        "from rotui.cli.entry import main\n"
        f"sys.argv = ['rotui', '--config', {str(config)!r}, 'holders', '--json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('httpx' in sys.modules, 'rotui.core.rotation' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**child_env, "K": CURRENT},
    )
    assert '"findings"' in done.stdout and "unmanaged" in done.stdout, done.stderr
    assert CURRENT not in done.stdout + done.stderr
    assert done.stderr.splitlines()[-1] == "False False"


def test_a_report_merged_in_keeps_counts_and_the_first_places(tmp_path: Path) -> None:
    into, part = ScanReport(places=3), ScanReport(places=70)
    for n in range(60):
        part.skip(f"p{n}", "binary")
    into.skip("first", "vanished")
    into.merge(part)
    assert into.places == 73
    assert into.skipped == {"binary": 60, "vanished": 1}
    assert [w for w, _ in into.skipped_places][:3] == ["first", "p0", "p1"]
    assert len(into.skipped_places) == 50


async def test_a_holder_whose_file_name_is_no_utf8_is_audited_with_the_bytes_escaped(
    tmp_path: Path,
) -> None:
    """The audit entry failed to encode the name (an internal error); now it names the file."""
    root = tmp_path / "tree"
    root.mkdir()
    (root / os.fsdecode(b"k\xff.env")).write_text(f"{KEY}={CURRENT}\n")
    async with httpx.AsyncClient() as http:
        report = await scan(request_for(tmp_path, root, keyring_with_values(), http=http))
    assert [(f.held, f.status) for f in report.findings] == [(Held.CURRENT, Status.UNMANAGED)]
    entry = AuditLog(tmp_path / "data").entries()[-1]
    assert entry.context["found"][0]["place"] == f"file {root}/k\\xff.env:1 · {KEY}"
    assert CURRENT not in str(entry.body())
