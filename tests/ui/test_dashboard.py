"""Pilot tests: the effect of every binding on the dashboard, as an operator would see it."""

from __future__ import annotations

import dataclasses

import pytest
from textual.command import CommandList
from textual.widgets import DataTable, Input, Static

from rotui.core.errors import UsageError
from rotui.core.model import ValidationStatus
from rotui.ui.app import make_app
from rotui.ui.screens.audit import AuditScreen
from rotui.ui.screens.dashboard import DashboardScreen
from rotui.ui.screens.help import HelpScreen
from rotui.ui.screens.troubleshoot import TroubleshootScreen
from rotui.ui.widgets.key_detail import KeyDetail
from rotui.ui.widgets.key_table import KeyTable
from tests.ui.helpers import wait_until


def table_names(app) -> list[str]:
    table = app.screen.query_one(KeyTable)
    return [str(key.value) for key in table.rows]


def detail_text(app) -> str:
    detail = app.screen.query_one(KeyDetail)
    return "\n".join(str(w.render()) for w in detail.query(Static))


def selected(app) -> str | None:
    return app.screen.query_one(KeyTable).selected_name


async def test_main_screen_shows_counts_freshness_and_last_checks(demo) -> None:
    app = make_app(demo.services, demo=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        summary = str(app.screen.query_one("#summary", Static).render())
        assert "1 overdue" in summary and "1 due soon" in summary and "4 failing" in summary
        assert "as of 12:00:00 UTC" in summary
        assert table_names(app)[0] == "ANTHROPIC_API_KEY_BATCH"  # due date, soonest first
        table = app.screen.query_one(KeyTable)
        row = [str(c) for c in table.get_row("ANTHROPIC_API_KEY_STAGING")]
        assert "41d ✓ fresh" in row[2] and "✗ invalid" in " ".join(row)
        assert app.screen.has_class("wide")  # side by side at 120 columns
        assert "raxx-batch (heroku)" in detail_text(app)


async def test_j_k_and_arrows_move_and_the_detail_follows(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first, second = table_names(app)[:2]
        assert selected(app) == first
        await pilot.press("j")
        assert selected(app) == second
        assert second in detail_text(app)
        await pilot.press("k")
        assert selected(app) == first
        await pilot.press("down", "down")
        assert selected(app) == table_names(app)[2]
        assert not app.screen.has_class("wide")  # stacked at 80 columns


async def test_v_validates_only_the_selected_key(fresh_demo) -> None:
    app = make_app(fresh_demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        target = selected(app)
        await pilot.press("v")
        await app.workers.wait_for_complete()
        await pilot.pause()
        results = fresh_demo.services.snapshot().results
        assert set(results) == {target}
        row = [str(c).strip() for c in app.screen.query_one(KeyTable).get_row(target)]
        assert "✓ valid now" in row
        assert "Last validation  ✓ valid" in detail_text(app)


async def test_V_validates_all_in_the_background_while_navigation_continues(fresh_demo) -> None:
    fresh_demo.sim.latency = 0.4
    app = make_app(fresh_demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("V")
        progress = app.screen.query_one("#progress")
        await wait_until(pilot, lambda: progress.display, "progress shown while it runs")
        worker = next(w for w in app.workers if w.group == "validate")
        before = selected(app)
        await pilot.press("j", "j")
        assert worker.is_running  # navigation happened while validation was still running
        assert selected(app) != before
        assert selected(app) in detail_text(app)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not progress.display
        results = fresh_demo.services.snapshot().results
        assert set(results) == {k.name for k in fresh_demo.config.keys}
        assert results["ANTHROPIC_API_KEY_DEV"].status is ValidationStatus.NO_CREDIT


async def test_x_t_open_their_flow_screen_for_the_selected_key(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        name = selected(app)
        for key, title in (("t", "TROUBLESHOOT"),):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, TroubleshootScreen)
            text = str(app.screen.query_one("#troubleshoot-title", Static).render())
            assert text == f"{title} · {name}"
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)


async def test_x_opens_the_emergency_screen_for_the_selected_key(demo) -> None:
    from rotui.ui.screens.emergency import EmergencyScreen

    app = make_app(demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        name = selected(app)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), "x opens it")
        assert app.screen.key == name

        def text() -> str:
            return " ".join(str(w.render()) for w in app.screen.query(Static))

        await wait_until(pilot, lambda: "Incident open for" in text(), "the incident clock")
        assert "raxx-batch (heroku)" in text()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert demo.services.runs().active(name) is None  # looking is not acting


async def test_usage_alerts_are_flagged(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        summary = str(app.screen.query_one("#summary", Static).render())
        assert (
            "⚡ 2 unusual usage" in summary
        )  # the agents key spikes; the revoked staging key is used
        table = app.screen.query_one(KeyTable)
        assert str(table.get_row("ANTHROPIC_API_KEY_AGENTS")[0]).endswith(" ⚡")


async def test_r_opens_the_rotation_wizard_for_the_selected_key(demo) -> None:
    from rotui.ui.screens.rotation import RotationWizardScreen

    app = make_app(demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        name = selected(app)
        await pilot.press("r")
        await wait_until(
            pilot, lambda: isinstance(app.screen, RotationWizardScreen), "the wizard opened"
        )
        assert isinstance(app.screen, RotationWizardScreen) and app.screen.key == name
        await wait_until(pilot, lambda: app.screen.next is not None, "the pre-check ran")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert demo.services.runs().all() == []  # looking started nothing


async def test_a_opens_the_audit_timeline_newest_first_and_filters_by_key(demo) -> None:
    demo.services.audit().append("key.stored", key="ANTHROPIC_API_KEY_DEV", context={"hint": "x"})
    app = make_app(demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, AuditScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == len(demo.config.keys) + 1
        assert str(table.get_row_at(0)[2]) == "key.stored"  # newest first
        await pilot.press("slash")
        await pilot.press(*"staging")
        await pilot.pause()
        keys = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert keys == {"ANTHROPIC_API_KEY_STAGING"}
        assert "chain intact" in str(app.screen.query_one("#audit-status", Static).render())


async def test_audit_timeline_is_live(demo) -> None:
    app = make_app(demo.services, poll_interval=0.1)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AuditScreen), "a opens the log")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        before = table.row_count
        demo.services.audit().append("key.deleted", key="ANTHROPIC_API_KEY")
        await wait_until(  # the timeline polls the log: a new entry appears on top
            pilot, lambda: table.row_count == before + 1, "the new entry on the timeline"
        )
        assert str(table.get_row_at(0)[2]) == "key.deleted"


async def test_slash_filters_by_any_visible_text_and_escape_clears(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"staging")
        await pilot.pause()
        assert sorted(table_names(app)) == ["ANTHROPIC_API_KEY_EVALS", "ANTHROPIC_API_KEY_STAGING"]
        await pilot.press("enter")  # keep the filter, back to the table
        assert isinstance(app.focused, KeyTable)
        assert "filter “staging”" in str(app.screen.query_one("#view", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert len(table_names(app)) == len(demo.config.keys)
        await pilot.press("slash", *"rate limited")
        await pilot.pause()
        assert table_names(app) == ["ANTHROPIC_API_KEY_EVALS"]


async def test_s_cycles_the_sort(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        view = app.screen.query_one("#view", Static)
        assert "sorted by due date" in str(view.render())
        await pilot.press("s")
        assert "sorted by age" in str(view.render())
        assert (
            table_names(app)[0] == "ANTHROPIC_API_KEY_BATCH"
            and table_names(app)[-1] == "ANTHROPIC_API_KEY_LEGACY"
        )
        await pilot.press("s")
        assert "sorted by status" in str(view.render())
        names = table_names(app)
        assert names.index("ANTHROPIC_API_KEY_STAGING") < names.index("ANTHROPIC_API_KEY")
        await pilot.press("s")
        assert table_names(app) == sorted(table_names(app), key=str.lower)
        await pilot.press("s")
        assert "sorted by due date" in str(view.render())


async def test_question_mark_shows_help_with_the_remapped_keys(fresh_demo) -> None:
    services = dataclasses.replace(fresh_demo.services)
    services.config = dataclasses.replace(fresh_demo.config, keymap={"validate": "e"})
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-keys", Static).render())
        lines = text.splitlines()
        assert any(line.startswith("e ") and "Validate:" in line for line in lines)
        assert not any(line.startswith("v ") for line in lines)
        assert "ctrl+p" in text
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("v")  # no longer bound
        await app.workers.wait_for_complete()
        assert services.snapshot().results == {}
        await pilot.press("e")
        await app.workers.wait_for_complete()
        assert set(services.snapshot().results) == {selected(app)}


async def test_unknown_keymap_id_or_theme_is_a_clear_error(demo) -> None:
    services = dataclasses.replace(demo.services)
    services.config = dataclasses.replace(demo.config, keymap={"rotat": "R"})
    with pytest.raises(UsageError, match="unknown binding id 'rotat'"):
        make_app(services)
    with pytest.raises(UsageError, match="unknown theme 'no-such-theme'"):
        make_app(demo.services, theme="no-such-theme")
    app = make_app(demo.services, theme="nord")
    assert app.theme == "nord"


async def test_q_quits(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


async def test_command_palette_reaches_per_key_actions(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"diagnose: ANTHROPIC_API_KEY_DEV")
        commands = app.screen.query_one(CommandList)
        await wait_until(pilot, lambda: commands.option_count > 0, "the palette's matches")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TroubleshootScreen)
        assert app.screen.key_name == "ANTHROPIC_API_KEY_DEV"


async def test_read_only_disables_mutating_actions_visibly(demo) -> None:
    app = make_app(demo.services, read_only=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert "READ-ONLY" in str(app.screen.query_one("#summary", Static).render())
        assert "disabled" in str(app.screen.query_one("#view", Static).render())
        before = demo.services.state.mtime()
        for key in ("v", "V", "r", "x"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)
        await app.workers.wait_for_complete()
        assert demo.services.state.mtime() == before  # nothing was written
        shown = {b.binding.action: b.enabled for b in app.screen.active_bindings.values()}
        assert (
            shown["validate"] is False
            and shown["rotate"] is False
            and shown["troubleshoot"] is True
        )
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TroubleshootScreen)  # reading is still allowed


async def test_the_footer_rebuilds_only_when_its_keys_change(demo) -> None:
    from textual.widgets._footer import FooterKey

    from rotui.ui.widgets.key_footer import KeyFooter

    app = make_app(demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(KeyFooter)
        before = list(footer.query(FooterKey))
        assert {k.key for k in before} >= {"v", "r", "x", "t", "question_mark", "q"}
        await footer.recompose()  # what every focus move asks for
        assert list(footer.query(FooterKey)) == before  # the same widgets: nothing rebuilt
        await pilot.press("slash")  # the filter box takes focus: the keys it shows change
        await pilot.pause()
        await footer.recompose()
        assert list(footer.query(FooterKey)) != before


async def test_a_warning_found_before_start_is_shown_on_the_screen(demo) -> None:
    app = make_app(demo.services, notices=["/etc/rotui.toml is accessible to group (mode 0640)"])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = [n.message for n in app._notifications]
        assert shown == ["/etc/rotui.toml is accessible to group (mode 0640)"]


async def test_usage_alerts_come_with_the_first_validation_not_ten_minutes_later(
    fresh_demo,
) -> None:
    app = make_app(fresh_demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        summary = app.screen.query_one("#summary", Static)
        assert "⚡" not in str(summary.render())  # no Admin records yet: nothing to ask about
        await pilot.press("V")
        await wait_until(
            pilot, lambda: "⚡ 2 unusual usage" in str(summary.render()), "the usage alerts"
        )


async def test_no_key_selected_offers_no_key_actions_in_the_footer(demo) -> None:
    """Walk finding 18: with a filter matching nothing, v r x t are not offered (only toasted)."""
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        shown = {b.binding.action for b in app.active_bindings.values() if b.enabled}
        assert {"validate", "rotate", "revoke", "troubleshoot"} <= shown
        await pilot.press("slash", *"NO-SUCH-KEY", "enter")
        await wait_until(pilot, lambda: selected(app) is None, "the filter matches nothing")
        await pilot.pause()
        offered = {b.binding.action for b in app.active_bindings.values()}
        assert not offered & {"validate", "rotate", "revoke", "troubleshoot"}, offered
        assert "filter" in offered and "sort" in offered
        await pilot.press("escape")  # the filter cleared: a key is selected, the actions return
        await wait_until(pilot, lambda: selected(app) is not None, "a key selected again")
        await pilot.pause()
        offered = {b.binding.action for b in app.active_bindings.values()}
        assert {"validate", "rotate", "revoke", "troubleshoot"} <= offered
        assert app.screen is screen


async def test_at_80_columns_the_observer_still_reads_what_is_disabled(demo) -> None:
    """The view line is cut at the terminal's edge: "disabled" must not be what is cut (walk s13 1.2:
    it read "… · validate, rotate and revoke", the opposite of what it meant)."""
    app = make_app(demo.services, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.screen.query_one("#view", Static)
        text = str(view.render())
        assert "validate, rotate and revoke disabled" in text
        assert text.index("disabled") + len("disabled") <= view.content_region.width, text


async def test_the_header_says_no_key_is_validated_instead_of_0_failing(fresh_demo) -> None:
    """Walk s13 1.9: "✓ 0 failing" before any validation is false comfort."""
    app = make_app(fresh_demo.services, demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = app.screen.query_one("#summary", Static)
        summary = "".join(s.text for s in bar.render_line(0)._segments)
        assert "none validated" in summary and "0 failing" not in summary, summary
        await pilot.press("v")  # the first key only
        await app.workers.wait_for_complete()
        await wait_until(
            pilot,
            lambda: "? 6 " in "".join(s.text for s in bar.render_line(0)._segments),
            "six keys left unvalidated",
        )
        summary = "".join(s.text for s in bar.render_line(0)._segments)
        assert "0 failing" not in summary and "validated" in summary, summary


async def test_on_a_wide_terminal_the_detail_takes_the_room_the_table_leaves(fresh_demo) -> None:
    """At 200 columns the detail stayed 40 wide, wrapping every line, beside a table with some 60
    columns of blank; it grows to 80, and on a resize back to 80x24 it sits below, full width."""
    app = make_app(fresh_demo.services)
    async with app.run_test(size=(200, 50)) as pilot:
        detail = app.screen.query_one(KeyDetail)
        await wait_until(pilot, lambda: detail.size.width > 0, "the detail laid out")
        assert detail.outer_size.width == 80
        await pilot.resize_terminal(140, 40)
        await wait_until(pilot, lambda: detail.outer_size.width == 40, "the detail at 40")
        assert app.screen.table.wide  # the table keeps every column: 100 columns beside it
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: detail.outer_size.width == 80, "below the table, whole")
        assert not app.screen.table.wide
        await pilot.resize_terminal(170, 40)
        await wait_until(pilot, lambda: detail.outer_size.width == 70, "beside it again, at 70")
