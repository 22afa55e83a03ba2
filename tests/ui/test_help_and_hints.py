"""`?` shows the bindings of the screen it is pressed on; hints name keys that work, or none."""

from __future__ import annotations

import dataclasses

from textual.widgets import Static

from rotui.ui.app import make_app
from rotui.ui.screens.help import HelpScreen
from rotui.ui.screens.rotation import RotationWizardScreen
from rotui.ui.widgets.key_detail import KeyDetail
from tests.ui.helpers import wait_until


def help_lines(app) -> dict[str, str]:
    """Help's rows as {keys: "Description: tooltip"}."""
    assert isinstance(app.screen, HelpScreen)
    text = str(app.screen.query_one("#help-keys", Static).render())
    rows = {}
    for line in text.splitlines():
        keys, _, rest = line.partition("  ")
        rows[keys.strip()] = rest.strip()
    return rows


def detail_text(app) -> str:
    detail = app.screen.query_one(KeyDetail)
    return "\n".join(str(s.render()) for s in detail.query(Static))


async def test_help_in_the_wizard_lists_the_wizard_keys(fresh_demo) -> None:
    app = make_app(fresh_demo.services, rotate="ANTHROPIC_API_KEY_BATCH")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, RotationWizardScreen), "wizard")
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        rows = help_lines(app)
        assert rows["s"].startswith("Skip…:"), rows  # on the dashboard s sorts; here it skips
        for key, what in (("c", "Confirm"), ("R", "Retry"), ("u", "Source updated")):
            assert rows[key].startswith(what), (key, rows)
        assert rows["X"].startswith("Revoke…") and rows["b"].startswith("Roll back")
        assert rows["esc, q"].startswith("Back:")  # q too, as in every sub-screen
        # walk s13 3.17: it read "an active run is kept and resumes, looking started none"
        assert rows["esc, q"].endswith("resumes here; just looking starts no run"), rows
        assert not any(v.startswith(("Sort", "Validate", "Filter")) for v in rows.values())
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, RotationWizardScreen), "closed")


async def test_help_on_the_dashboard_lists_the_dashboard_keys_once(fresh_demo) -> None:
    app = make_app(fresh_demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        rows = help_lines(app)
        assert rows["s"].startswith("Sort:") and rows["v"].startswith("Validate:")
        assert rows["q"].startswith("Quit:") and rows["?, f1"].startswith("Help:")
        assert "ctrl+p" in rows
        assert "Skip" not in " ".join(rows.values())


async def test_read_only_names_no_key_it_refuses(fresh_demo) -> None:
    app = make_app(fresh_demo.services, read_only=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: "Last validation" in detail_text(app), "the detail")
        text = detail_text(app)
        assert "– never" in text and "no rotation has run for this key" in text
        assert "press v" not in text and "starts one" not in text


async def test_hints_follow_the_keymap(fresh_demo) -> None:
    services = dataclasses.replace(fresh_demo.services)
    services.config = dataclasses.replace(
        fresh_demo.config, keymap={"validate": "e", "rotate": "o"}
    )
    app = make_app(services)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: "Last validation" in detail_text(app), "the detail")
        text = detail_text(app)
        assert "– never (press e)" in text and "o starts one" in text
        assert "press v" not in text


async def test_question_mark_in_the_paste_field_opens_help_and_types_nothing(fresh_demo) -> None:
    from rotui.ui.widgets.secret_input import SecretInput

    app = make_app(fresh_demo.services, rotate="ANTHROPIC_API_KEY_BATCH")
    async with app.run_test(size=(80, 24)) as pilot:

        def field_focused() -> bool:
            return isinstance(app.screen, RotationWizardScreen) and isinstance(
                app.focused, SecretInput
            )

        await wait_until(pilot, field_focused, "the paste field, focused")
        await pilot.press("a", "question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        assert help_lines(app)["s"].startswith("Skip…")
        await pilot.press("escape")
        await wait_until(pilot, field_focused, "back in the field")
        assert app.focused.value == "a"  # the ? was not typed into the key


async def test_help_on_the_dashboard_lists_enter_for_the_actions(fresh_demo) -> None:
    """Walk s13 3.10: the table's own Enter (select the row) hid the dashboard's Enter binding."""
    app = make_app(fresh_demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        rows = help_lines(app)
        assert rows["⏎"].startswith("Actions…:"), rows  # as the palette and footer show Enter
