"""The emergency screen in a real terminal at 80×24 (walk findings 3 and 16)."""

from __future__ import annotations

import re

from tests.e2e.world import KEY, NEW, World
from tests.support.tmux import TmuxFactory

OPEN = "Incident open for"


def footer(screen: str) -> str:
    return screen.rstrip("\n").splitlines()[-1]


def said(screen: str) -> str:
    """The screen's words on one line: a sentence wrapped at 80 columns reads whole (a scroll
    bar's glyphs at a line's end left out)."""
    lines = (re.sub(r"\s[▁▂▃▄▅▆▇█]+\s*$", "", line) for line in screen.splitlines())
    return " ".join(" ".join(lines).split())


def test_typing_the_exposure_and_enter_start_no_mode(
    terminal: TmuxFactory,
    world: World,
) -> None:
    world.config.chmod(0o600)  # no warning toast over the screen
    term = terminal(["revoke", KEY], world.env)
    term.wait_for(OPEN)
    term.type("2h ago")  # straight away, no Tab: the `o` of "ago" is typed, not pressed
    term.send("Enter")  # as the placeholder says: Enter applies
    screen = term.wait_until(  # applied, the field left: the footer's Esc is the way back again
        lambda s: "Suspected exposure: " in s and "esc Back" in footer(s), "the time applied"
    )
    assert "2h ago" in screen and OPEN in screen, screen  # still here: no mode was started
    term.send("Enter")  # Enter again starts nothing either
    screen = term.wait_for("Suspected exposure: ")
    assert OPEN in screen and "Create the new key" not in screen, screen
    assert world.rotui("runs", "--json").stdout.count('"run_id"') == 0
    term.send("o")  # the choice, made on purpose
    term.wait_for("Create the new key")
    term.send("Escape")  # nothing started: back to the choice, the time as applied (3.5)
    term.wait_until(  # a frame may be caught half drawn: wait for the whole of it
        lambda s: OPEN in s and "Suspected exposure: " in s and "2h ago" in s, "the time kept"
    )
    term.send("Escape")
    term.wait_for("sorted by due date")
    term.send("q")
    assert term.wait_exit() == 0


def test_a_run_another_rotui_drives_is_said_held_not_supersedable(
    terminal: TmuxFactory,
    world: World,
) -> None:
    world.config.chmod(0o600)  # no warning toast over the screen
    first = terminal(["rotate", KEY], world.env)
    first.wait_for("paste the new key")
    first.paste(NEW)
    first.send("Enter")
    first.wait_until(lambda s: "c Confirm" in footer(s), "the first operator's run under way")
    second = terminal(["revoke", KEY], world.env)
    second.wait_for(OPEN)
    screen = second.wait_until(lambda s: "being driven by another rotui" in said(s), "who drives it")
    who = r"\(pid \d+ on \S+\) since \d{4}-\d\d-\d\d \d\d:\d\d UTC"
    assert re.search(who, said(screen)) and "supersedes" not in said(screen), screen
    second.send("n")  # told at once who holds it: no typed confirmation first
    screen = second.wait_until(lambda s: "Close" in s and "holds it since" in said(s), "the refusal")
    assert "to revoke now" not in screen, screen
    second.send("Escape")
    second.wait_gone("holds it since")
    second.send("Escape")
    second.wait_for("sorted by due date")
    second.send("q")  # the run is the other rotui's: nothing of this one to keep
    assert second.wait_exit() == 0
    first.send("C-q")
    first.wait_for("Quit anyway?")
    first.send("y")
    assert first.wait_exit() == 0


def test_rolling_back_an_overlap_emergency_says_the_old_key_may_have_leaked(
    terminal: TmuxFactory,
    world: World,
) -> None:
    world.config.chmod(0o600)
    term = terminal(["revoke", KEY], world.env)
    term.wait_for(OPEN)
    term.send("o")
    term.wait_for("Create the new key")
    term.paste(NEW)
    term.send("Enter")
    term.wait_until(lambda s: "b Roll back" in footer(s), "the run under way")
    term.send("b")
    term.wait_for(f"Type {KEY} to roll back")
    term.type(KEY)
    term.send("Enter")
    # the panel is a column beside the checklist: its words are read line by line
    screen = term.wait_until(lambda s: "have leaked" in s, "the warning after the rollback")
    assert "rolled back" in screen and "is still active" in screen, screen
    assert "rotui revoke" in screen, screen
    term.send("Escape")
    term.wait_for("sorted by due date")
    term.send("q")
    assert term.wait_exit() == 0


def test_revoke_now_then_the_dashboard_says_what_rotui_did(
    terminal: TmuxFactory,
    world: World,
) -> None:
    """Walk s13 1.1 and 1.7 at 80×24: the run just started is not "(resumed)", and back on the
    dashboard the detail's Admin record says inactive, not active."""
    world.config.chmod(0o600)  # no warning toast over the screen
    assert world.rotui("validate", KEY).returncode == 0  # the Admin record saved: "active"
    term = terminal(["revoke", KEY], world.env)
    term.wait_for(OPEN)
    term.send("n")
    term.wait_for(f"Type {KEY}")
    term.type(KEY)
    term.send("Enter")
    screen = term.wait_for("Create the new key")
    title = screen.splitlines()[0]
    assert f"{KEY} · active · run " in title and "resumed" not in title, title
    term.send("Escape")
    term.wait_for("sorted by due date")
    screen = term.wait_until(lambda s: "✗ invalid" in said(s), "the 401 on the dashboard")
    admin = said(screen).split("Admin API:", 1)[1][:80]
    assert "· inactive" in admin, admin
    term.send("C-q")
    term.wait_for("Quit anyway?")
    term.send("y")
    assert term.wait_exit() == 0
