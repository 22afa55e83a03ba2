"""Emergency leftovers: rolling back an overlap emergency, runs of the other mode on the screen,
the exposure time from the command line, and the exposure in the audit log."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from rotui.core.errors import UsageError
from rotui.ui.app import make_app
from rotui.ui.modals.confirm import TypedConfirmModal
from rotui.ui.modals.error import ErrorModal
from rotui.ui.screens.emergency import EmergencyScreen
from rotui.ui.screens.rotation import RotationWizardScreen
from tests.e2e.test_rotation_guards import services, through_propagation
from tests.e2e.test_rotation_headless import assert_no_leak
from tests.e2e.world import KEY, NEW, OLD, World, sha
from tests.ui.helpers import wait_until

OVERLAP = ("revoke", KEY, "--headless", "--mode", "overlap")


def audit(world: World) -> list[dict[str, Any]]:
    document = json.loads(world.rotui("audit", "--json").stdout)
    assert document["chain"]["ok"] is True
    return list(document["entries"])


def run_file(world: World, run_id: str) -> dict[str, Any]:
    path = world.root / "home" / ".local" / "state" / "rotui" / "runs" / f"{run_id}.json"
    return dict(json.loads(path.read_text()))


# 1. Rolling back an emergency -------------------------------------------------------------------


def test_overlap_emergency_rolls_back_after_propagation(world: World) -> None:
    stopped = world.rotui(*OVERLAP, "--exposed-at", "2h ago", stdin=NEW)
    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    assert "waiting — manual consumer laptop" in stopped.stdout
    state = world.final_state()
    assert state["heroku"] == state["infisical"] == state["github"] == sha(NEW)
    run_id = audit(world)[0]["run_id"]

    wrong = world.rotui("rotate", KEY, "--rollback")  # the other command says which one to use
    assert wrong.returncode == 2, wrong.stdout + wrong.stderr
    assert "has an emergency revoke in progress, not a rotation" in wrong.stderr
    assert f"`rotui revoke {KEY} --rollback`" in wrong.stderr and run_id in wrong.stderr
    assert world.final_state()["heroku"] == sha(NEW)  # nothing was done

    done = world.rotui("revoke", KEY, "--rollback")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"rolled back run {run_id}" in done.stdout
    assert "still active" in done.stderr and f"rotui revoke {KEY}" in done.stderr
    state = world.final_state()
    assert state["heroku"] == state["infisical"] == state["github"] == sha(OLD)
    assert state["command"] == sha(OLD) and "<OLD>" in str(state["dotenv"])
    assert state["old_status"] == "active"  # never revoked: service goes on with the old key
    assert state["current"] == sha(OLD) and state["pending"] is False
    assert run_file(world, run_id)["status"] == "rolled_back"

    entries = [e for e in audit(world) if e["run_id"] == run_id]
    actions = [e["action"] for e in entries]
    assert actions[-1] == "secret.revoke.emergency.rolled_back"
    assert entries[-1]["context"]["mode"] == "overlap"
    assert set(entries[-1]["context"]["restored"]) == {"secrets", "api", "ci", "dotenv", "runtime"}
    restored = [
        e["context"]["consumer"]
        for e in entries
        if e["action"] == "secret.revoke.emergency.consumer.written"
        and e["context"]["value"] == "current"
    ]
    assert set(restored) == {"secrets", "api", "ci", "dotenv", "runtime"}
    assert not any(a.startswith("secret.rotate.") for a in actions)
    assert not any(a.endswith(".revoke.started") for a in actions)

    report = world.rotui("report", run_id)
    assert "- Status: **rolled back** (mode: overlap)" in report.stdout
    assert "secret.revoke.emergency.rolled_back" in report.stdout

    again = world.rotui("revoke", KEY, "--rollback")
    assert again.returncode == 2 and f"no emergency revoke of {KEY} in progress" in again.stderr
    fresh = world.rotui(*OVERLAP, stdin=NEW)  # a new run, not the rolled-back one
    assert "started run" in fresh.stdout and run_id not in fresh.stdout.splitlines()[0]
    assert_no_leak(world, stopped.stdout, done.stdout, done.stderr, report.stdout)


def test_overlap_emergency_rolls_back_after_verify_with_manual_steps_named(world: World) -> None:
    stopped = world.rotui(*OVERLAP, "--confirm-manual", stdin=NEW)  # no --confirm: no revoke
    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    assert "✓ Verify downstream" in stopped.stdout
    done = world.rotui("revoke", KEY, "--rollback")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "restore by hand: laptop" in done.stdout  # confirmed by hand: restored by hand
    state = world.final_state()
    assert state["heroku"] == state["infisical"] == state["github"] == sha(OLD)
    assert state["old_status"] == "active" and state["pending"] is False
    last = audit(world)[-1]
    assert last["action"] == "secret.revoke.emergency.rolled_back"
    assert last["context"]["manual"] == 1


def test_revoke_now_cannot_be_rolled_back(world: World) -> None:
    stopped = world.rotui("revoke", KEY, "--headless", "--mode", "now", "--confirm", KEY)
    assert stopped.returncode == 1, stopped.stdout + stopped.stderr  # no new key on stdin
    assert "✓ Deactivate the old key now" in stopped.stdout
    assert world.anthropic.key_by_id(world.old_id).status == "inactive"
    run_id = audit(world)[0]["run_id"]
    refused = world.rotui("revoke", KEY, "--rollback")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert f"run {run_id} of {KEY} cannot be rolled back" in refused.stderr
    assert "already revoked" in refused.stderr and "finish the run" in refused.stderr
    assert "restore service" in refused.stderr and "Traceback" not in refused.stderr
    assert run_file(world, run_id)["status"] == "active"
    assert not any(e["action"].endswith("rolled_back") for e in audit(world))
    finished = world.rotui(
        "revoke", KEY, "--headless", "--confirm", KEY, "--confirm-manual", stdin=NEW
    )
    assert finished.returncode == 0, finished.stdout  # what the message says restores service
    assert world.final_state()["heroku"] == sha(NEW)


def test_revoke_rollback_of_a_rotation_points_to_rotate(world: World) -> None:
    none = world.rotui("rotate", KEY, "--rollback")
    assert none.returncode == 2 and f"no rotation of {KEY} in progress" in none.stderr
    world.rotui("rotate", KEY, "--headless", stdin=NEW)  # stops at the manual consumer
    wrong = world.rotui("revoke", KEY, "--rollback")
    assert wrong.returncode == 2, wrong.stdout + wrong.stderr
    assert "has a rotation in progress, not an emergency revoke" in wrong.stderr
    assert f"`rotui rotate {KEY} --rollback`" in wrong.stderr
    assert world.final_state()["heroku"] == sha(NEW)
    headless = world.rotui(*OVERLAP, stdin=NEW)
    assert headless.returncode == 2 and f"rotui rotate {KEY} --rollback" in headless.stderr
    done = world.rotui("rotate", KEY, "--rollback")
    assert done.returncode == 0 and world.final_state()["heroku"] == sha(OLD)
    assert audit(world)[-1]["action"] == "secret.rotate.rolled_back"


async def test_the_core_refuses_an_emergency_of_the_other_mode(world: World) -> None:
    svc = services(world)
    async with svc.rotation(KEY, kind="emergency", mode="overlap") as rotation:
        await through_propagation(rotation)  # it wrote the new key: it must be finished first
    async with svc.rotation(KEY, kind="emergency", mode="now") as rotation:
        with pytest.raises(UsageError, match="has an overlap emergency revoke"):
            rotation.open()
        with pytest.raises(UsageError, match="has an overlap emergency revoke"):
            await rotation.deactivate(KEY)  # and its first write is refused too
    assert world.anthropic.key_by_id(world.old_id).status == "active"


# 2. The emergency screen with a run of the other mode or kind ----------------------------------


async def paste_the_new_key(app: Any, pilot: Any) -> None:
    """In the wizard: the paste is the first change, so the run starts here."""
    from rotui.ui.widgets.secret_input import SecretInput

    box = app.screen.query_one("#new-key", SecretInput)
    await wait_until(pilot, lambda: box.display, "the paste field")
    box.value = NEW
    await pilot.press("enter")
    await wait_until(
        pilot,
        lambda: app.screen.rotation.run is not None,
        "the run started",
    )


async def settled_emergency(app: Any, pilot: Any) -> None:
    """The emergency screen on top, its loading work done and drawn."""
    await wait_until(pilot, lambda: isinstance(app.screen, EmergencyScreen), "the emergency screen")
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _press_and_wait_for_modal(app: Any, pilot: Any, key: str) -> None:
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(app.screen, ErrorModal), f"an error after {key}")


def _modal_text(modal: ErrorModal) -> str:
    return f"{modal.error_title}\n{modal.error_message}"


async def test_emergency_screen_revoke_now_during_an_overlap_run_says_why(world: World) -> None:
    svc = services(world)
    async with svc.rotation(KEY, kind="emergency", mode="overlap") as rotation:
        await through_propagation(rotation)
        run_id = rotation.run.run_id
    app = make_app(svc, emergency=KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settled_emergency(app, pilot)
        screen = app.screen
        assert isinstance(screen, EmergencyScreen)
        breaks = str(screen.query_one("#breaks", Static).render())
        assert f"An overlap emergency revoke of {KEY} is in progress (run {run_id}" in breaks
        await _press_and_wait_for_modal(app, pilot, "n")
        modal = app.screen
        assert isinstance(modal, ErrorModal), type(modal)  # not the typed confirmation
        text = _modal_text(modal)
        assert f"{KEY} has an overlap emergency revoke (run {run_id}" in text
        assert "step “Propagate to every consumer”" in text
        assert "Resume it with o" in text and f"rotui revoke {KEY} --rollback" in text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        screen.start("now", KEY)  # the worker itself refuses too: no KeyError, no traceback
        await wait_until(
            pilot, lambda: isinstance(app.screen, ErrorModal), "isinstance(app.screen, ErrorModal)"
        )
        assert isinstance(app.screen, ErrorModal)
        assert "unexpectedly" not in _modal_text(app.screen)
        assert "in progress" in app.screen.error_title
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("o")  # the matching mode resumes the run
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, RotationWizardScreen),
            "isinstance(app.screen, RotationWizardScreen)",
        )
        assert isinstance(app.screen, RotationWizardScreen)
    assert world.anthropic.key_by_id(world.old_id).status == "active"
    run = svc.runs().active(KEY)
    assert run is not None and run.run_id == run_id and "deactivate" not in run.step


async def test_emergency_screen_during_a_rotation_says_how_to_resume_it(world: World) -> None:
    svc = services(world)
    async with svc.rotation(KEY) as rotation:
        await through_propagation(rotation)
        run_id = rotation.run.run_id
    app = make_app(svc, emergency=KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settled_emergency(app, pilot)
        for key in ("o", "n"):
            await _press_and_wait_for_modal(app, pilot, key)
            modal = app.screen
            assert isinstance(modal, ErrorModal), (key, type(modal))
            text = _modal_text(modal)
            assert f"{KEY} has a rotation (run {run_id}" in text
            assert "Resume it with r on the dashboard" in text
            assert f"rotui rotate {KEY} --rollback" in text
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, EmergencyScreen)
    assert world.anthropic.key_by_id(world.old_id).status == "active"
    run = svc.runs().active(KEY)
    assert run is not None and run.kind == "rotation"


async def test_emergency_screen_overlap_during_a_revoke_now_run_says_why(world: World) -> None:
    svc = services(world)
    async with svc.rotation(KEY, kind="emergency", mode="now") as rotation:
        rotation.open()
        await rotation.deactivate(KEY)
    app = make_app(svc, emergency=KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settled_emergency(app, pilot)
        await _press_and_wait_for_modal(app, pilot, "o")
        modal = app.screen
        assert isinstance(modal, ErrorModal)
        text = _modal_text(modal)
        assert f"{KEY} has a revoke-now emergency revoke" in text
        assert "Resume it with n" in text and "cannot be rolled back" in text
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("n")  # the matching mode: the typed confirmation, then the wizard
        await pilot.pause()
        assert isinstance(app.screen, TypedConfirmModal)


# 3. The exposure time from the command line -----------------------------------------------------


async def test_exposed_at_is_prefilled_on_the_emergency_screen(world: World) -> None:
    now = dt.datetime.now(dt.UTC)
    world.anthropic.add_usage(world.old_id, now - dt.timedelta(hours=5), 300, 0)
    world.anthropic.add_usage(world.old_id, now - dt.timedelta(hours=1), 40, 2)
    exposed = (now - dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    svc = services(world)
    app = make_app(svc, emergency=KEY, exposed_at=exposed)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        assert isinstance(screen, EmergencyScreen)
        box = screen.query_one("#exposed-at", Input)
        assert box.value == f"{exposed:%Y-%m-%d %H:%M}" and screen.exposed == exposed
        assert "as given" in str(screen.query_one("#exposure-note", Static).render())
        usage = screen.query_one("#usage", Static)
        await wait_until(
            pilot, lambda: "last 24 h" in str(usage.render()), '"last 24 h" in str(usage.render())'
        )
        assert "⚠ 42 tokens in 1 hour(s) after the suspected exposure" in str(usage.render())
        await pilot.press("o")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, RotationWizardScreen),
            "isinstance(app.screen, RotationWizardScreen)",
        )
        await paste_the_new_key(app, pilot)
    run = svc.runs().active(KEY)
    assert run is not None and run.facts.exposed_at == exposed.isoformat()
    [started] = [e for e in svc.audit().entries() if e.action.endswith(".started")]
    assert started.context["exposed_at"] == exposed.isoformat()


async def test_exposed_at_given_on_resume_replaces_the_recorded_one(world: World) -> None:
    svc = services(world)
    first = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
    later = dt.datetime(2026, 1, 2, 9, 0, tzinfo=dt.UTC)
    async with svc.rotation(KEY, kind="emergency", exposed_at=first) as rotation:
        rotation.open()
        await rotation.precheck()
        await rotation.accept_new_key(NEW)  # the run starts with its first change
    app = make_app(svc, emergency=KEY, exposed_at=later)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        assert isinstance(screen, EmergencyScreen)
        await settled_emergency(app, pilot)
        assert screen.query_one("#exposed-at", Input).value == "2026-01-02 09:00"
        note = str(screen.query_one("#exposure-note", Static).render())
        assert "recorded 2026-01-01 09:00 UTC" in note
        await pilot.press("o")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, RotationWizardScreen),
            "isinstance(app.screen, RotationWizardScreen)",
        )
    run = svc.runs().active(KEY)
    assert run is not None and run.facts.exposed_at == later.isoformat()
    [changed] = [e for e in svc.audit().entries() if e.action.endswith(".exposure_set")]
    assert changed.action == "secret.revoke.emergency.exposure_set"
    assert changed.context == {"exposed_at": later.isoformat(), "previous": first.isoformat()}


def test_rotui_revoke_passes_exposed_at_to_the_dashboard(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from rotui import cli
    from rotui.paths import Paths

    seen: dict[str, Any] = {}

    class App:
        return_code = 0  # as Textual's after a quit

        def run(self) -> None:
            seen["ran"] = True

    def fake_make_app(services: Any, **kwargs: Any) -> App:
        seen.update(kwargs)
        return App()

    monkeypatch.setattr("rotui.ui.app.make_app", fake_make_app)
    args = cli.build_parser().parse_args(["revoke", KEY, "--exposed-at", "2026-01-01 10:30"])

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True  # the screen needs one (without it: "no terminal")

    ctx = cli.Context(
        paths=Paths.under(tmp_path / "cli"),
        config_arg=str(world.config),
        environ=world.env,
        stdin=Terminal(),
        stdout=Terminal(),
    )
    assert cli.run(args, ctx) == 0
    assert seen["ran"] and seen["emergency"] == KEY
    assert seen["exposed_at"] == dt.datetime(2026, 1, 1, 10, 30, tzinfo=dt.UTC)


# 4. The exposure in the audit log ---------------------------------------------------------------


def test_the_exposure_is_in_the_audit_log(world: World) -> None:
    first = world.rotui(*OVERLAP, "--exposed-at", "2026-01-01T00:00:00Z", stdin=NEW)
    assert first.returncode == 1, first.stdout + first.stderr
    entries = audit(world)
    started = entries[0]
    assert started["action"] == "secret.revoke.emergency.started"
    assert started["context"]["exposed_at"] == "2026-01-01T00:00:00+00:00"
    assert not any(e["action"].endswith("exposure_set") for e in entries)

    changed = world.rotui(*OVERLAP, "--exposed-at", "2026-01-02 06:00", stdin=NEW)
    assert "resuming run" in changed.stdout, changed.stdout + changed.stderr
    same = world.rotui(*OVERLAP, "--exposed-at", "2026-01-02T06:00:00+00:00", stdin=NEW)
    assert "resuming run" in same.stdout  # the same time again: no new entry
    entries = audit(world)
    [entry] = [e for e in entries if e["action"] == "secret.revoke.emergency.exposure_set"]
    assert entry["run_id"] == started["run_id"] and entry["key"] == KEY
    assert entry["context"] == {
        "exposed_at": "2026-01-02T06:00:00+00:00",
        "previous": "2026-01-01T00:00:00+00:00",
    }
    text = world.rotui("audit").stdout
    assert "secret.revoke.emergency.exposure_set" in text and "2026-01-02T06:00:00" in text
    report = world.rotui("report", started["run_id"]).stdout
    assert "- Suspected exposure: 2026-01-02 06:00:00 UTC" in report
    assert "exposed_at=2026-01-02T06:00:00+00:00" in report  # in the timeline
