"""The rotation wizard driven with Pilot over the same loopback world."""

from __future__ import annotations

import os

from textual.widgets import Static

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from rotui.ui.app import make_app
from rotui.ui.modals.confirm import TypedConfirmModal
from rotui.ui.screens.dashboard import DashboardScreen
from rotui.ui.screens.rotation import RotationWizardScreen
from rotui.ui.widgets.secret_input import SecretInput
from tests.e2e.test_rotation_guards import services, through_propagation
from tests.e2e.wizard import (
    open_wizard,
    paste_new_key,
    roll_back,
    run_through_propagation,
    select_consumer,
    settle,
    type_the_name,
)
from tests.e2e.world import KEY, NEW, OLD, World, kill_holding_the_lock
from tests.ui.helpers import wait_until


async def test_wizard_runs_the_whole_sop(world: World) -> None:
    svc = services(world)
    async with open_wizard(svc, (120, 36)) as (app, pilot):
        wizard = app.screen
        assert isinstance(wizard, RotationWizardScreen)
        checklist = str(wizard.query_one("#checklist-text", Static).render())
        assert "✓ 1. Pre-check" in checklist
        help_text = str(wizard.query_one("#step-help", Static).render())
        assert (
            "https://platform.claude.com/settings/keys" in help_text
            and "anthropic-api-key-rotation-" in help_text
        )
        box = wizard.query_one("#new-key", SecretInput)
        assert box.display and box.password
        box.value = NEW
        box.select_all()  # a selection: what copy and cut would take
        box.action_copy()
        box.action_cut()
        assert app.clipboard == "" and box.value == NEW  # copy and cut never expose the key
        assert NEW not in str(box.render())
        await pilot.press("enter")
        await settle(pilot, app)
        assert "Manual: laptop" in str(wizard.query_one("#step-help", Static).render())
        select_consumer(app, "laptop")
        await pilot.press("c")
        await settle(pilot, app)
        assert "Not verifiable by rotui: ci" in str(wizard.query_one("#step-help", Static).render())
        await pilot.press("X")  # not yet: ci is neither verified nor skipped
        await pilot.pause()
        assert not isinstance(app.screen, TypedConfirmModal)
        select_consumer(app, "ci")
        await pilot.press("c")
        await settle(pilot, app)
        assert "X revokes the old key" in str(wizard.query_one("#step-help", Static).render())
        await pilot.press("X")
        await settle(pilot, app)
        modal = app.screen
        assert isinstance(modal, TypedConfirmModal)
        assert app.focused.id == "confirm-typed"  # typing starts at once
        await pilot.press("W", "enter")  # anything but the name does nothing
        assert app.screen is modal and modal.query_one("#confirm-typed").value == "W"
        assert "Usage after propagation is not known yet" in str(
            modal.query_one("#confirm-body", Static).render()
        )
        modal.query_one("#confirm-typed").value = "WRONG"
        await pilot.pause()
        assert modal.query_one("#ok").disabled
        await type_the_name(pilot, app)
        assert app.screen is wizard
        assert "Rotation complete" in str(wizard.query_one("#step-help", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
    assert world.anthropic.key_by_id(world.old_id).status == "inactive"
    assert world.heroku.config_vars("raxx-api-prod")[KEY] == NEW
    assert svc.runs().latest()[KEY].status == "completed"


async def test_dashboard_shows_the_checklist_and_consumer_states(world: World) -> None:
    svc = services(world)
    await run_through_propagation(svc)
    observer = make_app(svc, read_only=True, poll_interval=0.1)
    async with observer.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        detail = "\n".join(str(w.render()) for w in observer.screen.query("KeyDetail Static"))
        assert "✓ 4. Propagate" not in detail and "◐ 4. Propagate" in detail
        assert "api (heroku) written" in detail and "laptop (manual) unwritten" in detail
        table = observer.screen.query_one("KeyTable")
        assert (
            str(table.get_row(KEY)[0]).strip().startswith("⟳ ")
            and str(table.get_row(KEY)[4]).strip() == "5/6"
        )
        async with svc.rotation(KEY) as rotation:  # the driver confirms the manual step meanwhile
            rotation.open()
            rotation.confirm_consumer("laptop")

        def detail() -> str:
            return "\n".join(str(w.render()) for w in observer.screen.query("KeyDetail Static"))

        await wait_until(  # the observer polls the journal: it follows within its interval
            pilot,
            lambda: "laptop (manual) verified" in detail() and "✓ 4. Propagate" in detail(),
            "the observer shows the driver's confirmation",
        )


async def test_R_retries_a_failed_propagation_in_the_wizard(world: World) -> None:
    world.env["HEROKU_API_KEY"] = "wrong-token"
    svc = services(world)
    async with open_wizard(svc, (120, 36)) as (app, pilot):
        wizard = app.screen
        await paste_new_key(pilot, app)
        assert wizard.rotation.run.step["propagate"].state == "failed"
        assert "Heroku token refused" in str(wizard.query_one("#step-help", Static).render())
        world.env["HEROKU_API_KEY"] = "tok-heroku-world"  # the operator fixes the token
        await pilot.press("R")
        await settle(pilot, app)
        assert world.heroku.config_vars("raxx-api-prod")[KEY] == NEW
        assert wizard.rotation.run.consumers["api"].state in ("written", "verified")


async def test_wizard_takes_over_a_stale_lock_only_after_the_name_is_typed(world: World) -> None:
    """Looking needs no lock; the first write (the paste) meets the dead holder's lock."""
    svc = services(world)
    kill_holding_the_lock(svc.paths.state_dir, KEY, world.env)
    async with open_wizard(svc, (120, 36)) as (app, pilot):
        wizard = app.screen
        assert isinstance(wizard, RotationWizardScreen)  # the pre-check ran, read-only
        assert "✓ 1. Pre-check" in str(wizard.query_one("#checklist-text", Static).render())
        await paste_new_key(pilot, app)
        modal = app.screen
        assert isinstance(modal, TypedConfirmModal)
        assert "bob@jump" in str(modal.query_one("#confirm-body", Static).render())
        assert svc.runs().active(KEY) is None  # nothing happens before the answer
        await type_the_name(pilot, app)
        assert app.screen is wizard
        run = svc.runs().active(KEY)
        assert run is not None and run.step["new_key"].state == "done"
    actions = [e.action for e in svc.audit().entries()]
    assert "run.lock.taken_over" in actions


async def test_declining_a_takeover_writes_nothing(world: World) -> None:
    svc = services(world)
    kill_holding_the_lock(svc.paths.state_dir, KEY, world.env)
    async with open_wizard(svc, (120, 36)) as (app, pilot):
        await paste_new_key(pilot, app)
        assert isinstance(app.screen, TypedConfirmModal)
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, RotationWizardScreen)
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, DashboardScreen)
    assert svc.runs().active(KEY) is None
    assert svc.audit().entries() == []


