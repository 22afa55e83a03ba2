"""The README's commands table names every option each command takes (walk s13 section 5:
`rotui rotate`'s row lacked `--ack-holders`), and no help points the demo at another command."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from rotui.cli import registry

README = Path(__file__).resolve().parents[2] / "README.md"


def rows(command: str) -> str:
    """The commands table's rows of ``rotui COMMAND``, their first cell only."""
    cells = re.findall(r"^\| `(rotui (?:[^|\\]|\\.)*)` \|", README.read_text(), flags=re.M)
    return " ".join(c for c in cells if c.split()[1:2] == [command])


@pytest.mark.parametrize("command", [c for c in registry.COMMANDS], ids=lambda c: c.name)
def test_every_option_of_a_command_is_in_its_row(command: registry.Command) -> None:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    options = [a.option_strings for a in parser._actions if a.option_strings and a.dest != "help"]
    row = rows(command.name)
    assert row, f"no row for rotui {command.name}"
    said = set(re.findall(r"(?<![\w-])-{1,2}[\w-]+", row))
    missing = sorted(max(names, key=len) for names in options if not said & set(names))
    assert not missing, f"rotui {command.name}: {missing} not in the README's row: {row}"


def test_the_runs_help_names_no_command_the_demo_does_not_have() -> None:
    """`rotui demo --help` lists `runs` with this help: `rotui report` is not the demo's."""
    assert "rotui report" not in registry.BY_NAME["runs"].help
