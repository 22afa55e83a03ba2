"""ctrl+c quits the TUI as q does, asking first while a run is active (walk report s13, 3.1).

Textual's own ctrl+c only showed "press ctrl+q to quit", and in the wizard's paste field it did
nothing at all; an operator in SSH presses ctrl+c to leave.
"""

from __future__ import annotations

import os

from textual.widgets import Input

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from rotui.ui.app import make_app
from rotui.ui.modals.confirm import QuitModal
from rotui.ui.screens.emergency import EmergencyScreen
from rotui.ui.widgets.secret_input import SecretInput
from tests.e2e.test_rotation_guards import services
from tests.e2e.wizard import paste_new_key, settle
from tests.e2e.world import KEY, World
from tests.ui.helpers import wait_until


async def test_ctrl_c_on_the_dashboard_quits(world: World) -> None:
    app = make_app(services(world))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: not app.is_running, "ctrl+c quit")
        assert not app._notifications  # not Textual's "Do you want to quit?" toast


async def test_ctrl_c_in_the_paste_field_quits(world: World) -> None:
    app = make_app(services(world), rotate=KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert isinstance(app.focused, SecretInput)  # the new key's field, waiting for a paste
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: not app.is_running, "ctrl+c quit")


async def test_ctrl_c_asks_while_a_run_is_active_and_a_second_one_quits(world: World) -> None:
    svc = services(world)
    app = make_app(svc, rotate=KEY)
    said: list[str] = []
    exit_ = app.exit
    app.exit = lambda *a, **kw: (said.append(str(kw.get("message"))), exit_(*a, **kw))[1]  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await paste_new_key(pilot, app)  # the run starts: quitting must ask
        behind = app.screen
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: isinstance(app.screen, QuitModal), "the quit question")
        await pilot.press("escape")  # stay
        await wait_until(pilot, lambda: app.screen is behind, "back to the run")
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: isinstance(app.screen, QuitModal), "asked again")
        depth = len(app.screen_stack)
        await pilot.press("q")  # q on the question does not stack a second one
        await pilot.pause()
        assert len(app.screen_stack) == depth and app.is_running
        await pilot.press("ctrl+c")  # a second ctrl+c answers it: quit, the run kept
        await wait_until(pilot, lambda: not app.is_running, "app exited")
    assert said and f"resume it with `rotui rotate {KEY}`" in said[0]
    assert svc.runs().active(KEY) is not None


async def test_ctrl_c_with_text_selected_in_a_field_copies_it(world: World) -> None:
    app = make_app(services(world), emergency=KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), "emergency")
        field = app.screen.query_one("#exposed-at", Input)
        field.focus()
        field.value = "2h ago"
        field.select_all()
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.clipboard == "2h ago" and app.is_running
        assert isinstance(app.screen, EmergencyScreen)
        field.selection = field.selection.cursor(0)  # nothing selected: ctrl+c quits
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: not app.is_running, "ctrl+c quit")
