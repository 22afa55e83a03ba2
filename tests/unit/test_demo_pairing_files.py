"""A followed demo's end: what the observer is told of its files is what is on disk.

Walk s14 1.6: after `kill -9` of the demo, the observer said "its files are gone" while they
stayed in $TMPDIR/rotui-demo-<uid> until the next demo started.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rotui.demo import pairing
from rotui.demo.pairing import RunningDemo, demo_home, find_running_demo, followed_ended
from rotui.demo.run import watch_followed


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))  # $TMPDIR, as the demo reads it
    return demo_home()


@pytest.fixture
def process() -> Iterator[subprocess.Popen[bytes]]:
    """A process standing in for a running demo (killed by the test, or at its end)."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield child
    child.kill()
    child.wait()


def files_of(home: Path, pid: int) -> RunningDemo:
    """A demo's files as `rotui demo` leaves them: its directory named with its pid, a config."""
    demo = RunningDemo(home / f"demo-{pid}-abc123", pid)
    demo.config_path.parent.mkdir(parents=True)
    demo.config_path.write_text("# the demo's configuration\n")
    (demo.paths.state_dir).mkdir()
    (demo.paths.state_dir / "state.json").write_text("{}")
    return demo


class FakeApp:
    """What watch_followed needs of the observer's app: a thread-safe call, here recorded."""

    def __init__(self) -> None:
        self.message: str | None = None
        self.exited = threading.Event()

    def call_from_thread(self, callback: Callable[..., Any], **kwargs: Any) -> None:
        self.message = kwargs["message"]
        self.exited.set()

    def exit(self, message: str) -> None:  # called through call_from_thread, recorded there
        raise AssertionError("called directly, off the app's thread")


def test_after_kill_9_the_observer_says_what_is_so_of_its_files(
    home: Path, process: subprocess.Popen[bytes]
) -> None:
    demo = files_of(home, process.pid)
    assert find_running_demo() == demo  # followed while it runs
    app = FakeApp()
    stop = watch_followed(app, demo, interval=0.01)
    try:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert app.exited.wait(30), "the observer never heard the end"
    finally:
        stop.set()
    said = str(app.message)
    assert f"the demo you follow (process {process.pid}) has ended" in said, said
    assert "its files are gone" in said and not demo.root.exists(), (said, list(home.iterdir()))


def test_a_reader_sweeps_a_killed_demo_but_never_a_live_one(
    home: Path, process: subprocess.Popen[bytes]
) -> None:
    live = files_of(home, process.pid)
    mine = files_of(home, os.getpid())  # this process: alive too
    dead_process = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_process.wait()
    dead = files_of(home, dead_process.pid)
    assert find_running_demo() in (live, mine)
    assert live.config_path.is_file() and mine.config_path.is_file()
    assert not dead.root.exists()  # the reader, not only the next demo, tidied it


def test_files_that_could_not_be_removed_are_named_where_they_are(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead_process = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_process.wait()
    demo = files_of(home, dead_process.pid)
    monkeypatch.setattr(pairing, "sweep_dead", lambda home: None)  # as if removal failed
    said = followed_ended(demo)
    assert said.endswith(f"has ended; its files are left in {demo.root}"), said
    assert "gone" not in said


def test_a_demo_on_its_way_out_is_not_said_to_have_removed_its_files(
    home: Path, process: subprocess.Popen[bytes]
) -> None:
    demo = files_of(home, process.pid)
    said = followed_ended(demo)  # its process alive, its files still there: no word on them
    assert said.endswith("has ended") and demo.root.exists(), said


def test_a_demo_unpaired_by_a_race_never_names_itself_as_the_paired_one(home: Path) -> None:
    """Its pointer not claimed, a demo alone found itself: "follows the demo of process <its
    own pid>, started before this one"."""
    files_of(home, os.getpid())
    assert pairing._announced is None
    assert find_running_demo() is not None and pairing.pairing_hint() is None


def test_the_observer_reads_the_demo_it_named_or_says_it_has_ended(
    home: Path, process: subprocess.Popen[bytes]
) -> None:
    """_follow names one demo, then read the one found again: another, if the first ended."""
    import io

    from rotui.context import Context
    from rotui.core.errors import UsageError
    from rotui.demo import demo_config_text
    from rotui.demo.pairing import follow_context

    named, other = files_of(home, process.pid), files_of(home, os.getpid())
    text = demo_config_text("http://127.0.0.1:9", dt.date(2026, 11, 30))
    for demo in (named, other):
        demo.config_path.write_text(text)
    ctx = Context(paths=named.paths, stdout=io.StringIO(), stderr=io.StringIO())
    assert follow_context(ctx, named).paths == named.paths
    named.config_path.unlink()  # it quit meanwhile: its files are going
    with pytest.raises(UsageError, match=f"the demo of process {process.pid} has ended"):
        follow_context(ctx, named)
