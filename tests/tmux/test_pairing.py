"""Two operators on one demo, in real terminals: the second follows the first, read-only."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.support.tmux import TmuxFactory, rotui_command


def test_a_second_operator_follows_the_demo_and_reads_its_log_through_head(
    terminal: TmuxFactory, child_env: dict[str, str], tmp_path: Path
) -> None:
    shared = tmp_path / "tmp"  # where both find the demo: $TMPDIR/rotui-demo-<uid>
    shared.mkdir()
    env = {**child_env, "TMPDIR": str(shared)}

    first = terminal(["demo"], env)
    first.wait_for("ANTHROPIC_API_KEY_BATCH")
    first.wait_until(  # it says how to pair (the command may be a long path: wrapped)
        lambda screen: "demo --read-only" in toast_text(screen), "the pairing toast"
    )

    second = terminal(["demo", "--read-only"], env)
    screen = second.wait_for("READ-ONLY")
    assert "none validated" in screen and "press v" not in screen

    first.send("V")  # validate all, in the first terminal only
    first.wait_for("4 failing")
    # a demo of its own would never validate (read-only): the second follows the first's files
    screen = second.wait_for("4 failing")
    assert "invalid" in screen

    rotui = shlex.join(rotui_command())
    third = terminal(
        [],
        env,
        command=[
            "bash",
            "-c",
            f'{rotui} demo audit 2>{shared}/err | head -1; echo "RC=${{PIPESTATUS[0]}}"; sleep 60',
        ],
    )
    screen = third.wait_for("RC=")
    lines = screen.strip().splitlines()
    assert lines[0].split()[3] == "key.validated" and screen.count("key.validated") == 1, screen
    assert lines[-1] in ("RC=0", "RC=141"), screen  # 141 when head left first: quietly
    errors = (shared / "err").read_text()
    assert "internal error" not in errors and "Traceback" not in errors, errors

    first.send("q")
    assert first.wait_exit() == 0
    second.send("q")
    assert second.wait_exit() == 0
    assert not list(shared.rglob("crash-*.log"))
    assert not list((shared / next(shared.iterdir()).name).glob("demo-*")), "files left behind"


def test_a_second_demo_leaves_the_first_paired_and_the_observer_hears_the_end(
    terminal: TmuxFactory, child_env: dict[str, str], tmp_path: Path
) -> None:
    """Walk finding 14: a second demo took the pointer over; the observer showed reset data."""
    shared = tmp_path / "tmp"
    shared.mkdir()
    env = {**child_env, "TMPDIR": str(shared)}
    rotui = shlex.join(rotui_command())

    def kept(args: str) -> list[str]:  # the pane stays after rotui exits, to read what it left
        return ["bash", "-c", f"{rotui} {args}; echo RC=$?; sleep 60"]

    first = terminal([], env, command=kept("demo"))
    first.wait_for("ANTHROPIC_API_KEY_BATCH")
    first.send("V")
    first.wait_for("4 failing")

    second = terminal(["demo"], env)
    screen = second.wait_for("Not paired")  # it says the first one is the paired one
    assert "none validated" in screen  # its own data: nothing validated
    second.send("q")
    assert second.wait_exit() == 0
    status = subprocess.run(
        [*rotui_command(), "demo", "status"], capture_output=True, text=True, env=env, timeout=60
    )
    assert status.returncode == 0, status.stderr  # the first demo is still the one followed

    observer = terminal([], env, command=kept("demo --read-only"))
    observer.wait_for("4 failing")  # the first demo's files, not the second's
    first.send("q")
    screen = first.wait_for("RC=")
    assert "RC=0" in screen and "Pair with this demo" not in screen and "read-only" not in screen
    screen = observer.wait_for("RC=")
    assert "the demo you follow" in screen and "has ended" in screen, screen
    assert "RC=0" in screen and "never" not in screen


def test_every_live_demo_is_named_and_the_one_left_is_followed(
    terminal: TmuxFactory, child_env: dict[str, str], tmp_path: Path
) -> None:
    """A second demo runs unpaired; readers name it too, and follow it once the first ends."""
    shared = tmp_path / "tmp"
    shared.mkdir()
    env = {**child_env, "TMPDIR": str(shared)}

    def status() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*rotui_command(), "demo", "status"], capture_output=True, text=True, env=env, timeout=60
        )

    first = terminal(["demo"], env)
    first.wait_for("ANTHROPIC_API_KEY_BATCH")
    second = terminal(["demo"], env)
    second.wait_for("Not paired")
    both = status()
    assert both.returncode == 0, both.stderr
    named = re.search(r"reading the demo of process (\d+); also running: process (\d+)", both.stderr)
    assert named is not None and named.group(1) != named.group(2), both.stderr

    first.send("q")
    assert first.wait_exit() == 0
    left = status()
    assert left.returncode == 0, left.stderr  # was "no demo is running" while the second ran
    assert "also running" not in left.stderr
    follow = f"{shlex.join(rotui_command())} demo --read-only; echo RC=$?; sleep 60"
    observer = terminal([], env, command=["bash", "-c", follow])
    observer.wait_for("ANTHROPIC_API_KEY_BATCH")
    second.send("q")
    assert second.wait_exit() == 0
    screen = observer.wait_for("RC=")
    assert "has ended" in screen and "RC=0" in screen, screen


def toast_text(screen: str) -> str:
    """The toast's words in one line: its rows are the ones after the right pane's bar."""
    rows = [line.split("▌", 1)[1] for line in screen.splitlines() if "▌" in line]
    return " ".join(" ".join(row.strip(" ▄▀") for row in rows).split())


def test_after_make_demo_the_toast_names_a_command_that_works_as_typed(
    terminal: TmuxFactory, child_env: dict[str, str], tmp_path: Path
) -> None:
    """Walk s13 2.1: `make demo` starts .venv/bin/rotui, not on PATH, and the toast said
    `rotui demo --read-only`: "command not found" in the second terminal."""
    script = Path(rotui_command()[0])
    if script.name != "rotui":
        pytest.skip("needs the venv's rotui script, as make demo starts it")
    shared = tmp_path / "tmp"
    shared.mkdir()
    env = {**child_env, "TMPDIR": str(shared), "PATH": "/usr/bin:/bin"}  # no venv on PATH
    checkout = script.parent.parent.parent
    first = terminal([], env, command=[".venv/bin/rotui", "demo"], cwd=checkout)  # make demo's
    screen = first.wait_until(
        lambda screen: "Esc hides this" in toast_text(screen), "the pairing toast, whole"
    )
    said = re.search(r"follows this demo with: (.+?) demo --read-only", toast_text(screen))
    assert said is not None and said.group(1) != "rotui", screen
    elsewhere = tmp_path / "elsewhere"  # a new terminal opens somewhere else
    elsewhere.mkdir()
    follow = f"{said.group(1)} demo --read-only; echo RC=$?; sleep 60"
    second = terminal([], env, command=["bash", "-c", follow], cwd=elsewhere)
    screen = second.wait_for("READ-ONLY")
    assert "command not found" not in screen
    first.send("q")
    assert first.wait_exit() == 0
    assert "RC=0" in second.wait_for("RC=")


def test_after_kill_9_the_observer_says_what_is_so_of_the_demos_files(
    terminal: TmuxFactory, child_env: dict[str, str], tmp_path: Path
) -> None:
    """Walk s14 1.6: killed, a demo never tidies up; the observer said "its files are gone"
    while they stayed until the next demo started."""
    import os
    import signal

    shared = tmp_path / "tmp"
    shared.mkdir()
    env = {**child_env, "TMPDIR": str(shared)}
    first = terminal(["demo"], env)
    first.wait_for("ANTHROPIC_API_KEY_BATCH")
    follow = f"{shlex.join(rotui_command())} demo --read-only; echo RC=$?; sleep 60"
    observer = terminal([], env, command=["bash", "-c", follow])
    observer.wait_for("READ-ONLY")
    [home] = shared.glob("rotui-demo-*")
    [files] = home.glob("demo-*")
    os.kill(int(files.name.split("-")[1]), signal.SIGKILL)
    screen = observer.wait_for("RC=")
    assert "has ended" in screen and "RC=0" in screen, screen
    said = " ".join(screen.split())
    assert "its files are gone" in said and not files.exists(), (said, list(home.iterdir()))
