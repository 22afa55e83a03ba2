"""`/` and the keys typed with it, sent as validate-all ends, all reach the filter (80×24, tmux).

A newcomer saw it once in 14 runs of ``rotui demo``: `V`, about as long as validation took, then
`/BAT` in one send-keys and `V`; the filter showed "V". The end of validate-all (toasts, the
reload, the redraw) holds the UI's loop while the keys come in, so they reach the app together.
Here the same keys go at a sweep of delays after `V`, across that end (the demo validates in about
half a second here; the newcomer's took 1.5 s), and each time the filter must hold all of them.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.tmux import Tmux, TmuxFactory

STEP = 0.05  # seconds between two delays of the sweep
DELAYS = [round(i * STEP, 2) for i in range(24)]  # 0 to 1.15 s after `V`


@pytest.fixture
def term(terminal: TmuxFactory, child_env: dict[str, str], tmp_path: Path) -> Tmux:
    """``rotui demo`` at 80×24, its dashboard shown with its footer."""
    term = terminal(["demo"], {**child_env, "TMPDIR": str(tmp_path)})
    term.wait_until(lambda s: "q Quit" in (s.rstrip("\n").splitlines() or [""])[-1], "the footer")
    return term


def view_line(screen: str) -> str:
    """The line under the summary: the filter, the counts, validate-all's progress."""
    lines = screen.splitlines()
    return lines[1] if len(lines) > 1 else ""


def test_keys_typed_as_validate_all_ends_all_reach_the_filter(term: Tmux) -> None:
    for delay in DELAYS:
        term.send("V")
        time.sleep(delay)  # the timing under test, not a wait for a state (those poll below)
        term.type("/BAT")  # one send-keys, as the newcomer's
        term.type("V")
        term.wait_until(
            lambda s: "filter “BATV”" in view_line(s),
            f"“BATV” in the filter, keys sent {delay} s after V",
            timeout=10,
        )
        term.send("Escape")
        term.wait_until(
            lambda s: "7 of 7 keys" in view_line(s) and "%" not in view_line(s),
            f"the filter cleared and validation over ({delay} s)",
        )
    term.send("q")
    assert term.wait_exit() == 0
