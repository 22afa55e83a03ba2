"""Enter in a dialog that cannot take the answer says, in the dialog, what is wrong (walk s13 3.2, 3.3).

A wrong typed name or an empty reason did nothing at all; only a dimmed button (invisible without
colour) hinted at why.
"""

from __future__ import annotations

import os

from textual.app import App
from textual.widgets import Static

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from rotui.ui.modals.confirm import ReasonModal, TypedConfirmModal
from tests.ui.helpers import wait_until

NAME = "ANTHROPIC_API_KEY"


def problem(app: App[None]) -> str:
    shown = app.screen.query_one(".dialog-problem", Static)
    return str(shown.render()) if shown.display else ""


async def test_a_wrong_or_missing_name_is_said_and_the_right_one_confirms() -> None:
    answers: list[str | None] = []
    app: App[None] = App()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(
            TypedConfirmModal("Roll back", "Type it.", NAME, "Roll back"), answers.append
        )
        await wait_until(pilot, lambda: app.focused is not None, "the name field has the focus")
        assert problem(app) == ""
        await pilot.press("enter")
        assert f"type {NAME} to confirm" in problem(app)
        await pilot.press(*"anthropic_api_key", "enter")
        assert problem(app) == f"✗ the name does not match {NAME}: capitals count"
        await pilot.press("backspace")
        assert problem(app) == ""  # typing again clears the complaint
        await pilot.press(*"Z", "enter")
        said = problem(app)
        assert said.startswith(f"✗ the name does not match {NAME}; type it exactly")
        assert "anthropic_api_keZ" not in said  # what was typed is never echoed
        assert answers == [] and isinstance(app.screen, TypedConfirmModal)
        app.screen.query_one("#confirm-typed").value = NAME
        await pilot.press("enter")
        await wait_until(pilot, lambda: answers == [NAME], "confirmed")


async def test_enter_without_a_reason_says_one_is_needed() -> None:
    answers: list[str | None] = []
    app: App[None] = App()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ReasonModal("Why skip ci?"), answers.append)
        await wait_until(pilot, lambda: app.focused is not None, "the reason field has the focus")
        await pilot.press("space", "enter")
        assert "a reason is needed" in problem(app) and isinstance(app.screen, ReasonModal)
        await pilot.press(*"ok", "enter")
        await wait_until(pilot, lambda: answers == ["ok"], "the reason taken")