async def test_r_then_escape_leaves_no_run_no_lock_no_audit(world: World) -> None:
    from rotui.core.locks import KeyLock

    svc = services(world)
    app = make_app(svc)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RotationWizardScreen), "wizard")
        wizard = app.screen
        await settle(pilot, app)
        assert "✓ 1. Pre-check" in str(wizard.query_one("#checklist-text", Static).render())
        assert "no run yet" in str(wizard.query_one("#wizard-title", Static).render())
        assert app.focused is wizard.query_one("#new-key", SecretInput)  # a paste lands at once
        assert KeyLock(svc.paths.state_dir, KEY).live_holder() is None
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "dashboard")
        assert app.is_running
    assert svc.runs().all() == []
    assert svc.audit().entries() == []
    assert KeyLock(svc.paths.state_dir, KEY).holder() is None


async def test_a_failing_current_key_is_shown_not_crashed_and_leads_to_the_emergency(
    world: World,
) -> None:
    from rotui.sim.anthropic import Behavior
    from rotui.ui.screens.emergency import EmergencyScreen

    world.anthropic.set_behavior(OLD, Behavior.INVALID)
    svc = services(world)
    async with open_wizard(svc) as (app, pilot):
        wizard = app.screen
        assert isinstance(wizard, RotationWizardScreen)  # no modal, no crash
        help_text = str(wizard.query_one("#step-help", Static).render())
        assert "answers invalid" in help_text and "no run was started" in help_text
        assert help_text.count("answers invalid") == 1, help_text  # said once, not twice
        assert "e opens the emergency revoke" in help_text
        assert not wizard.query_one("#new-key", SecretInput).display
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), "emergency")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "dashboard")
        assert app.is_running
    assert svc.runs().all() == []


