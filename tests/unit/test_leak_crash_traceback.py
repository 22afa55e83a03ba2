"""A crash in the full-screen app never prints a key: no traceback with local variables.

Textual ends an app on an unhandled error by printing a Rich traceback with ``show_locals=True``.
A frame that handled a pasted key holds it as a plain string (the wizard's submit handler hands
the value to the core; Textual's ``Input.insert_text_at_cursor(text)`` has it as ``text``), so
any bug on that path printed the new key on the terminal. rotui writes the traceback without
locals, masked, to a 0600 crash log and prints one line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import os, sys
from pathlib import Path
from textual import events
from textual.widgets import Input
from rotui.ui.app import make_app
from rotui.ui.screens.rotation import RotationWizardScreen
from rotui.ui.widgets.secret_input import SecretInput
from tests.ui.helpers import demo_services, wait_until

KEY = "ANTHROPIC_API_KEY"
root, where = Path(sys.argv[1]), sys.argv[2]

def bug(self, *args):
    raise RuntimeError("a bug on the path of the pasted key")

if where == "handler":  # the wizard's own frame holds `value`, the plain key
    RotationWizardScreen.step = bug
else:  # Textual's frame holds `text`, the pasted key
    Input.insert_text_at_cursor = bug

with demo_services(root) as demo:
    new_key = demo.services.console(KEY)
    (root / "pasted").write_text(new_key)
    app = make_app(demo.services, rotate=KEY, demo=True)

    async def paste_and_submit(pilot):
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, RotationWizardScreen)
            and app.screen.query_one("#new-key", SecretInput).display,
            "the wizard asks for the new key",
        )
        app.screen.query_one("#new-key", SecretInput).focus()
        await pilot.pause()
        app.post_message(events.Paste(new_key))
        await pilot.pause()
        await pilot.press("enter")

    app.run(headless=True, size=(200, 40), auto_pilot=paste_and_submit)
    print("return code", app.return_code)
"""


@pytest.mark.parametrize("where", ["handler", "textual"])
def test_a_crash_after_a_paste_prints_one_line_and_logs_no_key(tmp_path: Path, where: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path), where],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TEXTUAL_ANIMATIONS": "none"},
    )
    pasted = (tmp_path / "pasted").read_text()
    said = done.stdout + done.stderr
    assert "return code 1" in done.stdout, said[-3000:].replace(pasted, "<the key>")
    assert pasted[20:60] not in said  # not the value, not a long piece of it
    assert "locals" not in said and "Traceback" not in said
    assert "rotui: internal error (RuntimeError); details in " in done.stderr
    logs = list(tmp_path.rglob("crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in done.stderr.replace("\n", "")
    log = logs[0].read_text()
    assert "RuntimeError: a bug on the path of the pasted key" in log  # a useful report
    assert pasted[20:60] not in log
    assert logs[0].stat().st_mode & 0o777 == 0o600
