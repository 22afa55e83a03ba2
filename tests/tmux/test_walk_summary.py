"""Walk finding 9 in a real terminal: the dashboard's header at 80 columns keeps what matters."""

from __future__ import annotations

from pathlib import Path

from tests.support.tmux import TmuxFactory


def test_the_header_keeps_runs_failing_overdue_usage_and_the_time_at_80_columns(
    terminal: TmuxFactory, child_env: dict[str, str], tmp_path: Path
) -> None:
    term = terminal(["demo"], {**child_env, "TMPDIR": str(tmp_path)})
    term.wait_for("ANTHROPIC_API_KEY_BATCH")
    term.send("j")
    term.send("r")
    term.wait_for("paste the new key")
    term.paste("sk-ant-api03-" + "x" * 20)  # well formed, unknown to the API: a run, failed
    term.send("Enter")
    screen = term.wait_until(lambda s: "b Roll back" in s.splitlines()[-1], "the run started")
    assert "cannot be swapped" in screen and "r starts afresh" in screen, screen  # walk 21
    term.send("Escape")
    term.wait_for("sorted by due date")
    term.send("V")  # validate all: failing keys and unusual usage come in
    screen = term.wait_until(  # once validated: failing keys and unusual usage counted
        lambda s: "⚡" in s.splitlines()[0] and "✗" in s.splitlines()[0].split("failing")[0],
        "the counts",
    )
    header = screen.splitlines()[0]
    for part in ("DEMO", "⟳ 1 rotating", "✗", "failing", "overdue", "⚡ 2", "as of "):
        assert part in header, header
    assert header.rstrip().endswith(("UTC", "keys", "soon")), header  # whole, not cut mid-word
    term.send("q")
    term.wait_for("Quit anyway?")
    term.send("y")
    assert term.wait_exit() == 0
