"""Walk s14 (section 3 items 1-2, 1.5): R says it ran, the footer offers what the panel says,
and what a rollback leaves to do by hand is said in the panel, not in a toast over the next
screen."""

from __future__ import annotations

import os

from textual.widgets import Static

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from tests.e2e.test_rotation_guards import services
from tests.e2e.wizard import open_wizard, paste_new_key, roll_back, run_through_propagation, settle
from tests.e2e.world import KEY, World


def offered(app) -> set[str]:  # type: ignore[no-untyped-def]
    return {b.binding.action for b in app.active_bindings.values() if b.enabled}


def panel(wizard) -> str:  # type: ignore[no-untyped-def]
    return str(wizard.query_one("#step-help", Static).render())


async def test_R_says_when_it_ran_and_the_footer_offers_only_what_the_panel_says(
    world: World,
) -> None:
    world.env["HEROKU_API_KEY"] = "wrong-token"  # the api consumer cannot be written
    svc = services(world)
    async with open_wizard(svc, (120, 36)) as (app, pilot):
        wizard = app.screen
        await paste_new_key(pilot, app)
        said = panel(wizard)
        assert "R retries" in said and "retried at" not in said
        actions = offered(app)
        assert "confirm_consumer" not in actions, actions  # laptop's step was never shown
        assert {"retry", "rollback", "skip_consumer"} <= actions, actions
        assert "s skips a failing consumer" in said  # s in the footer: said in the panel too
        await pilot.press("R")
        await settle(pilot, app)
        said = panel(wizard)
        assert "R: retried at " in said and "still failing" in said, said
        world.env["HEROKU_API_KEY"] = "tok-heroku-world"  # the operator fixes the token
        await pilot.press("R")
        await settle(pilot, app)
        said = panel(wizard)
        assert "R: retried at " in said and "done" in said and "Manual: laptop" in said, said
        assert "confirm_consumer" in offered(app)  # now the panel asks for laptop


async def test_restore_by_hand_is_said_in_the_panel_and_no_toast_outlives_the_wizard(
    world: World,
) -> None:
    svc = services(world)
    await run_through_propagation(svc)  # laptop's step was asked: it may have been done
    async with open_wizard(svc) as (app, pilot):
        wizard = app.screen
        await roll_back(pilot, app)
        said = panel(wizard)
        assert "ended (rolled back)" in said and "Restore by hand:\n- laptop:" in said, said
        assert not app._notifications, list(app._notifications)  # nothing to cover the next screen
    assert svc.runs().latest()[KEY].status == "rolled_back"


async def test_an_observer_sees_a_rollback_that_began_and_what_it_could_not_restore(
    world: World,
) -> None:
    """Walk s14 1.4: a failed rollback left the run "active" at "✗ 4. Propagate" for observers."""
    from rotui.ui.widgets.key_detail import rotation_lines

    world.env["HEROKU_API_KEY"] = "wrong-token"  # api can be written neither way
    svc = services(world)
    async with open_wizard(svc) as (app, pilot):
        wizard = app.screen
        await paste_new_key(pilot, app)
        await roll_back(pilot, app)
        assert "rollback is incomplete" in panel(wizard)
        title = str(wizard.query_one("#wizard-title", Static).render())
        assert "· rolling back · run " in title, title
    [row] = [r for r in svc.rows() if r.name == KEY]
    header = rotation_lines(row)[0].plain
    assert "rolling back (incomplete: api)" in header and "active" not in header, header
    assert row.rotation == "rolling back"
