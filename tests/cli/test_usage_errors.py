"""A command line argparse refuses gets one line naming what is wrong and `--help`, exit 2 (walk
s13 3.16): argparse printed the usage block first, 2 to 6 lines at 80 columns."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from rotui.cli.entry import main
from rotui.demo.hints import rotui_command

KEY_VALUE = "sk-ant-api03-" + "Q" * 80 + "-AAAAAAAAAAAAA"


@pytest.fixture(autouse=True)
def typed_as_rotui(monkeypatch: pytest.MonkeyPatch) -> None:
    """Started as `rotui` (under pytest, argv[0] is pytest's)."""
    monkeypatch.setattr(sys, "argv", ["rotui"])


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["rotate"], "rotui rotate: error: the following arguments are required: NAME"),
        (["key"], "rotui key: error: the following arguments are required: ACTION"),
        (["report", "R", "-x"], "rotui report: error: unrecognized arguments: -x"),
        (["revoke", "K", "--mode", "nope"], "rotui revoke: error: argument --mode: invalid choice"),
        (["bogus"], "rotui: error: argument COMMAND: invalid choice: 'bogus'"),
        (["status", "--bogus"], "rotui status: error: unrecognized arguments: --bogus"),
    ],
)
def test_a_usage_error_is_one_line_pointing_at_help(
    argv: list[str], line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(line), err
    prog = line.split(": error:")[0]
    assert err.endswith(f" (see `{prog} --help`)\n") and "usage:" not in err


def test_words_quoted_from_the_command_line_are_escaped_and_keys_masked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["status", KEY_VALUE, "\x1b]52;c;aGk=\x07"])
    err = capsys.readouterr().err
    assert KEY_VALUE not in err and "sk-ant-api03-QQQ" in err  # the masked hint only
    assert "\x1b" not in err and "\\x1b]52;c;aGk=\\x07" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "help_command"),
    [(["demo", "status", "--bogus"], "demo status"), (["bogus"], ""), (["status", "-z"], "status")],
)
def test_the_help_pointer_names_rotui_as_it_was_typed(
    argv: list[str], help_command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Walk s14 3.7: after `make demo`, `.venv/bin/rotui demo status --bogus` pointed at
    `rotui demo status --help`, "command not found" there; the demo's other hints name the
    command as it was started."""
    started = tmp_path / "checkout" / ".venv" / "bin" / "rotui"  # not the rotui on PATH
    monkeypatch.setattr(sys, "argv", [str(started)])
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    typed = rotui_command(str(started))  # the path, or ~/… when under the home directory
    assert typed != "rotui" and typed.endswith("checkout/.venv/bin/rotui"), typed
    assert err.endswith(f" (see `{' '.join(filter(None, [typed, help_command]))} --help`)\n"), err
    assert err.count("\n") == 1
