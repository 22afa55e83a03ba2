"""`?` in a real terminal at 80×24: the bindings of the screen it is pressed on; Esc goes back."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.tmux import Tmux, TmuxFactory


def help_showing(term: Tmux, *bindings: str) -> str:
    """The help screen once every one of ``bindings`` (regexes) is painted on it: the title comes
    first, and a screen read between two paints is half drawn."""

    def painted(screen: str) -> bool:
        return "rotui help" in screen and all(re.search(b, screen, re.M) for b in bindings)

    return term.wait_until(painted, f"rotui help showing {bindings}")


def test_help_on_the_dashboard_at_80x24(
    terminal: TmuxFactory, child_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**child_env, "TMPDIR": str(tmp_path)}
    term = terminal(["demo"], env)
    term.wait_for("ANTHROPIC_API_KEY_BATCH")
    term.send("?")
    pairs = (("s", "Sort"), ("v", "Validate"), ("⏎", "Actions…"))
    screen = help_showing(term, *(rf"(^|\s){key}\s+{what}:" for key, what in pairs))
    assert "Skip" not in screen
    term.send("End")  # quit, help and the palette, last, are below the list's fold at 24 rows
    help_showing(term, r"(^|\s)q\s+Quit:", r"(^|\s)ctrl\+p\s+Commands:")
    term.send("Escape")
    term.wait_gone("rotui help")
    term.send("q")
    assert term.wait_exit() == 0


def test_help_on_the_troubleshoot_screen_says_what_r_does_there(
    terminal: TmuxFactory, child_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**child_env, "TMPDIR": str(tmp_path)}
    term = terminal(["demo"], env)
    term.wait_for("ANTHROPIC_API_KEY_BATCH")
    term.send("t")
    term.wait_for("esc Back")  # the footer of the troubleshoot screen; r waits for a check (3.11)
    term.send("Enter")  # the first check: now r has something to check again
    term.wait_for("r Check again")
    term.send("?")
    # r: on the dashboard Rotate; q backs out too
    screen = help_showing(term, r"(^|\s)r\s+Check again:", r"(^|\s)esc, q\s+Back:")
    assert "Rotate" not in screen and "Sort" not in screen
    term.send("Escape")
    term.wait_gone("rotui help")
    term.send("Escape")
    term.wait_for("sorted by due date")  # back on the dashboard
    term.send("q")
    assert term.wait_exit() == 0


def test_help_from_the_wizards_paste_field_at_80x24(
    terminal: TmuxFactory, child_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**child_env, "TMPDIR": str(tmp_path)}
    term = terminal(["demo"], env)
    term.wait_for("ANTHROPIC_API_KEY_BATCH")  # the first row, selected; its key validates
    term.send("r")
    term.wait_for("paste the new key")  # the field has the focus
    term.send("?")
    # s: on the dashboard Sort; q backs out too
    screen = help_showing(term, r"(^|\s)s\s+Skip…:", r"(^|\s)esc, q\s+Back:")
    assert "Sort" not in screen and "Validate all" not in screen
    term.send("Escape")
    screen = term.wait_gone("rotui help")
    assert "paste the new key" in screen  # the field is still empty: ? typed nothing
