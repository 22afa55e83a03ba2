"""Emergency revoke, headless and on screen, on the loopback world; and the incident report."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from rotui.ui.app import make_app
from rotui.ui.modals.confirm import TypedConfirmModal
from rotui.ui.screens.emergency import EmergencyScreen
from rotui.ui.screens.rotation import RotationWizardScreen
from rotui.ui.widgets.secret_input import SecretInput
from tests.e2e.test_rotation_guards import services
from tests.e2e.test_rotation_headless import assert_no_leak
from tests.e2e.world import (
    KEY,
    NEW,
    OLD,
    World,
    active_run,
    assert_no_pending_lost,
    build_world,
    every_journal_point,
    sha,
)
from tests.ui.helpers import wait_until

NOW = ("revoke", KEY, "--headless", "--mode", "now", "--confirm", KEY, "--confirm-manual")


def test_revoke_now_deactivates_first_then_repairs(world: World) -> None:
    now = dt.datetime.now(dt.UTC)
    world.anthropic.add_usage(world.old_id, now - dt.timedelta(hours=2), 5000, 100)
    world.anthropic.add_usage(world.old_id, now - dt.timedelta(days=3), 900, 0)
    done = world.rotui(*NOW, "--exposed-at", "2026-01-01T00:00:00Z", stdin=NEW)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "old key usage: last 24 h 5,100 tokens · last 7 days 6,000 tokens" in out
    assert "⚠ 6,000 tokens in 2 hour(s) after the suspected exposure" in out
    assert out.count("← after the suspected exposure") == 2
    assert (
        out.index("✓ Deactivate the old key now")
        < out.index("✓ New key")
        < out.index("✓ Propagate")
    )
    state = world.final_state()
    assert state["old_status"] == "inactive" and state["heroku"] == state["github"] == sha(NEW)
    assert state["current"] == sha(NEW) and state["pending"] is False
    audit = json.loads(world.rotui("audit", "--json").stdout)
    actions = [e["action"] for e in audit["entries"]]
    assert (
        actions[0] == "secret.revoke.emergency.started"
        and actions[-1] == "secret.revoke.emergency.completed"
    )
    assert "secret.revoke.emergency.revoked" in actions and audit["chain"]["ok"]
    run_id = audit["entries"][0]["run_id"]
    report_file = world.root / "incident.md"
    report = world.rotui("report", run_id, "-o", str(report_file))
    assert report.returncode == 0, report.stderr
    text = report_file.read_text()
    assert text.startswith(f"# Emergency revoke of {KEY} — run {run_id}")
    assert "(mode: now)" in text and "| Timeline" not in text and "## Timeline" in text
    assert "secret.revoke.emergency.revoked" in text and "api | verified" in text
    assert "2026-01-01 00:00:00 UTC" in text and report_file.stat().st_mode & 0o777 == 0o600
    assert "## Old key usage" in text and "- Last 24 h: 5,100 tokens" in text
    assert (
        "- After the suspected exposure (2026-01-01 00:00:00 UTC): 6,000 tokens in 2 hour(s)"
        in text
    )
    assert text.count("⚠ after the exposure") == 2
    assert_no_leak(world, done.stdout, done.stderr, text)


def test_revoke_now_needs_the_typed_name(world: World) -> None:
    no_mode = world.rotui("revoke", KEY, "--headless", stdin=NEW)
    assert no_mode.returncode == 2 and "--mode now or --mode overlap" in no_mode.stderr
    wrong = world.rotui(
        "revoke", KEY, "--headless", "--mode", "now", "--confirm", "WRONG", stdin=NEW
    )
    assert wrong.returncode == 2  # refused before anything starts, saying why
    assert f"--confirm WRONG does not match the key's name {KEY}" in wrong.stderr
    assert "starting run" not in wrong.stdout
    waiting = world.rotui("revoke", KEY, "--headless", "--mode", "now", stdin=NEW)
    assert waiting.returncode == 1 and f"revoking now needs --confirm {KEY}" in waiting.stdout
    assert world.anthropic.key_by_id(world.old_id).status == "active"
    # Nothing happened, so nothing started: no run to resume, nothing audited.
    assert "no run started" in waiting.stdout
    assert json.loads(world.rotui("audit", "--json").stdout)["entries"] == []
    done = world.rotui(*NOW, stdin=NEW)
    assert done.returncode == 0 and "started run" in done.stdout, done.stdout + done.stderr


def test_overlap_is_the_rotation_fast_tracked(world: World) -> None:
    now = dt.datetime.now(dt.UTC)
    world.anthropic.add_usage(world.old_id, now - dt.timedelta(hours=5), 300, 0)  # before
    world.anthropic.add_usage(world.old_id, now - dt.timedelta(hours=1), 40, 2)  # after
    done = world.rotui(
        "revoke",
        KEY,
        "--headless",
        "--mode",
        "overlap",
        "--confirm",
        KEY,
        "--confirm-manual",
        "--exposed-at",
        "3h ago",
        stdin=NEW,
    )
    assert done.returncode == 0, done.stdout
    out = done.stdout
    assert "last 24 h 342 tokens" in out
    assert "⚠ 42 tokens in 1 hour(s) after the suspected exposure" in out
    flagged = [line for line in out.splitlines() if "← after the suspected exposure" in line]
    assert len(flagged) == 1 and "42" in flagged[0]
    assert out.index("✓ Verify downstream") < out.index("✓ Revoke the old key")
    assert world.final_state()["old_status"] == "inactive"


def test_exposed_at_that_is_not_a_time_is_a_usage_error(world: World) -> None:
    for value, reason in (
        ("2026-13-01 10:00", "month must be in 1..12"),
        ("5 fortnights ago", "unknown unit 'fortnights'"),
        ("2999-01-01", "is in the future"),
    ):
        done = world.rotui(*NOW, "--exposed-at", value, stdin=NEW)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "--exposed-at" in done.stderr and reason in done.stderr
        assert "Traceback" not in done.stderr
    assert world.anthropic.key_by_id(world.old_id).status == "active"  # nothing was done


OVERLAP = ("revoke", KEY, "--headless", "--mode", "overlap", "--confirm", KEY, "--confirm-manual")


@pytest.mark.parametrize("flags", [NOW, OVERLAP], ids=["revoke-now", "overlap"])
def test_kill_9_at_every_journal_point_then_resume(
    flags: tuple[str, ...], tmp_path: Path, child_env: dict[str, str]
) -> None:
    """Kill the emergency at each journal point in turn: it resumes to the uninterrupted end."""

    def check(point: int) -> bool:
        with build_world(tmp_path / f"p{point}", child_env, own_home=True) as world:
            crashed = world.rotui(
                *flags, stdin=NEW, env={**world.env, "ROTUI_TEST_CRASH_AT": str(point)}
            )
            if crashed.returncode == 0:
                return False  # the run ended before reaching this point: every point was covered
            assert crashed.returncode == -signal.SIGKILL, crashed.stdout
            assert_no_pending_lost(world, point)  # a key accepted is never lost
            if active_run(world) or world.keyring().get(f"rotui/{KEY}") != NEW:  # else finished
                resumed = world.rotui(*flags, "--take-over", stdin=NEW)
                assert resumed.returncode == 0, f"point {point}: {resumed.stdout}"
            assert active_run(world) is None, point
            state = world.final_state()
            assert state["old_status"] == "inactive" and state["current"] == sha(NEW), point
            assert state["heroku"] == state["infisical"] == state["github"] == sha(NEW), point
            assert set(world.heroku.history("raxx-api-prod", KEY)) <= {sha(NEW)}, point
            return True

    assert every_journal_point(check) > 15


def emergency_text(app) -> str | None:
    """Every Static of the emergency screen as one text, or None while it is not on top."""
    screen = app.screen
    if not isinstance(screen, EmergencyScreen):
        return None
    return " ".join(str(w.render()) for w in screen.query(Static))


async def wizard_on_top(pilot, app) -> tuple[RotationWizardScreen, SecretInput]:
    """Wait for the rotation wizard to come on top and show its new key's field."""
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, RotationWizardScreen),
        "isinstance(app.screen, RotationWizardScreen)",
    )
    wizard = app.screen
    assert isinstance(wizard, RotationWizardScreen)
    box = wizard.query_one("#new-key", SecretInput)
    await wait_until(pilot, lambda: box.display, "the new key's field")
    return wizard, box


