"""A key given on the command line by mistake is never printed back.

``rotui key set sk-ant-…`` (the value where the name goes), ``rotui rotate NAME sk-ant-…`` or a key
after ``--flow``: the key is in the shell's history already, but rotui's answer goes further (a
CI log, a terminal recording, a pasted bug report). Argparse echoes an unrecognised argument or
an invalid choice, and rotui's own messages quote the name they did not find; each shows the
key's masked hint instead.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rotui.cli import main
from rotui.core.secret import mask
from rotui.demo import fake_key

KEY = fake_key("leak-argv-echo")
ADMIN = fake_key("leak-argv-echo-admin", "sk-ant-admin01-")
CONFIG = """\
[[keys]]
name = "GOOD"
source = "env:GOOD_KEY"
created = 2026-01-01
"""

CASES = [
    pytest.param(["key", "set", KEY], "unknown key", id="the key where its name goes"),
    pytest.param(["validate", KEY], "unknown key", id="validate KEY"),
    pytest.param(["rotate", "GOOD", KEY], "unrecognized arguments", id="an extra argument"),
    pytest.param(["status", "--new-key", ADMIN], "unrecognized arguments", id="an unknown option"),
    pytest.param(["doctor", "--flow", KEY], "invalid choice", id="an invalid choice"),
    pytest.param([KEY], "invalid choice", id="the key as the command"),
    pytest.param(["--config", KEY, "status"], "no configuration found", id="the key as a path"),
    pytest.param(
        ["revoke", "GOOD", "--headless", "--confirm", KEY], "does not match", id="confirm"
    ),
    pytest.param(["report", KEY], "no run", id="the key as a run id"),
]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "rotui.toml"
    path.write_text(CONFIG)
    path.chmod(0o600)
    monkeypatch.setenv("ROTUI_CONFIG", str(path))
    return path


@pytest.mark.parametrize(("argv", "said"), CASES)
def test_a_key_on_the_command_line_is_answered_with_its_hint(
    argv: list[str], said: str, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(argv)
    except SystemExit as exited:  # argparse's own errors
        code = exited.code  # type: ignore[assignment]
    out, err = capsys.readouterr()
    assert code == 2
    assert said in err, err
    value = KEY if KEY in argv else ADMIN
    assert mask(value) in err  # the operator still sees which value they typed, as its hint
    for text in (out, err):
        assert value not in text
        assert value[20:60] not in text  # no long piece of it either


def test_the_real_command_prints_only_the_hint(config: Path, child_env: dict[str, str]) -> None:
    """As a shell runs it: a child process, its stderr as a terminal or a CI log gets it."""
    child_env["ROTUI_CONFIG"] = str(config)
    done = subprocess.run(
        [sys.executable, "-m", "rotui", "key", "set", "GOOD", KEY],
        capture_output=True,
        text=True,
        env=child_env,
        timeout=60,
    )
    assert done.returncode == 2
    assert "unrecognized arguments: " + mask(KEY) in done.stderr
    assert KEY[20:60] not in done.stderr + done.stdout