async def test_a_rejected_paste_leaves_an_empty_field_for_the_next_one(world: World) -> None:
    svc = services(world)
    async with open_wizard(svc) as (app, pilot):
        wizard = app.screen
        box = wizard.query_one("#new-key", SecretInput)
        await paste_new_key(pilot, app, "“" + NEW + "”")  # typographic quotes from a chat: refused
        assert box.value == "" and svc.runs().all() == []
        assert "✗" in str(wizard.query_one("#step-help", Static).render())
        # said beside the field, not again in a 40-column toast that breaks the Console URL
        assert not [n for n in app._notifications if n.severity == "error"]
        await paste_new_key(pilot, app)
        run = svc.runs().active(KEY)
        assert run is not None and run.step["new_key"].state == "done"


async def test_a_second_operator_sees_who_drives_the_key(world: World) -> None:
    svc = services(world)
    async with svc.rotation(KEY) as driver:
        await through_propagation(driver)
        async with open_wizard(svc) as (app, pilot):
            wizard = app.screen
            assert isinstance(wizard, RotationWizardScreen)
            said = str(wizard.query_one("#step-help", Static).render())
            assert "being driven by another rotui" in said and "since" in said
            assert "read-only" in said
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "dashboard")
            assert app.is_running


async def test_quitting_mid_run_asks_and_says_how_to_resume(world: World) -> None:
    from rotui.ui.modals.confirm import QuitModal

    svc = services(world)
    app = make_app(svc, rotate=KEY)
    said: list[str] = []
    exit_ = app.exit
    app.exit = lambda *a, **kw: (said.append(str(kw.get("message"))), exit_(*a, **kw))[1]  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await paste_new_key(pilot, app)
        app.set_focus(None)
        await pilot.press("ctrl+q")  # q goes back from a sub-screen; ctrl+q quits from anywhere
        await wait_until(pilot, lambda: isinstance(app.screen, QuitModal), "the quit question")
        await pilot.press("escape")  # stay
        await wait_until(pilot, lambda: isinstance(app.screen, RotationWizardScreen), "wizard")
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, QuitModal), "asked again")
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.is_running, "app exited")
    assert said and f"resume it with `rotui rotate {KEY}`" in said[0]
    assert svc.runs().active(KEY) is not None  # kept


async def test_a_rollback_that_failed_is_retried_from_the_wizard(world: World) -> None:
    svc = services(world)
    await run_through_propagation(svc)
    world.env["HEROKU_API_KEY"] = "expired-token"
    async with open_wizard(svc) as (app, pilot):
        wizard = app.screen
        await roll_back(pilot, app)
        assert app.screen is wizard
        said = str(wizard.query_one("#step-help", Static).render())
        assert "rollback is incomplete" in said and "api" in said
        assert world.heroku.config_vars("raxx-api-prod")[KEY] == NEW
        assert svc.runs().active(KEY) is not None
        world.env["HEROKU_API_KEY"] = "tok-heroku-world"  # the operator renews the token
        await roll_back(pilot, app)
        assert "ended (rolled back)" in str(wizard.query_one("#step-help", Static).render())
    assert world.heroku.config_vars("raxx-api-prod")[KEY] != NEW
    assert svc.runs().latest()[KEY].status == "rolled_back"
    [rolled] = [e for e in svc.audit().entries() if e.action == "secret.rotate.rolled_back"]
    assert "api" in rolled.context["restored"]
