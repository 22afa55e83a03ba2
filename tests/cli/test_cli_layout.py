"""The CLI as read on a terminal (walk s13 section 4): `rotui status` was 94 columns wide and
wrapped every line, validate's DETAIL was cut with no "…"."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from rotui import cli
from rotui.cli.render import cut, table, terminal_width
from rotui.demo import frozen_demo

WHEN = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


class Terminal(io.StringIO):
    """What rotui writes to a terminal: a stream that says it is one."""

    def isatty(self) -> bool:
        return True


def run(tmp_path: Path, argv: list[str], stdout: io.StringIO, columns: str) -> str:
    with frozen_demo(tmp_path, WHEN) as (services, _sim):
        ctx = cli.Context(
            paths=services.paths,
            config=services.config,
            stdout=stdout,
            stderr=io.StringIO(),
            environ={"COLUMNS": columns},
            clock=lambda: WHEN,
            _services=services,
        )
        cli.run(cli.build_parser().parse_args(argv), ctx)
    return stdout.getvalue()


def test_status_fits_an_80_column_terminal_and_a_pipe_keeps_every_column(tmp_path: Path) -> None:
    shown = run(tmp_path / "tty", ["status"], Terminal(), "80")
    lines = shown.splitlines()
    assert lines and max(len(line) for line in lines) <= 80, shown
    assert lines[0].split() == ["NAME", "ENV", "AGE", "FRESHNESS", "LAST", "CHECK", "CONSUMERS"]
    assert "ANTHROPIC_API_KEY_STAGING " in shown and "OVERDUE" in shown, shown  # nothing cut
    piped = run(tmp_path / "pipe", ["status"], io.StringIO(), "80")
    assert "WORKSPACE" in piped and "DUE IN" in piped, piped  # a script gets every column
    wide = run(tmp_path / "wide", ["status"], Terminal(), "200")
    assert wide == piped


def test_validate_cuts_its_detail_with_a_mark(tmp_path: Path) -> None:
    shown = run(tmp_path / "tty", ["validate"], Terminal(), "80")
    lines = shown.splitlines()
    assert max(len(line) for line in lines) <= 80, shown
    row = next(i for i, line in enumerate(lines) if line.startswith("ANTHROPIC_API_KEY_DEV "))
    assert lines[row].split()[1:3] == ["no_credit", "400"], lines[row]
    billing = lines[row + 1]  # no room beside the row at 80: the message goes under it
    assert billing.startswith("    Your credit balance") and billing.endswith("…"), billing
    assert "DETAIL" not in lines[0], lines[0]
    piped = run(tmp_path / "pipe", ["validate"], io.StringIO(), "80")
    detail = next(line for line in piped.splitlines() if line.startswith("ANTHROPIC_API_KEY_DEV "))
    assert detail.endswith("Please go to Plans …"), detail  # 80 characters, the cut marked


def test_the_table_helpers() -> None:
    assert cut("abcdef", 4) == "abc…" and cut("abc", 4) == "abc"
    rows = [["a" * 10, "b" * 30, "c" * 40]]
    text = table(["A", "B", "C"], rows, 60, optional=("B",))
    assert text.splitlines()[1] == "a" * 10 + "  " + "c" * 40
    text = table(["A", "B", "C"], rows, 40, optional=("B",))
    assert text.splitlines()[1] == "a" * 10 + "  " + "c" * 27 + "…"
    assert terminal_width(io.StringIO(), {"COLUMNS": "80"}) is None
    assert terminal_width(Terminal(), {"COLUMNS": "97"}) == 97

