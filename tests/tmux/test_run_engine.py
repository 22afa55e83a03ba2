"""The run engine as a person meets it: the real binary in tmux at 80×24, keyboard only.

Looking starts nothing; a closed terminal (the tmux server killed: SIGHUP to everything in it)
leaves no lock behind, and the same command resumes the run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rotui.core.locks import KeyLock
from tests.e2e.world import COMPLETED_STATE, KEY, NEW, World, build_world
from tests.support.tmux import TmuxFactory


@pytest.fixture
def world(tmp_path: Path, child_env: dict[str, str]) -> Iterator[World]:
    with build_world(tmp_path / "world", child_env) as built:
        yield built


def state_dir(world: World) -> Path:
    return Path(world.env["XDG_STATE_HOME"]) / "rotui"


def runs(world: World) -> list[dict]:
    return json.loads(world.rotui("runs", "--json").stdout)["runs"]


def test_r_then_escape_leaves_no_run(world: World, terminal: TmuxFactory) -> None:
    term = terminal([], world.env)
    term.wait_for(KEY)
    term.send("r")
    term.wait_for("no run yet")  # the pre-check ran, read-only
    term.wait_for("Create the new key")
    term.send("Escape")
    term.wait_gone("no run yet")
    term.send("q")
    assert term.wait_exit() == 0
    assert runs(world) == []
    assert json.loads(world.rotui("audit", "--json").stdout)["entries"] == []
    assert KeyLock(state_dir(world), KEY).holder() is None


def test_a_closed_terminal_mid_propagation_resumes_without_a_take_over(
    world: World, terminal: TmuxFactory
) -> None:
    hold, waiting = world.root / "runtime.hold", world.root / "runtime.waiting"
    hold.touch()  # the runtime command consumer hangs in its write: a write in flight
    term = terminal(["rotate", KEY], world.env)
    term.wait_for("Create the new key")
    term.paste(NEW)
    term.send("Enter")
    deadline = time.monotonic() + 30
    while not waiting.exists():
        assert time.monotonic() < deadline, term.screen()
        time.sleep(0.05)
    [run] = runs(world)
    assert run["status"] == "active" and run["step"] == "propagate"
    term.close()  # the terminal goes away: SIGHUP to rotui
    deadline = time.monotonic() + 15
    while KeyLock(state_dir(world), KEY).holder() is not None:
        assert time.monotonic() < deadline, "the hang-up left the key locked"
        time.sleep(0.05)
    hold.unlink()

    resumed = world.rotui("rotate", KEY, "--headless", "--confirm-manual", "--revoke", stdin=NEW)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "no longer running" not in resumed.stderr and "resuming run" in resumed.stdout
    assert world.final_state() == COMPLETED_STATE
