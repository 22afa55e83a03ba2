"""The unhappy paths in a real terminal at 80×24, keyboard only, as an SRE meets them over SSH."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.world import KEY, NEW, OLD, World
from tests.support.tmux import Tmux, TmuxFactory

AGENTS = "ANTHROPIC_API_KEY_AGENTS"  # the demo's second row: its current key passes the pre-check
DASHBOARD = "sorted by due date"
UNKNOWN = "sk-ant-api03-" + "x" * 20  # well formed, but the API does not know it


@pytest.fixture
def term(terminal: TmuxFactory, child_env: dict[str, str], tmp_path: Path) -> Tmux:
    """``rotui demo`` at 80×24, its dashboard shown."""
    env = {**child_env, "TMPDIR": str(tmp_path)}
    term = terminal(["demo"], env)
    term.wait_for("ANTHROPIC_API_KEY_BATCH")
    return term


def footer(screen: str) -> str:
    return screen.rstrip("\n").splitlines()[-1]


def rotate_next_row(term: Tmux) -> str:
    """Move down a row and press r: the wizard asks for the new key."""
    term.send("j")
    term.send("r")
    return term.wait_for("paste the new key")


def start_demo_run(term: Tmux) -> str:
    """Paste a well-formed key the API does not know: the run starts, and may be rolled back."""
    term.paste(UNKNOWN)
    term.send("Enter")
    return term.wait_until(lambda s: "b Roll back" in footer(s), "the run started")


def paste_until_confirm(term: Tmux) -> str:
    """Paste the new key and wait for the run to ask for a consumer confirmed by hand."""
    term.paste(NEW)
    term.send("Enter")
    return term.wait_until(lambda s: "c Confirm" in footer(s), "a consumer to confirm by hand")


def rotate_until_confirm(terminal: TmuxFactory, env: dict[str, str]) -> Tmux:
    """``rotui rotate KEY`` run up to its consumer confirmed by hand."""
    term = terminal(["rotate", KEY], env)
    term.wait_for("paste the new key")
    paste_until_confirm(term)
    return term


def back_and_quit(term: Tmux) -> None:
    """Esc to the dashboard, then q quits at once and cleanly."""
    term.send("Escape")
    term.wait_for(DASHBOARD)
    term.send("q")
    assert term.wait_exit() == 0


def quit_anyway(term: Tmux, key: str = "C-q") -> None:
    """Quit with a run under way: the dialog asks first, y quits cleanly."""
    term.send(key)
    term.wait_for("Quit anyway?")
    term.send("y")
    assert term.wait_exit() == 0


def test_a_failing_pre_check_then_esc_and_the_console_url_whole(term: Tmux) -> None:
    screen = rotate_next_row(term)
    assert "https://platform.claude.com/settings/keys" in screen  # on one line, not broken
    term.send("Escape")
    term.wait_for(DASHBOARD)
    term.send("j")
    term.send("r")  # the evals key: its current key is rate limited
    screen = term.wait_for("no run was started")
    assert "e Emergency" in footer(screen) and "esc Back" in footer(screen), footer(screen)
    back_and_quit(term)


def test_a_rejected_paste_then_a_rollback_at_80_columns(term: Tmux) -> None:
    rotate_next_row(term)
    term.paste("hello")
    term.send("Enter")
    term.wait_for("not an Anthropic API key")
    screen = start_demo_run(term)
    assert "esc Back" in footer(screen) and "? Help" in footer(screen)
    term.send("b")
    term.wait_for(f"Type {AGENTS} to roll back")
    term.type(AGENTS)  # typing goes to the field at once: no Tab first
    term.send("Enter")
    term.wait_for("rolled back")
    back_and_quit(term)


def test_quitting_the_demo_mid_run_says_it_starts_afresh(term: Tmux) -> None:
    rotate_next_row(term)
    start_demo_run(term)
    quit_anyway(term)
    said = " ".join(term.screen().split())
    assert "starts afresh" in said and "is kept" not in said, said


def test_quit_mid_run_then_rotui_rotate_resumes_it(
    terminal: TmuxFactory,
    world: World,
) -> None:
    term = rotate_until_confirm(terminal, world.env)
    quit_anyway(term)
    said = " ".join(term.screen().split())
    assert f"resume it with `rotui rotate {KEY}`" in said, said
    again = terminal(["rotate", KEY], world.env)
    screen = again.wait_for("(resumed)")
    assert NEW not in screen
    again.send("Escape")
    again.wait_for(DASHBOARD)
    quit_anyway(again, "q")  # the run it resumed is still active: asked first (walk 6)


def test_a_second_operator_sees_who_drives_the_key(
    terminal: TmuxFactory,
    world: World,
) -> None:
    first = rotate_until_confirm(terminal, world.env)  # the first operator's run under way
    second = terminal([], world.env)
    second.wait_for(DASHBOARD)
    second.send("r")
    second.wait_for("is being driven by another")
    screen = second.wait_until(lambda s: "esc Back" in footer(s), "the footer")
    assert re.search(r"\(pid \d+ on .*\) holds it", screen), screen
    assert footer(screen).split("▏")[0].split() == ["esc", "Back", "?", "Help"], footer(screen)
    back_and_quit(second)
    quit_anyway(first)


def test_ctrl_c_at_the_hidden_key_prompt_needs_one_press(
    terminal: TmuxFactory,
    world: World,
) -> None:
    term = terminal(["key", "set", KEY], world.env)
    term.wait_for("(input hidden)")
    term.send("C-c")
    assert term.wait_exit() == 130
    assert "rotui: interrupted" in term.screen()


def inside_the_frame(screen: str) -> str:
    """The dialog's lines without its frame: on each line, what lies between its two edges."""
    return "\n".join(
        line.split("█")[1] if line.count("█") >= 2 else line for line in screen.splitlines()
    )


