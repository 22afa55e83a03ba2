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


async def test_an_emergency_refused_beside_a_rotation_names_the_demos_keys(demo) -> None:
    """The refusal said `rotui rotate NAME` and `rotui rotate NAME --rollback`."""
    from rotui.ui.modals.error import ErrorModal

    key = "ANTHROPIC_API_KEY"
    app = make_app(demo.services, demo=True, rotate=key)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, RotationWizardScreen), "wizard")
        button = app.screen.query_one("#demo-console", Button)
        await wait_until(pilot, lambda: button.display, "the demo's Console button")
        await pilot.click("#demo-console")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        run = lambda: demo.services.runs().active(key)  # noqa: E731
        await wait_until(pilot, lambda: run() is not None and run().wrote_anything(), "written")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, RotationWizardScreen), "back")
        app.call_later(app.open_emergency, key)
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), "emergency")
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorModal), "the refusal")
        text = " ".join(" ".join(str(w.render()) for w in app.screen.query(Static)).split())
    assert "r on the dashboard" in text and "`rotui " not in text, text
