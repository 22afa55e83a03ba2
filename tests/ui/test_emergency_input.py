"""The emergency screen as the walk (s13 3.4, 3.5, 3.13, 1.9) met it at 80×24: what is typed
for the exposure is never dropped, appended or lost; the choices are all seen or said to be below;
a key already dead is not said to stop working at once."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Static

from rotui.ui.app import make_app
from rotui.ui.modals.confirm import TypedConfirmModal
from rotui.ui.screens.dashboard import DashboardScreen
from rotui.ui.screens.emergency import EmergencyScreen
from rotui.ui.screens.rotation import RotationWizardScreen
from tests.ui.helpers import wait_until

KEY = "ANTHROPIC_API_KEY_BATCH"
DEAD = "ANTHROPIC_API_KEY_STAGING"  # the demo's key that already answers 401


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*("space" if c == " " else c for c in text))


def field(app: Any) -> Input:
    return app.screen.query_one("#exposed-at", Input)


def note(app: Any) -> str:
    return str(app.screen.query_one("#exposure-note", Static).render())


async def opened(pilot: Any, app: Any) -> None:
    await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), "emergency")
    await wait_until(
        pilot, lambda: "asking" not in str(app.screen.query_one("#usage").render()), "usage"
    )


async def test_a_time_typed_from_a_letter_goes_in_and_is_answered(demo) -> None:
    app = make_app(demo.services, emergency=KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, app)
        await type_text(pilot, "last tuesday")
        await pilot.press("enter")
        assert field(app).value == "last tuesday"  # not dropped because it began with a letter
        assert "not understood: 'last tuesday'" in note(app)
        await type_text(pilot, "3h ago")  # the refused text is selected: typing replaces it
        await pilot.press("enter")
        assert field(app).value == "3h ago" and note(app).startswith("Suspected exposure: ")


async def test_a_second_time_replaces_the_applied_one(demo) -> None:
    app = make_app(demo.services, emergency=KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, app)
        await type_text(pilot, "3h ago")
        await pilot.press("enter")
        assert app.focused is not field(app)  # applied: the choices have the keys again
        await type_text(pilot, "20h ago")
        await pilot.press("enter")
        assert field(app).value == "20h ago", field(app).value  # not '3h ago20h ago'
        assert note(app) == "Suspected exposure: 2026-11-25 16:00 UTC; usage after it is flagged."


async def test_esc_in_the_field_leaves_the_field_and_keeps_the_time(demo) -> None:
    app = make_app(demo.services, emergency=KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, app)
        await pilot.press("tab")
        assert app.focused is field(app)
        await type_text(pilot, "2h ago")
        await pilot.press("escape")
        assert isinstance(app.screen, EmergencyScreen) and field(app).value == "2h ago"
        assert app.focused is app.screen.query_one("#emergency-body")
        await pilot.press("escape")  # from the choices, Esc goes back as everywhere
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "dashboard")


async def test_esc_from_the_overlap_wizard_comes_back_with_the_time(demo) -> None:
    app = make_app(demo.services, emergency=KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, app)
        await type_text(pilot, "3h ago")
        await pilot.press("enter")
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, RotationWizardScreen), "wizard")
        await app.workers.wait_for_complete()
        await pilot.press("escape")  # no run was started: back to the choice, not the dashboard
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), "emergency")
        assert field(app).value == "3h ago" and app.screen.exposed is not None


def below_the_fold(app: Any, widget_id: str) -> bool:
    body = app.screen.query_one("#emergency-body")
    return app.screen.query_one(widget_id).region.bottom > body.region.bottom - 1


async def test_both_choices_are_seen_at_80x24_or_said_to_be_below(demo) -> None:
    app = make_app(demo.services, emergency=KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, app)
        await pilot.pause()
        more = app.screen.query_one("#more", Static)
        assert not below_the_fold(app, "#overlap-text") and not more.display
        await type_text(pilot, "20h ago")  # the usage grows a line: now the overlap is cut
        await pilot.press("enter")
        await wait_until(pilot, lambda: below_the_fold(app, "#overlap-text"), "text pushed down")
        await wait_until(pilot, lambda: more.display, "the ↓ more below line")
        assert "more below" in str(more.render())
        await pilot.press("end")
        await wait_until(pilot, lambda: not more.display, "the line gone at the end")


async def test_a_key_already_dead_is_not_said_to_stop_working_at_once(demo) -> None:
    app = make_app(demo.services, emergency=DEAD)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, app)
        breaks = str(app.screen.query_one("#breaks", Static).render())
        assert "already answers no one" in breaks and "lists it as inactive" in breaks, breaks
        assert "break when" not in breaks
        now = str(app.screen.query_one("#now-text", Static).render())
        assert "cut off at once" not in now and "already answers no one" in now
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, TypedConfirmModal), "the question")
        asked = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "cut off at once" not in asked and "already answers no one" in asked


def test_a_401_at_the_last_check_counts_as_dead_and_a_valid_key_does_not() -> None:
    import datetime as dt

    from rotui.core.model import ValidationResult, ValidationStatus
    from rotui.state import Snapshot
    from rotui.ui.screens.emergency.parts import already_dead

    at = dt.datetime(2026, 11, 30, 14, 51, tzinfo=dt.UTC)
    dead = Snapshot(results={"K": ValidationResult("K", ValidationStatus.INVALID, at)})
    assert (
        already_dead(dead, "K")
        == "it answered 401 (invalid) when last checked, 2026-11-30 14:51 UTC"
    )
    for status in (ValidationStatus.VALID, ValidationStatus.RATE_LIMITED):
        alive = Snapshot(results={"K": ValidationResult("K", status, at)})
        assert already_dead(alive, "K") is None
    assert already_dead(Snapshot(), "K") is None


def test_the_new_keys_can_be_remapped_by_id() -> None:
    from rotui.ui.app import binding_ids

    assert {"emergency.exposure_leave", "quit.interrupt", "quit.again"} <= binding_ids()


def test_the_incident_clock_says_the_day_it_opened_when_that_is_not_today() -> None:
    """Walk s14 3.6's class: the screen's times must be true of now. A run resumed the next day
    read "Incident open for 1440:00 (since 17:59:10 UTC)", as if 17:59 were today."""
    import datetime as dt

    from rotui.ui.screens.emergency.parts import incident_clock

    opened = dt.datetime(2026, 11, 29, 17, 59, 10, tzinfo=dt.UTC)
    minute_later = opened + dt.timedelta(minutes=1, seconds=5)
    assert incident_clock(opened, minute_later) == "Incident open for 01:05 (since 17:59:10 UTC)"
    next_day = opened + dt.timedelta(days=1, minutes=2)
    assert incident_clock(opened, next_day) == (
        "Incident open for 24:02:00 (since 2026-11-29 17:59:10 UTC)"
    )
    local = opened.astimezone(dt.timezone(dt.timedelta(hours=2)))  # 19:59:10+02:00
    assert "(since 17:59:10 UTC)" in incident_clock(local, minute_later)
