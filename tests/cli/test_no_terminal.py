"""The full-screen UI started without a terminal ends with a clear message (issue 15).

From cron, a pipe or CI, ``rotui`` (and the wizards, and the demo) used to paint escape codes into
the pipe and wait forever for keys that never come.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCREENS = {
    "dashboard": [],
    "rotate": ["rotate", "K"],
    "revoke": ["revoke", "K"],
    "demo": ["demo"],
}


def run(
    argv: list[str], config: Path, env: dict[str, str], stdin: int
) -> subprocess.CompletedProcess[str]:
    given = [] if argv[:1] == ["demo"] else ["--config", str(config)]  # the demo refuses it
    return subprocess.run(
        [sys.executable, "-m", "rotui", *given, *argv],
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=60,  # a hang fails here instead of blocking the suite
        env=env,
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "rotui.toml"
    path.write_text(
        '[[keys]]\nname = "K"\nsource = "env:K_VALUE"\nbase_url = "http://127.0.0.1:9"\n'
    )
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("screen", list(SCREENS))
def test_no_terminal_at_all(screen: str, config: Path, child_env: dict[str, str]) -> None:
    env = {k: v for k, v in child_env.items() if k != "TEXTUAL_DRIVER"}
    done = run(SCREENS[screen], config, env, subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert "no terminal" in done.stderr and "Traceback" not in done.stderr
    assert "internal error" not in done.stderr
    assert "\x1b[" not in done.stdout  # nothing painted into the pipe


def test_a_terminal_on_stdin_only_is_not_enough(config: Path, child_env: dict[str, str]) -> None:
    leader, follower = os.openpty()
    try:
        env = {k: v for k, v in child_env.items() if k != "TEXTUAL_DRIVER"}
        done = run([], config, env, follower)
    finally:
        os.close(leader)
        os.close(follower)
    assert done.returncode == 2 and "no terminal" in done.stderr, done.stderr
    assert "--json" in done.stderr  # says what to use instead
