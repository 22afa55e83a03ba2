"""The command registry is lazy: a command imports its own module and nothing another command uses.

Each case runs ``rotui`` as ``python -m rotui`` does, in a child, and lists ``sys.modules`` when it
has finished, so an eager import anywhere on the way (``__main__``, the parser, the registry, the
command) shows up.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = """
[[keys]]
name = "ANTHROPIC_API_KEY"
source = "env:ANTHROPIC_API_KEY"
created = 2026-01-01
"""
COMMANDS = "rotui.cli.commands."
# What only some commands need: the doctor's flows, the server, the demo, the UI and its toolkit.
HEAVY = ("rotui.core.troubleshoot", "rotui.serve", "rotui.demo", "rotui.ui", "textual", "httpx")


CHILD = """
import runpy, sys
listing, sys.argv = sys.argv[1], ["rotui", *sys.argv[2:]]
try:
    runpy.run_module("rotui", run_name="__main__", alter_sys=True)
except SystemExit as stop:
    code = stop.code
with open(listing, "w") as out:
    out.write("\\n".join(sorted(sys.modules)))
sys.exit(code)
"""


def imported(child_env: dict[str, str], tmp_path: Path, *argv: str) -> set[str]:
    config = tmp_path / "rotui.toml"
    config.write_text(CONFIG)
    config.chmod(0o600)
    listing = tmp_path / "modules.txt"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(listing), "--config", str(config), *argv],
        capture_output=True, text=True, env=child_env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return set(listing.read_text().split())


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize(
    ("argv", "module"),
    [(["status", "--json"], "status"), (["status"], "status"), (["runs", "--json"], "runs")],
)
def test_a_command_imports_no_other_command(
    child_env: dict[str, str], tmp_path: Path, argv: list[str], module: str
) -> None:
    modules = imported(child_env, tmp_path, *argv)
    assert {m for m in modules if m.startswith(COMMANDS)} == {COMMANDS + module}
    assert heavy(modules) == []


def test_the_import_log_sees_what_a_command_does_import(
    child_env: dict[str, str], tmp_path: Path
) -> None:
    """The other side: ``doctor --help`` lists its flows, so it reads them (and runs nothing)."""
    modules = imported(child_env, tmp_path, "doctor", "--help")
    assert "rotui.core.troubleshoot.flows" in modules
    assert not {m for m in modules if m.startswith(COMMANDS)}


def test_the_contracts_say_commands_stand_alone_and_entry_points_sit_on_top() -> None:
    """What ``lint-imports`` holds the CLI to (tests/unit/test_layers.py runs it)."""
    import tomllib

    root = Path(__file__).resolve().parents[2]
    contracts = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["importlinter"]
    kinds = {(c["type"], str(c.get("modules"))) for c in contracts["contracts"]}
    assert ("independence", "['rotui.cli.commands.*']") in kinds
    [layers] = [c["layers"] for c in contracts["contracts"] if c["type"] == "layers"]
    assert layers[:3] == ["rotui.__main__", "rotui.cli", "rotui.serve | rotui.demo"]


@pytest.mark.parametrize(
    "argv",
    [
        ["status", "--json", "--config", "F", "--read-only"],
        ["key", "set", "NAME", "--config", "F", "--read-only"],
        ["demo", "audit", "--verify", "--config", "F", "--read-only"],
        ["--config", "F", "--read-only", "demo", "report", "RUN"],
    ],
)
def test_a_command_filled_in_when_chosen_takes_global_options_at_any_depth(
    argv: list[str],
) -> None:
    from rotui.cli import build_parser

    args = build_parser().parse_args(argv)
    assert (args.config, args.read_only) == ("F", True)


def test_each_command_is_filled_in_once_with_its_own_options() -> None:
    from rotui.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["rotate", "K", "--headless", "--dry-run"]).dry_run is True
    assert parser.parse_args(["revoke", "K", "--mode", "overlap"]).mode == "overlap"
    assert parser.parse_args(["rotate", "K"]).dry_run is False  # the same parser, again
    with pytest.raises(SystemExit):
        parser.parse_args(["status", "--dry-run"])  # another command's option is not status's


def test_status_on_a_checked_config_reads_no_secret(child_env: dict[str, str], tmp_path: Path) -> None:
    """Figure 1: once the config's checked result is cached, `rotui status` re-checks nothing, so
    it never imports the secret store (the cache's code stamp named a file that no longer
    existed, so the checked result never matched and every start checked the config again)."""
    imported(child_env, tmp_path, "status", "--json")  # fills the cache, as any earlier run
    modules = imported(child_env, tmp_path, "status", "--json")
    assert "rotui.hangup" in modules and "rotui.config_cache" in modules
    assert not {m for m in modules if m == "rotui.core.secret" or m.startswith("rotui.core.secret.")}


def test_the_config_cache_stamp_reads_only_code_that_exists() -> None:
    from rotui import config_cache

    root = Path(config_cache.__file__).resolve().parent.parent
    assert all((root / name).exists() for name in config_cache._CHECKER_MODULES)


def test_status_on_a_checked_config_parses_and_checks_nothing(
    child_env: dict[str, str], tmp_path: Path
) -> None:
    """The second ``status`` on a configuration is served checked from the cache: no TOML parser,
    no checker, and not the holders scan's model (only ``[holders]`` itself, which the config
    holds). Each was some 2-4 ms of every start (benchmarks figure 1)."""
    first = imported(child_env, tmp_path, "status", "--json")
    assert {"tomllib", "rotui.config.checker"} <= first  # the first run parses and checks
    second = imported(child_env, tmp_path, "status", "--json")
    assert "rotui.core.holders.settings" in second
    unused = {"tomllib", "rotui.config.checker", "rotui.core.holders.model"}
    assert sorted(unused & second) == []
