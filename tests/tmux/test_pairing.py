"""Two operators on one demo, in real terminals: the second follows the first, read-only."""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.support.tmux import TmuxFactory, rotui_command


def test_a_second_operator_follows_the_demo_and_reads_its_log_through_head(
    terminal: TmuxFactory, child_env: dict[str, str], tmp_path: Path
) -> None:
    shared = tmp_path / "tmp"  # where both find the demo: $TMPDIR/rotui-demo-<uid>
    shared.mkdir()
    env = {**child_env, "TMPDIR": str(shared)}

    first = terminal(["demo"], env)
    first.wait_for("ANTHROPIC_API_KEY_BATCH")
    first.wait_for("rotui demo --read-only")  # it says how to pair

    second = terminal(["demo", "--read-only"], env)
    screen = second.wait_for("READ-ONLY")
    assert "0 failing" in screen and "press v" not in screen

    first.send("V")  # validate all, in the first terminal only
    first.wait_for("4 failing")
    # a demo of its own would never validate (read-only): the second follows the first's files
    screen = second.wait_for("4 failing")
    assert "invalid" in screen

    rotui = shlex.join(rotui_command())
    third = terminal(
        [],
        env,
        command=[
            "bash",
            "-c",
            f'{rotui} demo audit 2>{shared}/err | head -1; echo "RC=${{PIPESTATUS[0]}}"; sleep 60',
        ],
    )
    screen = third.wait_for("RC=")
    lines = screen.strip().splitlines()
    assert lines[0].split()[3] == "key.validated" and screen.count("key.validated") == 1, screen
    assert lines[-1] in ("RC=0", "RC=141"), screen  # 141 when head left first: quietly
    errors = (shared / "err").read_text()
    assert "internal error" not in errors and "Traceback" not in errors, errors

    first.send("q")
    assert first.wait_exit() == 0
    second.send("q")
    assert second.wait_exit() == 0
    assert not list(shared.rglob("crash-*.log"))
    assert not list((shared / next(shared.iterdir()).name).glob("demo-*")), "files left behind"
