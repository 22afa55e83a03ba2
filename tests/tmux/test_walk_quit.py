"""Walk findings 6 and 7 in a real terminal: q on the dashboard asks while a run this rotui
started is active, even with its wizard closed, and never says "Nothing is lost" when PENDING
is in memory only."""

from __future__ import annotations

from tests.e2e.test_walk_repaste import no_pending_env
from tests.e2e.world import KEY, NEW, World
from tests.support.tmux import TmuxFactory

DASHBOARD = "sorted by due date"


def footer(screen: str) -> str:
    return screen.rstrip("\n").splitlines()[-1]


def said(screen: str) -> str:
    return " ".join(screen.split())


def test_q_on_the_dashboard_asks_while_a_closed_wizards_run_is_active(
    world: World,
    terminal: TmuxFactory,
) -> None:
    world.config.chmod(0o600)
    term = terminal(["rotate", KEY], no_pending_env(world))
    term.wait_for("paste the new key")
    term.paste(NEW)
    term.send("Enter")
    term.wait_until(lambda s: "c Confirm" in footer(s), "the run under way")
    term.send("Escape")  # the wizard closes; the run stays active
    term.wait_for(DASHBOARD)
    term.send("q")
    screen = term.wait_for("Quit anyway?")
    words = said(screen)
    assert "memory only" in words and "paste the same new key again" in words, screen
    assert "Nothing is lost" not in words, screen
    term.send("Escape")  # stay
    term.wait_gone("Quit anyway?")
    assert term.exit_code() is None
    term.send("q")
    term.wait_for("Quit anyway?")
    term.send("y")
    assert term.wait_exit() == 0
    assert f"resume it with `rotui rotate {KEY}`" in said(term.screen())
