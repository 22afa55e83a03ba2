"""Walk s13 3.6 and 3.1 in a real terminal at 80×24: a bracketed paste of two lines is refused
and said, and ctrl+c in the paste field quits (no run yet) with exit 0."""

from __future__ import annotations

from tests.e2e.test_walk_repaste import no_pending_env
from tests.e2e.world import KEY, NEW, World
from tests.support.tmux import TmuxFactory


def test_a_two_line_paste_is_refused_then_ctrl_c_quits(
    world: World,
    terminal: TmuxFactory,
) -> None:
    world.config.chmod(0o600)
    term = terminal(["rotate", KEY], no_pending_env(world))
    term.wait_for("paste the new key")
    term.paste(f"{NEW}\nnotes: for the batch job")
    screen = term.wait_for("paste was refused")
    assert "the paste was refused: it has 2 lines" in screen, screen
    assert NEW[:20] not in screen and "notes" not in screen, screen
    term.send("Enter")  # the field is empty: nothing starts
    term.send("C-c")
    assert term.wait_exit() == 0
    assert "resume" not in term.screen()  # no run was started, so nothing to resume


def test_the_hidden_prompt_refuses_a_two_line_paste_and_takes_one_line(
    world: World,
    terminal: TmuxFactory,
) -> None:
    """`rotui key set`: getpass kept the first line of the paste and dropped the rest silently."""
    world.config.chmod(0o600)
    term = terminal(["key", "set", KEY], world.env)
    term.wait_for("(input hidden)")
    term.paste(f"{NEW}\nnotes: for the batch job")  # no newline after the notes: still seen
    assert term.wait_exit() == 2
    screen = term.screen()
    said = " ".join(screen.split())
    assert "the paste was refused: it has more than one line" in said, screen
    assert NEW[:20] not in screen and "notes" not in screen, screen
    again = terminal(["key", "set", KEY], world.env)
    again.wait_for("(input hidden)")
    again.paste(f"{NEW}\n")  # one line, as copied with its newline
    assert again.wait_exit() == 0, again.screen()
    assert NEW[:20] not in again.screen()
