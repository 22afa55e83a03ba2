"""A key pasted into a field that shows its text never lands there.

The dashboard's filter, a skip reason, the exposure time and a typed confirmation are plain
``Input`` fields: a key pasted into one (the wrong field, or "which key is this?") was shown in
clear on the screen (a screenshot, ``rotui serve``'s page, a shared terminal), carried in the
field's ``Changed`` messages (Textual's log) and, for a reason, kept by the run. The paste is
refused with a warning that names the key by its hint; other pastes still work.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input

from rotui.core.secret import mask
from rotui.demo import fake_key
from rotui.ui.app import make_app
from tests.ui.helpers import Demo, demo_services, wait_until

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

PASTED = fake_key("leak-plain-fields")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    with demo_services(tmp_path / "demo") as prepared:
        yield prepared


async def test_a_key_pasted_into_the_filter_is_refused(demo: Demo) -> None:
    app = make_app(demo.services, demo=True)
    async with app.run_test(size=(200, 40), notifications=True) as pilot:
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.focused, Input), "the filter has the focus")
        box = app.focused
        assert isinstance(box, Input) and box.id == "filter"
        app.post_message(events.Paste(f"  {PASTED}\n"))  # as a terminal's bracketed paste
        await wait_until(pilot, lambda: bool(app._notifications), "a warning is shown")
        await pilot.pause()
        assert box.value == ""
        warning = str(next(iter(app._notifications)).message)
        assert mask(PASTED) in warning and "not put in this field" in warning
        screen = app.export_screenshot()
        assert PASTED[20:60] not in screen and PASTED[20:60].replace("-", "&#45;") not in screen

        app.post_message(events.Paste("ANTHROPIC"))  # anything else is pasted as ever
        await wait_until(pilot, lambda: box.value == "ANTHROPIC", "an ordinary paste arrives")


@pytest.mark.parametrize(
    "token",
    [
        "ghp_" + "Q7x9" * 9,  # a GitHub classic token (gh's GH_TOKEN)
        "HRKU-AA" + "b3Kz" * 14 + "xy",  # a Heroku token
    ],
)
async def test_a_token_pasted_into_the_filter_is_refused_too(demo: Demo, token: str) -> None:
    """Only Anthropic keys were refused: a GitHub or Heroku token pasted into the filter was
    shown in clear on the screen (and matched nothing)."""
    app = make_app(demo.services, demo=True)
    async with app.run_test(size=(200, 40), notifications=True) as pilot:
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.focused, Input), "the filter has the focus")
        box = app.focused
        assert isinstance(box, Input)
        app.post_message(events.Paste(token))
        await wait_until(pilot, lambda: bool(app._notifications), "a warning is shown")
        await pilot.pause()
        assert box.value == ""
        warning = str(next(iter(app._notifications)).message)
        assert "a token or another secret" in warning and token not in warning, warning
        assert "Paste a new key" not in warning, warning  # rotui never asks for a token
        assert token[8:30] not in app.export_screenshot()
