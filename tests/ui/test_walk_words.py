"""Walk finding 21, the words on screens of this change: the revoke-now question names the
consumers that break (it said "listed above" in a modal that lists nothing)."""

from __future__ import annotations

from textual.widgets import Static

from rotui.ui.app import make_app
from rotui.ui.modals.confirm import TypedConfirmModal
from rotui.ui.screens.emergency import EmergencyScreen
from tests.ui.helpers import wait_until

KEY = "ANTHROPIC_API_KEY_BATCH"


async def test_the_revoke_now_question_names_the_consumers_that_break(demo) -> None:
    app = make_app(demo.services, emergency=KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), "emergency")
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, TypedConfirmModal), "the question")
        text = " ".join(str(w.render()) for w in app.screen.query(Static))
        [key] = demo.services.keys([KEY])
        assert "listed above" not in text, text
        assert all(c.name in text for c in key.consumers), text
        await pilot.press("escape")


def visible(widget) -> list[str]:
    """The lines a widget paints, as a person reads them (a cut shows as cut)."""
    from textual.geometry import Region

    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return ["".join(segment.text for segment in strip).rstrip() for strip in strips]


async def test_an_emergency_wizard_at_80_columns_shows_its_run_id_whole(
    demo,
) -> None:
    """Walk s13 section 4: the run id (what `rotui report` needs) was cut in the wizard's title,
    and an emergency's roll-back dialog was titled "Roll back this rotation"."""
    from rotui.ui.screens.rotation import RotationWizardScreen

    app = make_app(demo.services, emergency=KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), "emergency")
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, TypedConfirmModal), "the question")
        await pilot.press(*KEY, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RotationWizardScreen), "wizard")
        wizard = app.screen
        await wait_until(pilot, lambda: wizard.rotation and wizard.rotation.run, "the run")
        run_id = wizard.rotation.run.run_id
        title = wizard.query_one("#wizard-title", Static)
        await wait_until(pilot, lambda: run_id in " ".join(visible(title)), "the run id whole")
        assert "…" not in " ".join(visible(title)), visible(title)


async def test_the_roll_back_dialog_of_an_overlap_emergency_says_emergency(demo) -> None:
    """Walk s13 section 4: an emergency's roll-back dialog was titled "Roll back this rotation"."""
    from rotui.ui.screens.rotation import RotationWizardScreen

    app = make_app(demo.services, emergency=KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), "emergency")
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, RotationWizardScreen), "wizard")
        wizard = app.screen
        button = wizard.query_one("#demo-console")
        await wait_until(pilot, lambda: button.display, "the demo console button")
        await pilot.click("#demo-console")
        await pilot.press("enter")  # the key the simulated Console made, pasted
        await wait_until(pilot, lambda: wizard.check_action("rollback", ()) is True, "rollback")
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, TypedConfirmModal), "roll back")
        heading = str(app.screen.query_one("#confirm-title", Static).render())
        assert heading == "Roll back this emergency revoke", heading
        await pilot.press("escape")


def test_a_completed_emergency_says_emergency_revoke_complete() -> None:
    from types import SimpleNamespace

    from rotui.core.runs import RunStatus
    from rotui.ui.wizard_text import _ended

    facts = SimpleNamespace(pending_hint="sk-ant-api03-abc…wxyz")
    for kind, said in (("emergency", "Emergency revoke complete"), ("rotate", "Rotation complete")):
        run = SimpleNamespace(status=RunStatus.COMPLETED, kind=kind, facts=facts, key=KEY)
        assert _ended(run).startswith(f"{said}: CURRENT is sk-ant-api03-abc…wxyz"), kind


async def test_at_80_columns_a_wrapped_step_or_detail_stays_under_its_own_text(demo) -> None:
    """Walk s13 section 4: in the wizard's checklist column, a step title or a detail wrapped to
    the left edge, where it read as a line of its own."""
    import re

    from rotui.ui.screens.rotation import RotationWizardScreen

    app = make_app(demo.services, emergency=KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), "emergency")
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, TypedConfirmModal), "the question")
        await pilot.press(*KEY, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RotationWizardScreen), "wizard")
        checklist = app.screen.query_one("#checklist-text")
        await wait_until(pilot, lambda: "✓ 1." in " ".join(visible(checklist)), "step 1 done")
        lines = [line for line in visible(checklist) if line.strip()]
        assert len(lines) > 6, lines  # some did wrap at this width
        for line in lines:  # a step's title, or an indented line: never a line at the edge
            assert re.match(r"^\S+ \d+\. ", line) or line.startswith("  "), lines


async def test_under_76_columns_the_checklist_is_a_strip_above_the_panel(demo) -> None:
    """At 60x20 the checklist beside the panel was 10 columns wide ("Pre-che / ck: val / idate"):
    under 76 columns it is one strip above the panel, and beside it again once wider."""
    from rotui.ui.screens.rotation import RotationWizardScreen

    app = make_app(demo.services)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("j", "r")
        await wait_until(pilot, lambda: isinstance(app.screen, RotationWizardScreen), "wizard")
        checklist = app.screen.query_one("#checklist-text")
        await wait_until(pilot, lambda: "✓1" in " ".join(visible(checklist)), "step 1 done")
        strip = " ".join(line.strip() for line in visible(checklist))
        assert strip.startswith("✓1 ○2 ○3 ○4 ○5 ○6 ○7 · 2. New key from the Console"), strip
        panel = app.screen.query_one("#panel")
        assert panel.region.y > checklist.region.y and panel.size.width > 50, panel.region
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: "✓ 1. Pre-check" in " ".join(visible(checklist)), "list")
        assert app.screen.query_one("#panel").region.x > 20  # beside the checklist again
