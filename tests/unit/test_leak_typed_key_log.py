"""A key typed into the hidden key field never reaches Textual's log, one character at a time.

With ``TEXTUAL_LOG`` set, Textual logs every event it dispatches with its repr: each keystroke
was ``Key(key='w', character='w', …) >>> SecretInput(…)``, so a key typed in (or pasted by a
terminal without bracketed paste, which sends it as keystrokes) could be read back from the log
in order. Pastes were already masked; keystrokes into a SecretInput are logged as a bullet now.
TEXTUAL_LOG is read when Textual is imported, hence a fresh interpreter.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TYPED = 40  # characters of the key typed in: enough to rebuild most of its secret part

CHILD = """
import asyncio, sys
from pathlib import Path
from rotui.ui.app import make_app
from rotui.ui.screens.rotation import RotationWizardScreen
from rotui.ui.widgets.secret_input import SecretInput
from tests.ui.helpers import demo_services, wait_until

KEY = "ANTHROPIC_API_KEY"

async def drive(demo, new_key):
    app = make_app(demo.services, rotate=KEY, demo=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, RotationWizardScreen)
            and app.screen.query_one("#new-key", SecretInput).display,
            "the wizard asks for the new key",
        )
        box = app.screen.query_one("#new-key", SecretInput)
        box.focus()
        await pilot.pause()
        await pilot.press(*new_key[:TYPED])
        await wait_until(pilot, lambda: box.value == new_key[:TYPED], "the keys were typed")

root = Path(sys.argv[1])
with demo_services(root) as demo:
    new_key = demo.services.console(KEY)
    (root / "typed").write_text(new_key[:TYPED])
    asyncio.run(drive(demo, new_key))
""".replace("TYPED", str(TYPED))


def test_keystrokes_into_the_key_field_are_logged_masked(tmp_path: Path) -> None:
    log = tmp_path / "textual.log"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TEXTUAL_LOG": str(log),
            "TEXTUAL_ANIMATIONS": "none",
        },
    )
    typed = (tmp_path / "typed").read_text()
    assert done.returncode == 0, done.stderr[-3000:].replace(typed, "<typed>")
    text = log.read_text(errors="replace")
    masked = re.findall(r"^Key\(character='•'\) >>> SecretInput", text, re.MULTILINE)
    assert len(masked) >= TYPED  # the log was on and saw every keystroke, masked
    plain = re.findall(r"^Key\(key='[^']*', character='(.)'.*>>> SecretInput", text, re.MULTILINE)
    assert plain == []
    rebuilt = "".join(re.findall(r"character='(.)'", text))
    assert typed[13:] not in rebuilt and typed[13:] not in "".join(rebuilt[::2])
