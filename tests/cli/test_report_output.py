"""``rotui report -o FILE`` writes a new file 0600: never over a file, through a link or into a FIFO."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from rotui import cli
from rotui.paths import Paths

REPORT = "# Incident report\n\nno secret here\n"


@pytest.fixture(autouse=True)
def a_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The report's content is another test's business; here only where it goes matters."""
    monkeypatch.setattr("rotui.core.runs.RunStore.load", lambda self, run_id: object())
    monkeypatch.setattr("rotui.cli.commands.report.known_run", lambda store, run_id: True)
    monkeypatch.setattr("rotui.core.report.incident_report", lambda run, entries: REPORT)


def report(tmp_path: Path, output: Path) -> tuple[int, str]:
    err = io.StringIO()
    ctx = cli.Context(paths=Paths.under(tmp_path / "r"), stdout=io.StringIO(), stderr=err)
    code = cli.run(cli.build_parser().parse_args(["report", "run-1", "-o", str(output)]), ctx)
    return code, err.getvalue()


def test_written_0600_to_a_new_file(tmp_path: Path) -> None:
    target = tmp_path / "incident.md"
    old = os.umask(0o022)
    try:
        code, err = report(tmp_path, target)
    finally:
        os.umask(old)
    assert code == 0 and target.read_text() == REPORT and f"wrote {target}" in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_an_existing_file_is_refused_and_kept_as_import_and_init_do(tmp_path: Path) -> None:
    target = tmp_path / "incident.md"
    target.write_text("yesterday's report\n")
    target.chmod(0o644)
    code, err = report(tmp_path, target)
    assert code == 2 and "already exists" in err and "not overwriting" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert target.read_text() == "yesterday's report\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # not even its mode changed


def test_a_symlink_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep me\n")
    link = tmp_path / "incident.md"
    link.symlink_to(victim)
    code, err = report(tmp_path, link)
    assert code == 2 and "already exists" in err and "Traceback" not in err
    assert victim.read_text() == "keep me\n" and link.is_symlink()
    dangling = tmp_path / "dangling.md"  # a link to nowhere is not written through either
    dangling.symlink_to(tmp_path / "planted")
    code, err = report(tmp_path, dangling)
    assert code == 2 and not (tmp_path / "planted").exists()


def test_a_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "incident.md"
    os.mkfifo(fifo)
    code, err = report(tmp_path, fifo)
    assert code == 2 and "already exists" in err and stat.S_ISFIFO(fifo.stat().st_mode)
