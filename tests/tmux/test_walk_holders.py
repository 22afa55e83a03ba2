"""Walk findings 11 and 22 in a real terminal: the holders screen names its source problems and
skipped places, q goes back, Stop is offered only while scanning."""

from __future__ import annotations

from tests.e2e.world import KEY, World
from tests.support.tmux import TmuxFactory


def footer(screen: str) -> str:
    return screen.rstrip("\n").splitlines()[-1]


def test_the_holders_screen_names_its_problems_and_q_goes_back(
    terminal: TmuxFactory,
    world: World,
) -> None:
    world.config.chmod(0o600)
    term = terminal(["revoke", KEY], world.env, size=(100, 30))
    term.wait_for("Incident open for")
    # GitHub refuses the secrets list (a token without the Secrets permission): one source problem
    (world.gh_state / "http_error").write_text("403 Resource not accessible by integration")
    term.send("w")
    screen = term.wait_until(lambda s: " · done" in s, "the scan's end")
    assert "1 source problem ·" in screen, screen  # counted in words, not "problem(s)"
    # heroku, infisical and the configured env-file consumer's file (walk 22): not [holders] paths
    assert "3 managed" in screen and "file " in screen, screen
    # the problem the count stands for, named (the CLI names it too)
    assert "✗ GitHub: gh api repos/raxx/agents/actions/secrets failed" in screen, screen
    assert "per_page" not in screen, screen  # the place, not the paging
    screen = term.wait_until(lambda s: "r Scan again" in footer(s), "the footer after the scan")
    assert "s Stop" not in footer(screen), footer(screen)
    term.send("q")  # back to the emergency screen, not out of rotui
    term.wait_for("Incident open for")
    assert term.exit_code() is None
    term.send("Escape")
    term.wait_for("sorted by due date")
    term.send("q")
    assert term.wait_exit() == 0
