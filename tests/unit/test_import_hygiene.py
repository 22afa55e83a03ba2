"""The core never imports Textual or Rich: every flow must work without the UI."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import rotui
import rotui.core
import rotui.sim

CORE_MODULES = [
    *(m.name for m in pkgutil.walk_packages(rotui.core.__path__, "rotui.core.") if not m.ispkg),
    *(m.name for m in pkgutil.walk_packages(rotui.sim.__path__, "rotui.sim.") if not m.ispkg),
    *("rotui.config", "rotui.state", "rotui.paths", "rotui.cli", "rotui.demo", "rotui.services"),
]


def test_the_list_is_not_empty() -> None:
    assert {
        "rotui.core.model",
        "rotui.core.anthropic",
        "rotui.core.consumers.heroku",
        "rotui.core.rotation.machine",
    } <= set(CORE_MODULES)


@pytest.mark.parametrize("module", CORE_MODULES)
def test_module_imports_without_textual_or_rich(module: str) -> None:
    # httpx imports its command-line client (rich) whenever click is installed too, as it is
    # with apprise (rotui[notify]): not rotui's doing, so that one import is blocked here.
    code = (
        "import sys\n"
        "sys.modules['httpx._main'] = None\n"
        f"import {module}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"{module} pulled in {done.stdout.strip()}"
