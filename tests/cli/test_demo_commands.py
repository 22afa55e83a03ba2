"""`rotui demo runs|report|status` as an operator types them (walk findings 13 and 23), and
choice-like options refused with exit 2 naming the valid values."""

from __future__ import annotations

import json
import os
import re
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
    assert unknown.returncode == 2 and " demo runs` lists them all" in unknown.stderr
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
def test_an_unknown_option_names_that_commands_help(child_env, argv, usage, monkeypatch) -> None:
    """The help it points at is named as the rotui was started (walk s14 3.7)."""
    from rotui.demo.hints import rotui_command as typed

    done = rotui(child_env, *argv)
    assert done.returncode == 2
    command = rotui_command()
    monkeypatch.setenv("HOME", child_env.get("HOME", ""))  # the child's ~ shortens its path
    started = typed(command[0] if len(command) == 1 else "__main__.py", path=child_env.get("PATH"))
    helped = usage.replace("rotui", started, 1)
    assert done.stderr == (
        f"{usage}: error: unrecognized arguments: --bogus (see `{helped} --help`)\n"
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


@pytest.mark.parametrize(
    "argv",
    [
        ("demo", "status", "--config", "/nonexistent"),
        ("--config", "/nonexistent", "demo", "runs"),
        ("demo", "--headless", "--config", "/nonexistent"),
        ("demo", "audit", "--config=/nonexistent"),
    ],
)
def test_config_is_refused_by_the_demo_not_ignored(child_env, argv) -> None:
    """Walk s13 3.14: `rotui demo status --config F` exited 0 reading the demo, not F."""
    done = rotui(child_env, *argv)
    assert done.returncode == 2, done.stderr
    assert "does not read --config" in done.stderr and "drop --config" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""


def test_the_demos_audit_prints_a_scans_findings_as_json_not_a_python_repr(
    running_demo: dict[str, str], tmp_path: Path
) -> None:
    """Walk s13 section 4: `found=[{'status': 'managed', …}]` was Python's repr of the context."""
    from rotui.core.audit import AuditLog

    root = tmp_path / f"rotui-demo-{os.getuid()}" / "demo-1-x"
    found = [{"status": "managed", "held": "current", "hint": "sk-ant-api03-D3S…qAAA",
              "key": "DEMO_KEY", "place": "file /srv/a b.env"}]  # fmt: skip
    AuditLog(Paths.under(root).data_dir).append(
        "holders.scan",
        key="DEMO_KEY",
        context={"keys": ["DEMO_KEY"], "places": 3, "partial": False, "found": found,
                 "problems": ["GitHub: gh api x failed"], "mode": "now"},
    )
    done = rotui(running_demo, "demo", "audit")
    assert done.returncode == 0, done.stderr
    [line] = [line for line in done.stdout.splitlines() if "holders.scan" in line]
    assert "{'" not in line and "False" not in line
    context = line.split(" DEMO_KEY ", 1)[1]
    assert context.startswith('keys=["DEMO_KEY"] places=3 partial=false found=[{"status": ')
    assert 'problems=["GitHub: gh api x failed"] mode=now' in context
    listed = context.split("found=", 1)[1].split(" problems=", 1)[0]
    assert json.loads(listed) == found


def test_the_demos_readers_name_the_demos_commands_as_typed(
    running_demo: dict[str, str], tmp_path: Path
) -> None:
    """Walk s13 2.1, 2.2: `rotui demo runs NOPE` said `rotui status` lists them: the user's own
    configuration, and `rotui` is not on PATH after `make demo`."""
    env = {**running_demo, "PATH": "/usr/bin:/bin"}  # the venv's bin is not on PATH
    done = rotui(env, "demo", "runs", "NOPE")
    assert done.returncode == 2
    said = re.search(r"`([^`]*)` lists them", done.stderr)
    assert said and said.group(1).endswith(" demo status"), done.stderr
    typed = subprocess.run(["bash", "-c", said.group(1)], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert typed.returncode == 0 and "DEMO_KEY" in typed.stdout, typed.stderr
    unknown = rotui(env, "demo", "report", "nope")
    listed = re.search(r"`([^`]*)` lists them all", unknown.stderr)
    assert listed and listed.group(1).endswith(" demo runs"), unknown.stderr
    typed = subprocess.run(["bash", "-c", listed.group(1)], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert typed.returncode == 0 and "20261130T091725Z-abcdef" in typed.stdout, typed.stderr
