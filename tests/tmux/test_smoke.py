"""The harness itself, on the demo: it paints at 80×24 and 120×36, and `q` quits with exit 0."""

from __future__ import annotations

import pytest

from tests.support.tmux import TmuxFactory


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_demo_dashboard_paints_and_q_quits(
    terminal: TmuxFactory, child_env: dict[str, str], size: tuple[int, int]
) -> None:
    term = terminal(["demo"], child_env, size=size)
    screen = term.wait_for("ANTHROPIC_API_KEY_BATCH")
    lines = screen.splitlines()
    assert len(lines) <= size[1]
    assert max(len(line) for line in lines) <= size[0]
    assert term.exit_code() is None  # still running: the dashboard waits for the operator
    term.send("q")
    assert term.wait_exit() == 0
    assert "Traceback" not in term.screen()
