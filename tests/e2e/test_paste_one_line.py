"""A paste of more than one line is refused, and said, in every field that takes a key or a name.

Textual's Input keeps the first line of a paste: a password manager's entry (the key, then a notes
line) was accepted silently and stored as PENDING, and a name pasted with a second line still
confirmed a revoke. Walk report s13, 3.6.
"""

from __future__ import annotations

import os

from textual import events
from textual.widgets import Button, Input, Static

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from rotui.ui.app import make_app
from rotui.ui.modals.confirm import NameInput, ReasonInput, ReasonModal, TypedConfirmModal
from rotui.ui.screens.emergency import EmergencyScreen
from rotui.ui.widgets.secret_input import SecretInput
from tests.e2e.test_rotation_guards import services
from tests.e2e.wizard import open_wizard, settle
from tests.e2e.world import KEY, NEW, World
from tests.ui.helpers import wait_until


async def paste(pilot, app, text: str) -> None:  # type: ignore[no-untyped-def]
    """What a terminal's bracketed paste gives the app: one Paste event, for the focused field."""
    app.post_message(events.Paste(text))
    await pilot.pause()
    await pilot.pause()


def panel(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#step-help", Static).render())


async def test_a_key_pasted_with_a_second_line_is_refused_and_said(world: World) -> None:
    svc = services(world)
    async with open_wizard(svc) as (app, pilot):
        wizard = app.screen
        box = wizard.query_one("#new-key", SecretInput)
        assert app.focused is box
        await paste(pilot, app, f"{NEW}\nnotes: created for the batch job\n")
        assert box.value == ""  # not the first line, taken silently
        said = panel(app)
        assert "the paste was refused: it has 2 lines," in said and "the key" in said
        assert NEW not in said and "notes" not in said  # what is wrong, never what was pasted
        await pilot.press("enter")
        await settle(pilot, app)
        assert wizard.rotation is not None and wizard.rotation.run is None  # nothing stored
        await paste(pilot, app, f"junk first\n{NEW}")
        assert box.value == "" and "2 lines," in panel(app)
        await paste(pilot, app, f"\n{NEW}\n")  # a copied line, newlines around it: the key
        assert box.value == NEW
        await pilot.press("enter")
        await settle(pilot, app)
        assert wizard.rotation.run is not None and wizard.rotation.run.facts.pending_fp
        assert "refused" not in panel(app)


async def test_a_name_pasted_with_a_second_line_does_not_confirm(world: World) -> None:
    svc = services(world)
    async with open_wizard(svc) as (app, pilot):
        answers: list[str | None] = []
        app.push_screen(TypedConfirmModal("Revoke", "Type it.", KEY, "Revoke"), answers.append)
        await wait_until(pilot, lambda: isinstance(app.focused, NameInput), "asked")
        await paste(pilot, app, f"{KEY}\nsomething else")
        typed = app.screen.query_one("#confirm-typed", Input)
        assert typed.value == "" and app.screen.query_one("#ok", Button).disabled
        problem = str(app.screen.query_one(".dialog-problem", Static).render())
        assert "2 lines," in problem and "the name" in problem
        await pilot.press("enter")
        assert answers == [] and isinstance(app.screen, TypedConfirmModal)
        await paste(pilot, app, f"{KEY}\n")
        assert typed.value == KEY and not app.screen.query_one(".dialog-problem").display
        await pilot.press("enter")
        await wait_until(pilot, lambda: answers == [KEY], "confirmed with the name alone")
        app.push_screen(ReasonModal("Why skip?"), answers.append)
        await wait_until(pilot, lambda: isinstance(app.focused, ReasonInput), "asked why")
        await paste(pilot, app, "first line\nsecond line")
        assert app.screen.query_one("#reason", Input).value == ""
        assert "2 lines" in str(app.screen.query_one(".dialog-problem", Static).render())


async def test_a_time_pasted_with_a_second_line_is_refused_on_the_emergency_screen(
    world: World,
) -> None:
    app = make_app(services(world), emergency=KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), "emergency")
        field = app.screen.query_one("#exposed-at", Input)
        field.focus()
        await pilot.pause()
        await paste(pilot, app, "2h ago\nseen in the CI log")
        note = app.screen.query_one("#exposure-note", Static)
        assert field.value == "" and "2 lines," in str(note.render())
        assert note.has_class("-invalid")
        await paste(pilot, app, "2h ago\n")
        assert field.value == "2h ago"
