"""After the first paint the dashboard imports what validating needs, off its loop (figure 9b).

In a fresh interpreter, since this one has imported everything already.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CHILD = r"""
import asyncio, gc, sys
from pathlib import Path
from rotui.config import parse_config
from rotui.core.secret import MemoryKeyring, SecretStore
from rotui.paths import Paths
from rotui.services import Services
from rotui.ui.app import make_app

KEYS = "".join(f'[[keys]]\nname = "K{i}"\ncreated = 2026-01-01\n' for i in range(3))

async def main() -> None:
    assert "rotui.core.validation" not in sys.modules and "httpx" not in sys.modules
    config = parse_config("[settings]\ncadence_days = 90\n" + KEYS, "warm.toml")
    services = Services(config=config, paths=Paths.under(Path(sys.argv[1])), store=SecretStore(MemoryKeyring()))
    app = make_app(services, read_only=sys.argv[2] == "observer")
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(400):  # until the heap is settled, which comes after the imports
            if gc.get_freeze_count():
                break
            await pilot.pause(0.05)
        print(bool(gc.get_freeze_count()), "rotui.core.validation" in sys.modules, "httpx" in sys.modules)

asyncio.run(main())
"""


@pytest.mark.parametrize(("who", "imported"), [("operator", True), ("observer", False)])
def test_the_validation_modules_are_imported_before_the_first_v(
    tmp_path: Path, who: str, imported: bool
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path), who],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stderr
    settled, validation, httpx = done.stdout.split()
    assert settled == "True"
    assert (validation, httpx) == (str(imported), str(imported)), done.stdout
