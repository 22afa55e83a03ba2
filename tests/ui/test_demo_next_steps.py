"""Inside the demo, troubleshooting's next steps name the demo's keys (walk s13 2.2)."""

from __future__ import annotations

import pytest

from rotui.ui.app import make_app
from rotui.ui.screens.troubleshoot import TroubleshootScreen
from tests.ui.test_troubleshoot_screen import choose


@pytest.mark.parametrize(
    ("key", "said", "left_out"),
    [
        ("ANTHROPIC_API_KEY_STAGING",
         ["replace it through the emergency revoke (x on the dashboard), which takes the new key"],
         "key set"),
        ("ANTHROPIC_API_KEY_DEV", ["Then check again: v on the dashboard"], "--ping"),
    ],
)  # fmt: skip
async def test_in_the_demo_next_steps_name_its_keys_not_commands_on_the_real_config(
    demo, key: str, said: list[str], left_out: str
) -> None:
    """`rotui rotate NAME`, `rotui validate NAME` in the demo acted on the user's own
    configuration ("no configuration found"); the demo names its own key instead. A step the
    demo cannot take at all (`key set`, `validate --ping`: walk s14 2.1) is left out."""
    app = make_app(demo.services, demo=True)
    async with app.run_test(size=(140, 60)) as pilot:
        await pilot.pause()
        await app.push_screen(TroubleshootScreen(demo.services, key))
        await pilot.pause()
        text = " ".join((await choose(app, pilot, "key")).split())
    for phrase in said:
        assert phrase in text, text
    assert "`rotui " not in text, text
    assert left_out not in text and "with your own configuration" not in text, text


def test_quitting_the_demo_mid_run_names_the_demo_as_it_was_started(demo) -> None:
    """The quit dialog said "the next `rotui demo` starts afresh": after `make demo`, `rotui` is
    not on PATH, so that command was "not found" (the demo's other hints were fixed in s13)."""
    from rotui.core.runs import Run

    app = make_app(demo.services, demo=True)
    run = Run("run-1", "ANTHROPIC_API_KEY_STAGING", "rotation", [], "2026-11-30T02:00:00Z", "ops")
    said = app.resume_message([run])
    assert "the next `.venv/bin/rotui demo` starts afresh" in said, said
    assert "`rotui rotate ANTHROPIC_API_KEY_STAGING` would resume it" in said, said


@pytest.mark.parametrize("in_demo", [True, False])
async def test_a_check_this_screen_lists_is_named_there_not_as_a_command(demo, in_demo) -> None:
    """From the troubleshoot screen, "`rotui doctor K --flow consumers`" (another terminal) or, in
    the demo, "t on the dashboard, then …" (Esc first) named a check listed on the same screen."""
    if not in_demo:
        demo.services.hints = None  # the screen as on the operator's own configuration
    app = make_app(demo.services, demo=in_demo)
    async with app.run_test(size=(140, 60)) as pilot:
        await pilot.pause()
        await app.push_screen(TroubleshootScreen(demo.services, "ANTHROPIC_API_KEY"))
        await pilot.pause()
        text = " ".join((await choose(app, pilot, "key")).split())
    assert "“Consumers fail after rotation” in this list checks the consumers" in text, text
    assert "rotui doctor" not in text and "t on the dashboard" not in text, text
