"""Child process for test_secret_input_log: the rotation wizard with Textual's log on.

TEXTUAL_LOG is read when Textual is imported, so the test runs this in a fresh interpreter.
Prints the pasted key's value on the last line, for the parent to scan the log for.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from textual import events

from rotui.ui.app import make_app
from rotui.ui.screens.rotation import RotationWizardScreen
from rotui.ui.widgets.secret_input import SecretInput
from tests.ui.helpers import Demo, demo_services, wait_until

KEY = "ANTHROPIC_API_KEY"


def main(root: Path) -> None:
    with demo_services(root) as demo:  # validates with its own event loop: before ours
        new_key = asyncio.run(drive(demo))
    print(new_key)


async def drive(demo: Demo) -> str:
    assert demo.services.console is not None
    new_key = demo.services.console(KEY)  # the demo Console creates the new key
    app = make_app(demo.services, rotate=KEY, demo=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, RotationWizardScreen)
                and app.screen.query_one("#new-key", SecretInput).display
            ),
            "the wizard asks for the new key",
        )
        box = app.screen.query_one("#new-key", SecretInput)
        box.focus()
        await pilot.pause()
        app.post_message(events.Paste(new_key))  # as a terminal's bracketed paste
        await wait_until(pilot, lambda: box.value == new_key, "the paste arrived")
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: not any(w.is_running for w in app.workers if w.group == "rotation"),
            "the new key was taken",
        )
        await pilot.pause()
        taken = demo.services.runs().latest().get(KEY)
        assert taken is not None and taken.facts.pending_stored, taken
    return new_key


if __name__ == "__main__":
    main(Path(sys.argv[1]))
