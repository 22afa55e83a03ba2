"""The revoke question of an emergency whose old key already answers 401 says so (walk s13 1.9):
it said "stops working at once", which the wizard's own pre-check knew to be untrue."""

from __future__ import annotations

import os

from textual.widgets import Static

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from rotui.ui.app import make_app
from rotui.ui.modals.confirm import TypedConfirmModal
from tests.e2e.test_rotation_guards import services, through_verify
from tests.e2e.wizard import select_consumer, settle
from tests.e2e.world import KEY, World
from tests.ui.helpers import wait_until


async def revoke_question(world: World) -> str:
    svc = services(world)
    async with svc.rotation(KEY, kind="emergency", mode="overlap") as rotation:
        await through_verify(rotation)
    app = make_app(svc, rotate=KEY)  # resumes the emergency run
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        select_consumer(app, "ci")
        await pilot.press("c")
        await settle(pilot, app)
        await pilot.press("X")
        await wait_until(pilot, lambda: isinstance(app.screen, TypedConfirmModal), "the question")
        return str(app.screen.query_one("#confirm-body", Static).render())


async def test_the_revoke_of_a_dead_key_is_not_said_to_stop_it_at_once(world: World) -> None:
    world.anthropic.key_by_id(world.old_id).status = "inactive"  # revoked by someone else first
    said = await revoke_question(world)
    assert "stops working at once" not in said, said
    assert "already answered 401 at the pre-check" in said and "cannot be undone" in said


async def test_the_revoke_of_a_live_key_still_says_it_stops_at_once(world: World) -> None:
    said = await revoke_question(world)
    assert "stops working at once; this cannot be undone" in said and "already" not in said
