"""The wizard's revoke with a holder of the old key outside the config: acknowledged, typed."""

from __future__ import annotations

import json
import os

from textual.widgets import Static

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from rotui.ui.app import make_app
from rotui.ui.modals.confirm import TypedConfirmModal
from rotui.ui.screens.rotation import RotationWizardScreen
from rotui.ui.widgets.secret_input import SecretInput
from tests.e2e.test_rotation_guards import services
from tests.e2e.test_rotation_wizard import select_consumer, settle
from tests.e2e.world import KEY, NEW, OLD, World


async def test_the_revoke_waits_for_the_holders_acknowledgement(world: World) -> None:
    world.heroku.add_app("forgotten-worker", {"CLAUDE": OLD})
    svc = services(world)
    app = make_app(svc, rotate=KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        wizard = app.screen
        assert isinstance(wizard, RotationWizardScreen)
        wizard.query_one("#new-key", SecretInput).value = NEW
        await pilot.press("enter")
        await settle(pilot, app)
        for name in ("laptop", "ci"):
            select_consumer(app, name)
            await pilot.press("c")
            await settle(pilot, app)
        await pilot.press("X")
        await settle(pilot, app)
        modal = app.screen
        assert isinstance(modal, TypedConfirmModal)
        body = str(modal.query_one("#confirm-body", Static).render())
        assert "unmanaged: heroku app forgotten-worker · CLAUDE" in body
        assert 'app = "forgotten-worker"' in body and OLD not in body
        await pilot.press("escape")  # declined: nothing revoked
        await settle(pilot, app)
        assert world.anthropic.key_by_id(world.old_id).status == "active"
        await pilot.press("X")
        await settle(pilot, app)
        modal = app.screen
        assert "forgotten-worker" in str(modal.query_one("#confirm-body", Static).render())
        modal.query_one("#confirm-typed").value = KEY
        await pilot.pause()
        await pilot.click("#ok")
        await settle(pilot, app)
        revoke = app.screen
        assert isinstance(revoke, TypedConfirmModal)
        assert "stops working at once" in str(revoke.query_one("#confirm-body", Static).render())
        revoke.query_one("#confirm-typed").value = KEY
        await pilot.pause()
        await pilot.click("#ok")
        await settle(pilot, app)
    assert world.anthropic.key_by_id(world.old_id).status == "inactive"
    audit = svc.audit().path.read_text()
    acks = [json.loads(line) for line in audit.splitlines() if "holders.acknowledged" in line]
    assert len(acks) == 1 and "forgotten-worker" in acks[0]["context"]["holders"][0]
    assert OLD not in audit and NEW not in audit


async def test_the_wizard_names_what_the_scan_could_not_check_before_the_revoke(
    world: World,
) -> None:
    """A Heroku app the token lists but cannot read may hold the old key: the wizard asked
    nothing and revoked, as if no place held it."""
    world.heroku.add_unreadable_app("locked-app")  # listed, then 404 on its config vars
    app = make_app(services(world), rotate=KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await to_the_revoke(pilot, app)
        modal = app.screen
        assert isinstance(modal, TypedConfirmModal)
        body = " ".join(str(modal.query_one("#confirm-body", Static).render()).split())
        assert "These could not be checked; they may hold it:" in body, body
        assert "not checked: " in body and "locked-app" in body, body
        assert "still hold the old key" not in body, body  # none was found
        await pilot.press("escape")
        await settle(pilot, app)
        assert world.anthropic.key_by_id(world.old_id).status == "active"


async def test_a_holder_and_a_source_not_checked_are_each_under_their_own_heading(
    world: World,
) -> None:
    """Both headings came first, then every line: the holder read as "could not be checked"."""
    world.heroku.add_app("forgotten-worker", {"CLAUDE": OLD})
    world.heroku.add_unreadable_app("locked-app")
    app = make_app(services(world), rotate=KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await to_the_revoke(pilot, app)
        body = str(app.screen.query_one("#confirm-body", Static).render())
        held = body.index("still hold the old key")
        unchecked = body.index("could not be checked")
        assert held < body.index("forgotten-worker") < unchecked < body.index("locked-app"), body
        await pilot.press("escape")
        await settle(pilot, app)


async def to_the_revoke(pilot, app) -> None:
    """The wizard from the new key to X: pasted, the manual laptop and ci confirmed, revoke."""
    await settle(pilot, app)
    app.screen.query_one("#new-key", SecretInput).value = NEW
    await pilot.press("enter")
    await settle(pilot, app)
    for name in ("laptop", "ci"):
        select_consumer(app, name)
        await pilot.press("c")
        await settle(pilot, app)
    await pilot.press("X")
    await settle(pilot, app)
