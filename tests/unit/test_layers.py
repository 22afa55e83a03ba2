"""The architecture holds: the import-linter contracts in pyproject.toml pass (``make test`` runs them
too), and they say what the house style promises."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    found: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return found


def test_the_core_may_not_import_ui_cli_shell_textual_or_rich() -> None:
    [core] = [c for c in contracts() if c.get("source_modules") == ["rotui.core"]]
    assert core["type"] == "forbidden"
    assert {
        "rotui.ui", "rotui.cli", "rotui.demo", "rotui.serve", "rotui.services", "rotui.config",
        "rotui.state", "rotui.paths", "textual", "rich",
    } <= set(core["forbidden_modules"])


def test_layers_run_from_entry_points_down_to_the_core() -> None:
    [layers] = [c for c in contracts() if c["type"] == "layers"]
    order = [str(layer).split()[0] for layer in layers["layers"]]
    assert order.index("rotui.cli") < order.index("rotui.ui") < order.index("rotui.services")
    assert order.index("rotui.services") < order.index("rotui.config") < order.index("rotui.core")


def test_screens_are_independent_and_widgets_never_import_them() -> None:
    kinds = {(c["type"], str(c.get("modules") or c.get("source_modules"))) for c in contracts()}
    assert ("independence", "['rotui.ui.screens.*']") in kinds
    assert ("forbidden", "['rotui.ui.widgets', 'rotui.ui.modals']") in kinds


def test_the_contracts_hold() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert f"Contracts: {len(contracts())} kept, 0 broken." in done.stdout


def test_services_and_the_shell_may_not_import_textual_or_rich() -> None:
    """What the hand-written hygiene test checked for these modules, now a contract."""
    guarded = [c for c in contracts() if c.get("forbidden_modules") == ["textual", "rich"]]
    assert guarded and {"rotui.services", "rotui.config", "rotui.state", "rotui.paths"} <= set(
        guarded[0]["source_modules"]
    )