async def test_emergency_screen_revoke_now_then_wizard(world: World) -> None:
    svc = services(world)
    app = make_app(svc, emergency=KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: emergency_text(app) is not None, "the emergency screen")
        await wait_until(pilot, lambda: "Revoke now" in (emergency_text(app) or ""), "its body")
        text = emergency_text(app) or ""
        assert "Incident open for" in text and "api (heroku)" in text and "Revoke now" in text
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, TypedConfirmModal) and app.focused.id == "confirm-typed"
        app.screen.query_one("#confirm-typed").value = KEY
        await pilot.pause()
        await pilot.click("#ok")
        wizard, box = await wizard_on_top(pilot, app)
        assert world.anthropic.key_by_id(world.old_id).status == "inactive"  # revoked first
        title = str(wizard.query_one("#wizard-title", Static).render())
        assert " · active · run " in title and "resumed" not in title, title  # started just now
        table = wizard.query_one("#consumers", DataTable)
        held = {str(table.get_cell(row, "holds")) for row in table.rows}
        assert held == {"old (revoked)"}, held  # the consumers are down, not holding "current"
        box.value = NEW
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: world.heroku.config_vars("raxx-api-prod").get(KEY) == NEW,
            "the new key on Heroku",
        )
        assert "EMERGENCY revoke" in str(wizard.query_one("#wizard-title", Static).render())
    assert OLD != NEW


