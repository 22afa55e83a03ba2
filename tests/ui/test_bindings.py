"""One binding model across screens: remappable ids, Esc/q back, Enter for a key's actions, the footer."""

from __future__ import annotations

import dataclasses

from textual.command import CommandPalette
from textual.widgets._footer import FooterKey

from rotui.ui.app import make_app
from rotui.ui.screens.audit import AuditScreen
from rotui.ui.screens.dashboard import DashboardScreen
from rotui.ui.screens.troubleshoot import TroubleshootScreen
from rotui.ui.widgets.key_footer import KeyFooter
from tests.ui.helpers import wait_until


def footer_text(app) -> list[str]:
    """The footer's keys a person sees whole ("key description"); one cut off at the edge is not."""
    footer = app.screen.query_one(KeyFooter)
    width = app.size.width
    return [
        f"{k.key_display} {k.description}".strip()
        for k in footer.query(FooterKey)
        if k.region.width and k.region.right <= width
    ]


def with_keymap(demo, keymap: dict[str, str]):
    services = dataclasses.replace(demo.services)
    services.config = dataclasses.replace(demo.config, keymap=keymap)
    return services


async def test_every_screens_binding_ids_can_be_remapped(fresh_demo) -> None:
    keymap = {
        "wizard.rollback": "B",
        "wizard.close": "escape,h",
        "emergency.now": "N",
        "audit.close": "escape,h",
        "help.close": "escape,h",
        "quit.yes": "Y",
    }
    app = make_app(with_keymap(fresh_demo, keymap))  # refused today: "unknown binding id"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AuditScreen), "the audit screen")
        await pilot.press("h")  # the remapped way back
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "back")


async def test_q_in_a_sub_screen_goes_back_and_q_on_the_dashboard_quits(fresh_demo) -> None:
    app = make_app(fresh_demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        for key, screen in (("a", AuditScreen), ("t", TroubleshootScreen)):
            await pilot.press(key)
            await wait_until(pilot, lambda s=screen: isinstance(app.screen, s), screen.__name__)
            await pilot.press("q")
            await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "back")
        assert app.is_running
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, "quit")


