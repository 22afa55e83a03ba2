"""`rotui demo audit|report|status` read the running demo's files, or say none runs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.tmux import rotui_command


def rotui(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*rotui_command(), *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_reading_a_demo_when_none_runs_is_a_usage_error(
    tmp_path: Path, child_env: dict[str, str]
) -> None:
    env = {**child_env, "TMPDIR": str(tmp_path)}
    for args in (["demo", "audit"], ["demo", "report", "x"], ["demo", "status"]):
        done = rotui(env, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert "no demo is running" in done.stderr and "rotui demo" in done.stderr
        assert done.stdout == ""


def test_a_demo_pointer_of_a_dead_process_is_not_followed(
    tmp_path: Path, child_env: dict[str, str]
) -> None:
    home = tmp_path / f"rotui-demo-{os.getuid()}"
    root = home / "demo-999999999-x"
    (root / "config").mkdir(parents=True)
    (root / "config" / "rotui.toml").write_text("")
    home.chmod(0o700)
    (home / "current.json").write_text(f'{{"root": "{root}", "pid": 999999999}}')
    done = rotui({**child_env, "TMPDIR": str(tmp_path)}, "demo", "status")
    assert done.returncode == 2 and "no demo is running" in done.stderr


def test_a_shared_demo_dir_others_can_enter_is_refused(
    tmp_path: Path, child_env: dict[str, str]
) -> None:
    home = tmp_path / f"rotui-demo-{os.getuid()}"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    done = rotui({**child_env, "TMPDIR": str(tmp_path)}, "demo", "audit")
    assert done.returncode == 2
    assert f"{home} is not a private directory of yours" in done.stderr
    assert "Traceback" not in done.stderr