async def test_emergency_screen_takes_the_suspected_exposure(world: World) -> None:
    now = dt.datetime.now(dt.UTC)
    world.anthropic.add_usage(world.old_id, now - dt.timedelta(hours=5), 300, 0)
    world.anthropic.add_usage(world.old_id, now - dt.timedelta(hours=1), 40, 2)
    world.anthropic.add_usage(world.old_id, now - dt.timedelta(hours=30), 7000, 0)
    world.anthropic.add_usage(world.old_id, now - dt.timedelta(days=9), 500, 0)  # beyond 7 days
    svc = services(world)
    app = make_app(svc, emergency=KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, EmergencyScreen)
        usage = screen.query_one("#usage", Static)
        note = screen.query_one("#exposure-note", Static)
        await wait_until(
            pilot, lambda: "last 24 h" in str(usage.render()), '"last 24 h" in str(usage.render())'
        )
        assert "last 24 h 342 tokens · last 7 days 7,342 tokens" in str(usage.render())
        assert "⚠" not in str(usage.render()) and not usage.has_class("-flagged")

        box = screen.query_one("#exposed-at", Input)
        box.focus()
        await pilot.press(*"2026-13-01 10:00", "enter")
        await pilot.pause()
        assert note.has_class("-invalid")
        assert "month must be in 1..12" in str(note.render())
        screen.action_overlap()  # refused while the exposure is not understood
        await pilot.pause()
        assert app.screen is screen and app.focused is box

        box.value = ""
        await pilot.press(*"3h ago", "enter")
        await pilot.pause()
        assert not note.has_class("-invalid") and "Suspected exposure: " in str(note.render())
        shown = str(usage.render())
        assert "⚠ 42 tokens in 1 hour(s) after the suspected exposure" in shown
        assert usage.has_class("-flagged")
        assert box.region.bottom <= 23 and usage.region.height >= 2  # fits 80×24 above the footer
        assert screen.query_one("#now").region.bottom <= 23  # the actions too

        box.value = ""
        await pilot.press(*"10d ago", "enter")  # before the week at hand: asked again, back to it
        await wait_until(
            pilot,
            lambda: "in 4 hour(s)" in str(usage.render()),
            '"in 4 hour(s)" in str(usage.render())',
        )
        assert "⚠ 7,842 tokens in 4 hour(s) after the suspected exposure" in str(usage.render())
        assert "last 7 days 7,342 tokens" in str(usage.render())

        box.value = ""
        await pilot.press(*"3h ago", "enter")
        await pilot.pause()

        screen.action_overlap()
        _, box = await wizard_on_top(pilot, app)
        assert svc.runs().active(KEY) is None  # looking started nothing; the paste starts it
        box.value = NEW
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: svc.runs().active(KEY) is not None, "svc.runs().active(KEY) is not None"
        )
    run = svc.runs().active(KEY)
    assert run is not None and run.kind == "emergency"
    assert run.facts.exposed_at is not None
    exposed = dt.datetime.fromisoformat(run.facts.exposed_at)
    assert abs(exposed - (now - dt.timedelta(hours=3))) < dt.timedelta(minutes=5)
    assert run.facts.old_key_usage is not None
    assert run.facts.old_key_usage["since_exposure"] == 42
    from rotui.core.report import incident_report

    report = incident_report(run, svc.audit().entries())
    assert "- Suspected exposure: " in report and "not given" not in report
    assert "42 tokens in 1 hour(s)" in report and "⚠ after the exposure" in report


def test_a_just_deactivated_key_counts_as_failing(world: World) -> None:
    assert world.rotui("validate", KEY).returncode == 0  # "✓ valid" before the incident
    stopped = world.rotui(*NOW, stdin="")  # deactivated, then no new key to paste
    assert world.anthropic.key_by_id(world.old_id).status == "inactive", stopped.stdout
    status = json.loads(world.rotui("status", "--json").stdout)["keys"][0]
    assert status["last_validation"]["status"] == "invalid", status


async def test_the_consumers_that_break_show_at_80x24_without_scrolling(world: World) -> None:
    app = make_app(services(world), emergency=KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: emergency_text(app) is not None, "the emergency screen")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, EmergencyScreen)
        breaks = screen.query_one("#breaks", Static)
        body = screen.query_one("#emergency-body")
        assert "api (heroku)" in str(breaks.render())
        assert breaks.region.height and breaks.region.bottom <= body.region.bottom, (
            breaks.region,
            body.region,
        )


async def test_the_admin_record_says_inactive_once_rotui_deactivated_the_key(world: World) -> None:
    """Walk s13 1.1: after revoke-now the dashboard's Admin line no longer says "active"."""
    svc = services(world)
    await svc.validate([KEY])
    [row] = [r for r in svc.rows() if r.name == KEY]
    assert row.remote is not None and row.remote.status == "active"
    async with svc.rotation(KEY, kind="emergency", mode="now") as rotation:
        rotation.open()
        await rotation.deactivate(KEY)
    assert world.anthropic.key_by_id(world.old_id).status == "inactive"
    [row] = [r for r in svc.rows() if r.name == KEY]
    assert row.last is not None and row.last.http_status == 401
    assert row.remote is not None and row.remote.status == "inactive", row.remote