async def test_enter_on_a_key_row_offers_that_keys_actions(fresh_demo) -> None:
    app = make_app(fresh_demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        name = app.screen.table.selected_name
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the actions")
        await pilot.press("r", "o", "t", "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "RotationWizardScreen", "rot")
        assert app.screen.key == name


async def test_the_footer_at_80_columns_keeps_help_and_quit(fresh_demo) -> None:
    app = make_app(fresh_demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = footer_text(app)
        assert "? Help" in shown and "q Quit" in shown, shown
        assert shown[0] == "v Validate"  # the actions on the selected key first


async def test_the_dashboard_footer_at_80_columns_keeps_filter_sort_help_and_quit(
    fresh_demo,
) -> None:
    app = make_app(fresh_demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = footer_text(app)
        for hint in ("/ Filter", "s Sort", "? Help", "q Quit"):  # dropped Filter and Sort before
            assert hint in shown, shown
        assert set(shown[-2:]) == {"? Help", "q Quit"}  # help and quit last, never dropped


async def test_a_remapped_key_does_not_vanish_from_the_footer_at_80_columns(fresh_demo) -> None:
    app = make_app(with_keymap(fresh_demo, {"help": "h", "quit": "ctrl+q"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = footer_text(app)
        assert "h Help" in shown and "^q Quit" in shown, shown


async def test_the_read_only_footer_offers_no_refused_action(demo) -> None:
    app = make_app(demo.services, read_only=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        shown = " · ".join(footer_text(app))
        for refused in ("Validate", "Rotate", "Revoke"):
            assert refused not in shown, shown
        assert "t Diagnose" in shown and "a Audit" in shown


async def test_a_dialog_clears_the_toasts_that_would_cover_it(fresh_demo) -> None:
    from rotui.ui.modals.confirm import QuitModal

    app = make_app(fresh_demo.services)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        for n in range(3):  # stacked bottom right, they reach over a dialog's lower half
            app.notify(f"toast {n}", timeout=600)
        await wait_until(pilot, lambda: len(app.screen.query("Toast")) == 3, "three toasts")
        app.push_screen(QuitModal("rotui: resume it with `rotui rotate K`"))
        await wait_until(pilot, lambda: isinstance(app.screen, QuitModal), "the quit dialog")
        await wait_until(
            pilot,
            lambda: not any(s.query("Toast") for s in app.screen_stack),
            "no toast left on any screen",
        )


async def test_while_typing_a_filter_the_footer_keeps_the_way_back_help_and_quit(
    fresh_demo,
) -> None:
    """Walk s13 3.12: in the filter field `q` and `?` type letters; the footer showed only
    `/ Filter`. It offers Esc (clear), F1 (help) and ctrl+q (quit), keys that work there."""
    app = make_app(fresh_demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", "B", "A")
        await wait_until(pilot, lambda: "esc Clear filter" in footer_text(app), "esc in footer")
        shown = footer_text(app)
        assert "f1 Help" in shown and "^q Quit" in shown, shown
        assert "q Quit" not in shown and "? Help" not in shown, shown  # they would type q and ?
        await pilot.press("f1")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen", "help by F1")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "back")
        await pilot.press("escape")  # clears the filter: the footer's keys are q and ? again
        await wait_until(pilot, lambda: "q Quit" in footer_text(app), "q back in the footer")
        assert "? Help" in footer_text(app)


async def test_at_60_columns_the_footer_keeps_rotate_and_revoke(fresh_demo) -> None:
    """Walk s13 3.8: at 60x20 Filter and Sort stayed and Rotate and Revoke were dropped."""
    app = make_app(fresh_demo.services)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_until(pilot, lambda: "r Rotate" in footer_text(app), "rotate in footer")
        shown = footer_text(app)
        for hint in ("x Revoke!", "? Help", "q Quit"):
            assert hint in shown, shown


def test_the_holders_and_audit_keys_and_their_entry_views_can_be_remapped() -> None:
    from rotui.ui.app import binding_ids

    ids = binding_ids()
    for ident in ("holders.finding", "holders.finding.close", "audit.entry", "audit.entry.close"):
        assert ident in ids, ident


async def test_after_a_resize_the_selected_key_is_still_in_sight(fresh_demo) -> None:
    """Walk s13 3.8: shrunk from 80x24 to 60x20, the selected row was scrolled out of the table
    while the detail still showed it."""
    app = make_app(fresh_demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.table
        await pilot.press("G")  # the last key
        await wait_until(pilot, lambda: table.cursor_row == table.row_count - 1, "the last row")
        await pilot.resize_terminal(60, 20)

        def in_sight() -> bool:
            top = int(table.scroll_y)
            rows = table.scrollable_content_region.height - table.header_height
            return top <= table.cursor_row < top + rows

        await wait_until(pilot, lambda: app.size.width == 60, "the resize")
        await pilot.pause()
        await wait_until(pilot, in_sight, "the selected row in sight", limit=3)


async def test_with_a_dialog_open_the_footer_shows_the_dialogs_keys(fresh_demo) -> None:
    """Walk s13 section 4: with a dialog open, the wizard's footer still showed the wizard's keys
    (`R Retry … b Roll back…`), which the dialog does not let through."""
    from rotui.ui.modals.confirm import TypedConfirmModal

    app = make_app(fresh_demo.services, emergency="ANTHROPIC_API_KEY_BATCH")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: type(app.screen).__name__ == "EmergencyScreen", "emergency")
        below = app.screen
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, TypedConfirmModal), "the dialog")

        def shown() -> list[str]:
            footer = below.query_one(KeyFooter)
            return [f"{k.key_display} {k.description}".strip() for k in footer.query(FooterKey)]

        await wait_until(pilot, lambda: "esc Cancel" in shown(), "the dialog's key")
        assert not any(hint.startswith(("n ", "o ", "w ")) for hint in shown()), shown()
        await pilot.press("escape")
        await wait_until(pilot, lambda: "n Revoke now" in shown(), "the screen's keys again")
