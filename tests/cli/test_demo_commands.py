"""`rotui demo runs|report|status` as an operator types them (walk findings 13 and 23), and
choice-like options refused with exit 2 naming the valid values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rotui.core.runs import Run, RunStore
from rotui.paths import Paths
from tests.support.tmux import rotui_command


def rotui(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*rotui_command(), *args], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.fixture
def running_demo(tmp_path: Path, child_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """A demo as `rotui demo` announces it: its files, and a live process named in the pointer."""
    home = tmp_path / f"rotui-demo-{os.getuid()}"
    root = home / "demo-1-x"
    (root / "config").mkdir(parents=True)
    (root / "config" / "rotui.toml").write_text('[[keys]]\nname = "DEMO_KEY"\nsource = "env:X"\n')
    home.chmod(0o700)
    run = Run(run_id="20261130T091725Z-abcdef", key="DEMO_KEY", kind="rotation",
              steps=["precheck"], started_at="2026-11-30T09:17:25+00:00", actor="demo")
    RunStore(Paths.under(root).state_dir).save(run)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        (home / "current.json").write_text(json.dumps({"root": str(root), "pid": alive.pid}))
        yield {**child_env, "TMPDIR": str(tmp_path)}
    finally:
        alive.kill()
        alive.wait()


def test_the_demos_runs_can_be_listed(running_demo: dict[str, str]) -> None:
    done = rotui(running_demo, "demo", "runs", "--json")
    assert done.returncode == 0, done.stderr
    assert [r["run_id"] for r in json.loads(done.stdout)["runs"]] == ["20261130T091725Z-abcdef"]
    mine = rotui(running_demo, "runs", "--json")  # the user's own runs: none
    assert json.loads(mine.stdout)["runs"] == []
    helped = rotui(running_demo, "demo", "report", "--help")
    assert helped.returncode == 0 and "`rotui demo runs` lists them" in helped.stdout
    unknown = rotui(running_demo, "demo", "report", "nope")
    assert unknown.returncode == 2 and "`rotui demo runs` lists them all" in unknown.stderr
    plain = rotui(running_demo, "report", "--help")
    assert "`rotui runs` lists them" in plain.stdout


@pytest.mark.parametrize(
    ("argv", "usage"),
    [
        (("demo", "status", "--bogus"), "rotui demo status"),
        (("demo", "audit", "--bogus"), "rotui demo audit"),
        (("status", "--bogus"), "rotui status"),
        (("key", "set", "X", "--bogus"), "rotui key set"),
    ],
)
def test_an_unknown_option_names_that_commands_help(child_env, argv, usage) -> None:
    done = rotui(child_env, *argv)
    assert done.returncode == 2
    assert done.stderr == (
        f"{usage}: error: unrecognized arguments: --bogus (see `{usage} --help`)\n"
    ), done.stderr


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (("status", "--theme", "nope"), "nord"),
        (("--theme", "nope", "status"), "nord"),
        (("revoke", "K", "--mode", "nope"), "overlap"),
        (("doctor", "--flow", "nope"), "environment"),
        (("serve", "--port", "nope"), "not a port number"),
    ],
)
def test_a_bad_choice_exits_2_naming_the_valid_ones(child_env, argv, named) -> None:
    done = rotui(child_env, *argv)
    assert done.returncode == 2, done.stderr
    assert "nope" in done.stderr and named in done.stderr
    assert "Traceback" not in done.stderr
