"""Steps the Pilot-driven wizard tests share: open KEY's wizard, paste, type the name, roll back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from rotui.services import Services
from rotui.ui.app import make_app
from rotui.ui.modals.confirm import TypedConfirmModal
from rotui.ui.widgets.secret_input import SecretInput
from tests.e2e.test_rotation_guards import through_propagation
from tests.e2e.world import KEY, NEW
from tests.ui.helpers import wait_until


async def settle(pilot: Pilot[Any], app: Any) -> None:
    """Wait until no rotation worker runs, then let the screen catch up."""
    await wait_until(
        pilot,
        lambda: not any(w.is_running for w in app.workers if w.group == "rotation"),
        'not any(w.is_running for w in app.workers if w.group == "rotation")',
    )
    await pilot.pause()


def select_consumer(app: Any, name: str) -> None:
    table = app.screen.query_one("#consumers", DataTable)
    table.move_cursor(row=table.get_row_index(name))


@asynccontextmanager
async def open_wizard(
    svc: Services, size: tuple[int, int] = (80, 24)
) -> AsyncIterator[tuple[Any, Pilot[Any]]]:
    """The app started on KEY's rotation wizard (``rotui rotate KEY``), its pre-check done."""
    app = make_app(svc, rotate=KEY)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        yield app, pilot


async def paste_new_key(pilot: Pilot[Any], app: Any, value: str = NEW) -> None:
    """Put ``value`` in the wizard's new-key field and press Enter, then settle."""
    app.screen.query_one("#new-key", SecretInput).value = value
    await pilot.press("enter")
    await settle(pilot, app)


async def type_the_name(pilot: Pilot[Any], app: Any) -> None:
    """In the typed confirmation on top, type KEY and press OK, then settle."""
    app.screen.query_one("#confirm-typed", Input).value = KEY
    await pilot.pause()
    await pilot.click("#ok")
    await settle(pilot, app)


async def roll_back(pilot: Pilot[Any], app: Any) -> None:
    """b in the wizard, then the typed confirmation answered with KEY."""
    await pilot.press("b")
    await wait_until(pilot, lambda: isinstance(app.screen, TypedConfirmModal), "asked")
    await type_the_name(pilot, app)


async def run_through_propagation(svc: Services, **options: str) -> None:
    """A run of KEY driven headless up to propagation, its lock released after."""
    async with svc.rotation(KEY, **options) as rotation:
        await through_propagation(rotation)
