"""The overlap emergency on the screen, as the README says it (walk s14 3.5): `o` starts it with
no typed name (nothing is revoked yet); the revoke step, after verify, asks for the key's name,
with the old key's usage since propagation. Headless, `--confirm NAME` is that confirmation."""

from __future__ import annotations

from textual.widgets import Button, Static

from rotui.ui.app import make_app
from rotui.ui.modals.confirm import TypedConfirmModal
from rotui.ui.screens.emergency import EmergencyScreen
from rotui.ui.screens.rotation import RotationWizardScreen
from tests.ui.helpers import wait_until

KEY = "ANTHROPIC_API_KEY_BATCH"


async def test_overlap_from_the_screen_asks_the_name_at_the_revoke_not_at_o(demo) -> None:
    app = make_app(demo.services, demo=True, emergency=KEY)
    asked: list[str] = []  # every typed question, with the step the run was at
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), "emergency")
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, RotationWizardScreen), "wizard")
        wizard = app.screen
        button = wizard.query_one("#demo-console", Button)
        await wait_until(pilot, lambda: button.display, "the demo's Console button")
        await pilot.click("#demo-console")
        await pilot.press("enter")  # the key the simulated Console made, pasted
        run = lambda: demo.services.runs().active(KEY)  # noqa: E731
        for _ in range(10):  # confirm manual consumers until the revoke is offered
            await app.workers.wait_for_complete()
            if wizard.check_action("revoke", ()) is True:
                break
            await pilot.press("c")
        await wait_until(pilot, lambda: wizard.check_action("revoke", ()) is True, "revoke offered")
        active = run()
        assert active is not None and active.step["verify"].state == "done"
        assert active.step["revoke"].state != "done"  # nothing asked, nothing revoked so far
        await pilot.press("X")
        while True:
            await wait_until(pilot, lambda: isinstance(app.screen, TypedConfirmModal), "a question")
            title = str(app.screen.query_one("#confirm-title", Static).render())
            asked.append(title)
            if title == "Revoke the old key":
                break
            await pilot.press(*KEY, "enter")  # the places still holding it, acknowledged
        await pilot.press("escape")
    assert asked[-1] == "Revoke the old key", asked
