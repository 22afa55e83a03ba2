"""Walk finding 15 (the dashboard part) in a real terminal at 80×24: the key detail says there
is more below the fold and how to reach it, `?` says so too, and another key's detail starts at
its top."""

from __future__ import annotations

from pathlib import Path

from tests.support.tmux import TmuxFactory

RULE = "────────"


def detail_top(screen: str) -> str:
    """The first line of the detail pane: the one after the rule under the table."""
    lines = screen.splitlines()
    at = next(i for i, line in enumerate(lines) if RULE in line)
    return lines[at + 1].strip()


def test_the_detail_says_more_below_and_a_new_key_starts_at_its_top(
    terminal: TmuxFactory, child_env: dict[str, str], tmp_path: Path
) -> None:
    term = terminal(["demo"], {**child_env, "TMPDIR": str(tmp_path)})
    screen = term.wait_for("ANTHROPIC_API_KEY_BATCH")
    screen = term.wait_for("↓ more below: Tab moves here, then ↓ or PgDn")
    assert detail_top(screen) == "ANTHROPIC_API_KEY_BATCH", screen
    term.send("Tab")
    term.send("NPage")
    screen = term.wait_until(lambda s: detail_top(s) != "ANTHROPIC_API_KEY_BATCH", "scrolled")
    term.send("BTab")  # back to the table
    term.send("j")
    screen = term.wait_until(
        lambda s: detail_top(s) == "ANTHROPIC_API_KEY_AGENTS", "the next key's detail, from its top"
    )
    term.send("?")
    screen = term.wait_for("rotui help")
    assert "below the fold" in screen and "Tab moves into" in screen, screen
    term.send("Escape")
    term.wait_gone("rotui help")
    term.send("q")
    assert term.wait_exit() == 0
