"""Walk finding 21, the words on screens of this change: the revoke-now question names the
consumers that break (it said "listed above" in a modal that lists nothing)."""

from __future__ import annotations

from textual.widgets import Static

from rotui.ui.app import make_app
from rotui.ui.modals.confirm import TypedConfirmModal
from rotui.ui.screens.emergency import EmergencyScreen
from tests.ui.helpers import wait_until

KEY = "ANTHROPIC_API_KEY_BATCH"


async def test_the_revoke_now_question_names_the_consumers_that_break(demo) -> None:
    app = make_app(demo.services, emergency=KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), "emergency")
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, TypedConfirmModal), "the question")
        text = " ".join(str(w.render()) for w in app.screen.query(Static))
        [key] = demo.services.keys([KEY])
        assert "listed above" not in text, text
        assert all(c.name in text for c in key.consumers), text
        await pilot.press("escape")
