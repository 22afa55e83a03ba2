"""An observer (--read-only) follows a run under way from the dashboard: Enter on the key, watch.

Walk s13 2.3 and s14 1.4: the observer's dashboard greyed out r and offered nothing else, so the
second person of a pairing saw the run's step in the detail but could not open its wizard."""

from __future__ import annotations

import dataclasses
import os

from textual.command import CommandList

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from rotui.core.secret import MemoryKeyring, SecretStore
from rotui.ui.app import make_app
from rotui.ui.screens.rotation import RotationWizardScreen
from rotui.ui.screens.rotation.watch import WATCHING
from tests.e2e.test_rotation_guards import services
from tests.e2e.wizard import run_through_propagation
from tests.e2e.world import KEY, World
from tests.ui.helpers import wait_until


async def test_an_observer_opens_the_wizard_of_a_run_under_way_watching(world: World) -> None:
    svc = services(world)
    await run_through_propagation(svc)
    observer = make_app(svc, read_only=True, poll_interval=0.1)
    async with observer.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = observer.screen.table
        assert str(table.get_row(KEY)[0]).strip().startswith("⟳ ")
        observer.screen.select(KEY)
        await pilot.press("enter")  # the key's actions
        commands = observer.screen.query_one(CommandList)
        await wait_until(pilot, lambda: commands.option_count > 0, "the key's actions")
        await pilot.press(*"watch")
        await wait_until(pilot, lambda: commands.option_count == 1, "watch alone")
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: isinstance(observer.screen, RotationWizardScreen), "the wizard"
        )
        wizard = observer.screen
        await wait_until(pilot, lambda: wizard.blocked == WATCHING, "watching, read-only")
        assert svc.runs().active(KEY) is not None  # nothing taken over, nothing changed


async def test_a_key_with_no_run_offers_no_watch(world: World) -> None:
    observer = make_app(services(world), read_only=True)
    async with observer.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        titles = [title for title, _help, _run in observer.screen.palette_commands()]
        assert not any(title.startswith("watch:") for title in titles), titles


async def test_an_observer_without_the_admin_key_watches_all_the_same(world: World) -> None:
    """A demo's observer has no Admin key (the driver's keyring is in the driver's memory): the
    wizard said "no Admin API key" and showed nothing of the run (walk s14b 1.1)."""
    svc = services(world)
    await run_through_propagation(svc)
    observer_env = {k: v for k, v in world.env.items() if k != "ROTUI_ADMIN"}
    observer = dataclasses.replace(svc, environ=observer_env)
    observer.store = SecretStore(MemoryKeyring(), environ=observer_env)
    app = make_app(observer, read_only=True, rotate=KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, RotationWizardScreen), "wizard")
        wizard = app.screen
        await wait_until(pilot, lambda: wizard.blocked == WATCHING, "watching, read-only")
        checklist = " ".join(str(wizard.query_one("#checklist-text").render()).split())
        assert "4. Propagate" in checklist, checklist
