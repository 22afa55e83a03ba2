"""Pilot tests: each troubleshooting flow chosen on the screen, run live, and its diagnosis shown."""

from __future__ import annotations

import re

import pytest
from textual.widgets import OptionList, Static

from rotui.core.troubleshoot import FLOWS
from rotui.demo import demo_values, fake_key
from rotui.sim.anthropic import Behavior
from rotui.ui.app import make_app
from rotui.ui.screens.dashboard import DashboardScreen
from rotui.ui.screens.troubleshoot import DiagnosisView, TroubleshootScreen

FLOW_IDS = list(FLOWS)
STARTS = ("Checked: ", "Evidence:", "Likely cause: ", "Found: ", "Next steps:")


def shown(app) -> str:
    """Everything the screen shows: the status line and every diagnosis, as plain text."""
    screen = app.screen
    parts = [str(screen.query_one("#troubleshoot-status", Static).render())]
    parts += [str(view.render()) for view in screen.query(DiagnosisView)]
    text = "\n".join(parts)
    for secret in demo_values():
        assert secret.reveal() not in text
    return " ".join(text.split())  # as read: a phrase wrapped onto the next line is still one


async def choose(app, pilot, flow_id: str) -> str:
    """Highlight a flow, press Enter as an operator would, and wait for its check."""
    flows = app.screen.query_one("#flows", OptionList)
    flows.focus()
    flows.highlighted = FLOW_IDS.index(flow_id)
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    return shown(app)


@pytest.mark.parametrize(
    ("flow_id", "key", "expected"),
    [
        (
            "key",
            "ANTHROPIC_API_KEY_DEV",
            ["✗ PROBLEM · My key stopped working", "Billing, not the key", "credit balance"],
        ),
        (
            "old-key",
            "ANTHROPIC_API_KEY",
            ["! WARNING · My old key still works", "no rotation of ANTHROPIC_API_KEY is recorded"],
        ),
        (
            "forgot-new-key",
            "ANTHROPIC_API_KEY",
            ["I forgot to copy my new key", "platform.claude.com/settings/keys", "Delete it"],
        ),
        (
            "usage",
            "ANTHROPIC_API_KEY_AGENTS",
            [
                "✗ PROBLEM · Unexpected usage",
                "over 3× the 7-day median",
                "Start the emergency revoke: x on the dashboard",  # the demo's way (walk s13 2.2)
            ],
        ),
        (
            "consumers",
            "ANTHROPIC_API_KEY",
            [
                "Consumers fail after rotation",
                "✓ raxx-api-prod",
                "anthropic.ok = true",
                "? agents-ci",
            ],
        ),
        (
            "workspace",
            "ANTHROPIC_API_KEY_EVALS",
            ["Wrong workspace or different rate limits", "wrkspc_01DemoAgents", "rate_limited"],
        ),
        (
            "environment",
            "ANTHROPIC_API_KEY",
            [
                "✓ OK · Keyring backend",
                "Found: The keyring opens.",  # not "Likely cause" of a check that passed (s13)
                "MemoryKeyring",
                "Reachability of http://127.0.0.1:",
                "Clock",
            ],
        ),
    ],
)
async def test_each_flow_runs_from_the_screen(
    demo, flow_id: str, key: str, expected: list[str]
) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(140, 60)) as pilot:
        await pilot.pause()
        await app.push_screen(TroubleshootScreen(demo.services, key))
        await pilot.pause()
        text = await choose(app, pilot, flow_id)
        for phrase in expected:
            assert phrase in text, phrase
        assert f"{FLOWS[flow_id].title}: " in text  # the status line counts what was found
        views = list(app.screen.query(DiagnosisView))
        assert views and all(v.has_class(f"-{v.diagnosis.severity}") for v in views)


async def test_arrows_enter_r_and_escape(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(140, 60)) as pilot:
        await pilot.pause()
        await app.push_screen(TroubleshootScreen(demo.services, "ANTHROPIC_API_KEY"))
        await pilot.pause()
        assert "Choose what is wrong" in shown(app)
        await pilot.press("down", "up", "enter")  # the first flow: my key stopped working
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "✓ OK · My key stopped working · ANTHROPIC_API_KEY" in shown(app)
        demo.sim.set_behavior(fake_key("ANTHROPIC_API_KEY"), Behavior.INVALID)
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = shown(app)
        assert "✗ PROBLEM · My key stopped working" in text and "HTTP 401" in text
        assert len(app.screen.query(DiagnosisView)) == 1  # the new answer replaced the old one
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


async def test_without_a_key_only_the_setup_wide_flows_can_run(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(140, 60)) as pilot:
        await pilot.pause()
        await app.push_screen(TroubleshootScreen(demo.services, None))
        await pilot.pause()
        flows = app.screen.query_one("#flows", OptionList)
        options = [flows.get_option_at_index(i) for i in range(flows.option_count)]
        enabled = [option.id for option in options if not option.disabled]
        assert enabled == ["usage", "environment"]
        assert "select it on the dashboard first" in shown(app)
        text = await choose(app, pilot, "usage")
        assert "ANTHROPIC_API_KEY_AGENTS" in text and "ANTHROPIC_API_KEY_BATCH" in text


async def test_the_answers_take_the_whole_width_at_80_columns(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.push_screen(TroubleshootScreen(demo.services, "ANTHROPIC_API_KEY_STAGING"))
        await pilot.pause()
        await choose(app, pilot, "key")
        views = list(app.screen.query(DiagnosisView))
        assert views and all(v.region.width >= 70 for v in views), [v.region for v in views]
        assert app.screen.query_one("#flows").region.height <= 9  # the questions, above them


async def test_check_again_is_offered_only_once_a_check_was_chosen(demo) -> None:
    """Walk s13 3.11: the footer offered `r Check again` before any check ran (r did nothing)."""
    from tests.ui.test_bindings import footer_text

    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.push_screen(TroubleshootScreen(demo.services, "ANTHROPIC_API_KEY"))
        await pilot.pause()
        assert "r Check again" not in footer_text(app), footer_text(app)
        assert "esc Back" in footer_text(app)
        await choose(app, pilot, "key")
        assert "r Check again" in footer_text(app), footer_text(app)


async def test_a_wrapped_evidence_line_or_step_keeps_its_indent_at_80_columns(demo) -> None:
    """Walk s13 section 4: continuations of bullets and steps began at the left edge."""
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.push_screen(TroubleshootScreen(demo.services, "ANTHROPIC_API_KEY_DEV"))
        await pilot.pause()
        text = await choose(app, pilot, "key")
        assert "1 problem, 0 warnings, 0 ok" in text and "(s)" not in text, text
        view = app.screen.query_one(DiagnosisView)
        lines = str(view.render()).splitlines()
        assert max(len(line) for line in lines) <= view.content_size.width, lines
        under = "  "  # where the continuation of the current part starts
        for index, line in enumerate(lines):
            step = re.match(r"  \d+\. ", line)
            if line.startswith("  • "):
                under = "    "
            elif step:
                under = " " * len(step[0])
            elif index == 0 or line.startswith(STARTS):
                under = "  "
            else:
                assert line.startswith(under), (line, lines)
        assert any(line.startswith("    ") for line in lines), lines  # a bullet did wrap