def test_the_quit_dialog_is_not_covered_by_notifications_at_80x24(term: Tmux) -> None:
    rotate_next_row(term)
    start_demo_run(term)
    toast = "characters long"  # the warning toast on the short key, bottom right
    term.wait_for(toast)
    term.send("C-q")
    # the toasts were for the screen behind: cleared (tests/ui/test_bindings.py checks that it is
    # the dialog that clears them, not their 5 s timeout)
    screen = term.wait_until(lambda s: "Quit anyway?" in s and toast not in s, "the dialog alone")
    said = " ".join(inside_the_frame(screen).split())  # a phrase may wrap across the frame
    # the whole dialog reads: its question, how the run goes on, and both answers
    for part in ("A run is in progress. Quit anyway?", "starts afresh", "Stay (Esc)", "Quit (y)"):
        assert part in said, screen
    term.send("Escape")
    term.wait_gone("Quit anyway?")


def test_the_dashboard_footer_at_80x24_keeps_filter_sort_help_and_quit(term: Tmux) -> None:
    shown = footer(term.wait_until(lambda s: "q Quit" in footer(s), "the footer"))
    for hint in ("/ Filter", "s Sort", "? Help", "q Quit"):
        assert hint in shown, shown
    term.send("/")  # and the keys do what the footer says
    term.wait_for("Esc clears")


def test_a_burst_typed_after_slash_all_reaches_the_filter(term: Tmux) -> None:
    """Walk finding 17: `/BATCH` sent at once (a fast typist, a paste of keys) loses nothing."""
    term.wait_until(lambda s: "q Quit" in footer(s), "the footer")
    term.type("/BATCH")  # one send-keys: every key is queued before the field is shown
    screen = term.wait_for("filter “BATCH”")
    assert "1 of 7 keys" in screen, screen
    term.send("Escape")
    term.wait_for("7 of 7 keys")
    term.send("q")
    assert term.wait_exit() == 0


def test_without_a_keyring_enter_continues_and_the_title_keeps_the_status(
    terminal: TmuxFactory,
    world: World,
) -> None:
    """Walk 12 and 19: no keyring, the key in `env:`; Enter takes "Continue without a keyring"
    (a paste before it is said, not lost); at 80 columns the title keeps the run status."""
    text = world.config.read_text().replace('source = "keyring"', 'source = "env:CURRENT_KEY"')
    world.config.write_text(text)
    world.config.chmod(0o600)  # no permission toast over the field
    env = {
        **world.env,
        "CURRENT_KEY": OLD,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    term = terminal(["rotate", KEY], env)
    term.wait_for("Continue without a keyring")
    term.paste(NEW)  # too early: the field is not shown yet
    screen = term.wait_for("paste was not taken")
    assert NEW not in screen
    term.send("Enter")  # the choice has the focus
    term.wait_for("paste the new key")
    screen = paste_until_confirm(term)
    title = screen.splitlines()[0]
    assert f"Rotate {KEY} · active · run " in title, title
    assert NEW not in screen
