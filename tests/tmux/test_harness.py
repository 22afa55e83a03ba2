"""The harness itself: keys, pastes and exit statuses arrive as a terminal user's would."""

from __future__ import annotations

import os

from tests.support.tmux import TmuxFactory


def test_paste_and_type_reach_the_program(terminal: TmuxFactory) -> None:
    term = terminal([], dict(os.environ), command=["sh", "-c", "echo ready; exec cat"])
    term.wait_for("ready")  # cat reads the terminal: nothing sent before it started is lost
    term.paste("pasted-text")  # by stdin to tmux, never in an argv
    term.type("typed")
    term.send("Enter")
    # the terminal's echo, then cat's copy: waiting for the first alone raced cat under load
    term.wait_until(lambda s: s.count("pasted-texttyped") == 2, "the echo, then cat's copy")
    term.send("C-d")
    assert term.wait_exit() == 0


def test_exit_statuses_incl_a_signal(terminal: TmuxFactory) -> None:
    assert terminal([], dict(os.environ), command=["sh", "-c", "exit 7"]).wait_exit() == 7
    killed = terminal([], dict(os.environ), command=["sh", "-c", "kill -TERM $$"])
    assert killed.wait_exit() == 128 + 15
    running = terminal([], dict(os.environ), command=["sh", "-c", "echo ready; exec sleep 60"])
    running.wait_for("ready")  # the program runs: a C-c now is not lost before it starts
    assert running.exit_code() is None
    running.send("C-c")  # SIGINT reaches the program, not only the waiting shell
    assert running.wait_exit() == 128 + 2
