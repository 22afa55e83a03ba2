"""The wizard inside the demo names the demo's keys, not a command on the user's configuration
(walk s13 2.2): after rolling back an overlap emergency, "revoke it as soon as you can" said
`rotui revoke NAME`, which ends in "no configuration found"."""

from __future__ import annotations

from textual.widgets import Button, Static

from rotui.ui.app import make_app
from rotui.ui.modals.confirm import TypedConfirmModal
from rotui.ui.screens.emergency import EmergencyScreen
from rotui.ui.screens.rotation import RotationWizardScreen
from tests.ui.helpers import wait_until

KEY = "ANTHROPIC_API_KEY_BATCH"


def step_help(app) -> str:
    return " ".join(str(app.screen.query_one("#step-help", Static).render()).split())


async def test_after_rolling_back_an_emergency_the_demo_says_x_on_the_dashboard(demo) -> None:
    app = make_app(demo.services, demo=True, emergency=KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), "emergency")
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, RotationWizardScreen), "wizard")
        button = app.screen.query_one("#demo-console", Button)
        await wait_until(pilot, lambda: button.display, "the demo's Console button")
        await pilot.click("#demo-console")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await wait_until(pilot, lambda: app.screen.check_action("rollback", ()), "a run to roll back")
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, TypedConfirmModal), "the question")
        await pilot.press(*KEY, "enter")
        await wait_until(pilot, lambda: "have leaked" in step_help(app), "the warning")
        text = step_help(app)
    assert "revoke it as soon as you can (x on the dashboard)" in text, text
    assert "`rotui " not in text, text
