"""`make demo` installs the runtime only; `make test` adds the test tools (the newcomer's wait)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def planned(target: str, venv: Path) -> str:
    """What make would run for ``target`` on a machine without the venv (nothing is run)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "-B", target, f"VENV={venv}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_demo_installs_the_runtime_and_no_test_extra(tmp_path: Path) -> None:
    plan = planned("demo", tmp_path / "venv")
    installs = [line for line in plan.splitlines() if "pip install" in line]
    assert installs and all("[test]" not in line for line in installs), plan
    assert any(line.rstrip().endswith("-e .") for line in installs), plan
    assert "--upgrade pip" not in plan
    assert plan.splitlines()[-1].endswith("rotui demo")


def test_make_test_installs_the_test_extra(tmp_path: Path) -> None:
    plan = planned("test", tmp_path / "venv")
    assert "-e '.[test]'" in plan and "pytest" in plan.splitlines()[-1]


def test_make_test_checks_the_layers_and_the_types_before_the_tests(tmp_path: Path) -> None:
    lines = planned("test", tmp_path / "venv").splitlines()
    [layers] = [i for i, line in enumerate(lines) if "lint-imports" in line]
    [types] = [i for i, line in enumerate(lines) if "mypy" in line]
    assert "-m pytest" in lines[-1] and layers < len(lines) - 1 and types < len(lines) - 1, lines
