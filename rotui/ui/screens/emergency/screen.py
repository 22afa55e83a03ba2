"""Emergency revoke, first screen: the trade-off made explicit, a running clock, what will break."""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static
from textual.worker import Worker

from rotui.core.errors import RotuiError
from rotui.core.locks import Holder, KeyHeld
from rotui.core.model import CONSOLE_KEYS_URL
from rotui.core.runs import Run, StaleLock
from rotui.core.timeparse import parse_exposure
from rotui.core.usage import RECENT, OldKeyUsage
from rotui.services import Services
from rotui.ui.modals.confirm import TypedConfirmModal, offer_take_over
from rotui.ui.modals.error import ErrorModal
from rotui.ui.navigation import ReportingScreen, navigator
from rotui.ui.run_text import in_progress, other_driver
from rotui.ui.screens.emergency.parts import (
    EMERGENCY_BINDINGS,
    EMERGENCY_CSS,
    EXPOSURE_PLACEHOLDER,
    NOW_TEXT,
    NOW_TEXT_DEAD,
    OVERLAP_TEXT,
    OVERLAP_TEXT_DEAD,
    EmergencyBody,
    ExposureInput,
    already_dead,
    breaks_text,
    finished,
    incident_clock,
)
from rotui.ui.widgets.key_footer import KeyFooter
from rotui.ui.widgets.one_line import OneLineInput

USAGE_WORKER = "old key usage"


class EmergencyScreen(ReportingScreen):
    UNEXPECTED_NOTE = ""  # a revoke may have begun: "nothing was changed" could be untrue

    """Opens the incident: choose how, then the wizard drives the run (same journal and resume)."""

    BINDINGS = EMERGENCY_BINDINGS
    DEFAULT_CSS = EMERGENCY_CSS

    def __init__(
        self, services: Services, key: str, *, exposed_at: dt.datetime | None = None
    ) -> None:
        super().__init__()
        self.services = services
        self.key = key
        self.opened = services.clock()
        self.given_exposure = exposed_at  # from `rotui revoke NAME --exposed-at`: pre-filled
        self.exposed: dt.datetime | None = None  # the suspected exposure, once typed and valid
        self.applied = ""  # the input text self.exposed was read from
        self.usage: OldKeyUsage | None = None
        self.dead: str | None = None  # what says the old key already answers no one, if anything
        self.wizard_opened: str | None = None  # the key's last run id when the wizard opened
        self._usage_worker: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(f"EMERGENCY · {self.key}", id="emergency-title", markup=False)
        with EmergencyBody(id="emergency-body"):
            yield Static(id="clock", markup=False)
            # usage and the exposure first: at 80×24 the flag shows without scrolling
            yield Static("usage: asking the Admin API…", id="usage", markup=False)
            exposed = ExposureInput(
                placeholder=EXPOSURE_PLACEHOLDER, id="exposed-at", select_on_focus=False
            )
            exposed.border_title = "Suspected exposure (UTC, optional)"
            yield exposed
            yield Static(
                "Usage after it will be flagged; it goes into the incident report.",
                id="exposure-note",
                markup=False,
            )
            yield Static(id="breaks", markup=False)  # above the choice: seen at 80×24 unscrolled
            yield Static(NOW_TEXT, id="now-text", markup=False)
            yield Static(OVERLAP_TEXT, id="overlap-text", markup=False)
        with Horizontal(id="emergency-actions"):  # outside the scroll: always on screen
            yield Button("Overlap (o)", id="overlap", variant="warning")
            yield Button("Revoke now (n)", id="now", variant="error")
        yield KeyFooter()

    def on_mount(self) -> None:
        [key] = self.services.keys([self.key])
        consumers = ", ".join(f"{c.name} ({c.kind})" for c in key.consumers) or "none configured"
        active = self.services.runs().active(self.key)
        in_progress = f"\n\n{self._in_progress(active)}" if active is not None else ""
        self.dead = already_dead(self.services.snapshot(), self.key)
        self.query_one("#breaks", Static).update(
            breaks_text(consumers, len(key.consumers), self.dead) + in_progress
        )
        if self.dead is not None:
            self.query_one("#now-text", Static).update(NOW_TEXT_DEAD)
            self.query_one("#overlap-text", Static).update(OVERLAP_TEXT_DEAD)
        if active is not None and active.kind == "emergency":
            self.opened = dt.datetime.fromisoformat(active.started_at)
            if active.facts.exposed_at:
                recorded = dt.datetime.fromisoformat(active.facts.exposed_at)
                self.exposed = recorded.astimezone(dt.UTC)
                self.applied = f"{self.exposed:%Y-%m-%d %H:%M}"
                self.query_one("#exposed-at", Input).value = self.applied
                self._note(f"Recorded in run {active.run_id}: {self.exposed:%Y-%m-%d %H:%M} UTC")
        if self.given_exposure is not None:
            recorded_note = (
                f" (run {active.run_id} recorded {self.applied} UTC; it is updated on resume)"
                if active is not None and self.exposed not in (None, self.given_exposure)
                else ""
            )
            self.exposed = self.given_exposure.astimezone(dt.UTC)
            self.applied = f"{self.exposed:%Y-%m-%d %H:%M}"
            self.query_one("#exposed-at", Input).value = self.applied
            self._note(
                f"Suspected exposure: {self.applied} UTC, as given; usage after it is flagged."
                + recorded_note
            )
        self.tick()
        self.set_interval(1.0, self.tick)
        # Not a button: Enter or a typed date must never start a mode; n, o and w work at once
        self.query_one("#emergency-body").focus()
        self.refresh_usage()

    def tick(self) -> None:
        self.query_one("#clock", Static).update(incident_clock(self.opened, self.services.clock()))

    # The suspected exposure ------------------------------------------------------------------

    def _note(self, text: str, *, invalid: bool = False) -> None:
        note = self.query_one("#exposure-note", Static)
        note.update(text)
        note.set_class(invalid, "-invalid")

    def read_exposure(self) -> bool:
        """Read the exposure input into ``self.exposed``; False (with the reason shown) if invalid."""
        text = self.query_one("#exposed-at", Input).value.strip()
        if text == self.applied:
            return True
        if not text:
            self.exposed, self.applied = None, ""
            self._note("No exposure time: usage is not flagged.")
            self.show_usage()
            return True
        try:
            when = parse_exposure(text, self.services.clock())
        except (RotuiError, ValueError, OverflowError) as exc:  # parse_exposure says UsageError
            self.exposed, self.applied = None, ""
            self._note(f"✗ {exc}", invalid=True)
            self.show_usage()
            return False
        self.exposed, self.applied = when, text
        self._note(f"Suspected exposure: {when:%Y-%m-%d %H:%M} UTC; usage after it is flagged.")
        return True

    def on_key(self, event: events.Key) -> None:
        """A time typed without first moving to the field goes into it, never to a binding.

        A digit or a letter that is no key of this screen starts it (``2026-…``, ``2h ago``,
        ``last tuesday``, which is then said to be not understood, never dropped); it starts a new
        value, never appended to the one applied before. The keys of the same burst, queued
        before the focus moved, follow it into the field.
        """
        field = self.query_one("#exposed-at", Input)
        character = event.character
        if not (event.is_printable and character):
            return
        if self.focused is not field:
            if not character.isalnum() or event.key in self.active_bindings:
                return  # n, o, w, q: the choices act
            self.set_focus(field)
            field.value = ""
        field.insert_text_at_cursor(character)
        event.stop()
        event.prevent_default()

    def on_one_line_input_refused(self, event: OneLineInput.Refused) -> None:
        event.stop()
        self._note(f"✗ {event.reason}", invalid=True)

    @on(Input.Submitted, "#exposed-at")
    def _exposure_submitted(self) -> None:
        if not self.read_exposure():
            self.query_one("#exposed-at", Input).select_all()  # typing replaces it, ← edits it
            return
        self.query_one("#emergency-body").focus()  # applied: n or o now chooses, Enter does not
        exposed = self.exposed
        if exposed is None:
            wider = False
        elif self.usage is not None:
            wider = not self.usage.covers(exposed)
        else:  # still asking, for the last 7 days only
            wider = exposed < self.services.clock() - RECENT
        if wider:
            self.refresh_usage()  # earlier than the hours at hand: ask again, back to it
        else:
            self.show_usage()

    def refresh_usage(self) -> None:
        previous = self._usage_worker
        self._usage_worker = self.load_usage(self.exposed, previous)

    @work(group="emergency-usage", exit_on_error=False, description=USAGE_WORKER)
    async def load_usage(self, exposed: dt.datetime | None, previous: Worker[None] | None) -> None:
        if previous is not None:
            previous.cancel()
            await finished(previous)  # it holds the key's lock until it unwinds
        self.query_one("#usage", Static).update("usage: asking the Admin API…")
        # A question that writes nothing: no lock, so it works while another rotui drives the key.
        async with self.services.rotation(self.key, kind="emergency", lock=False) as rotation:
            usage = await rotation.old_key_usage_window(exposed, record=False)
        if usage is None:
            self.query_one("#usage", Static).update(
                "Old key usage: needs the Admin API (settings.admin_key)."
            )
            return
        self.usage = usage
        self.show_usage()

    def show_usage(self) -> None:
        """The usage line, with the hours after the suspected exposure flagged."""
        if self.usage is None:
            return
        usage = self.usage.with_exposure(self.exposed)
        lines = [f"Old key usage: {usage.headline()}"]
        exposure = usage.exposure_line()
        if exposure:
            lines.append(exposure)
        widget = self.query_one("#usage", Static)
        widget.update("\n".join(lines))
        widget.set_class(bool(usage.since_exposure), "-flagged")

    # A run of the key already in progress -----------------------------------------------------

    def _other_driver(self) -> Holder | None:
        return other_driver(self.services.paths.state_dir, self.key)

    def _in_progress(self, active: Run) -> str:
        return in_progress(self.key, active, self._other_driver())

    def conflict(self, mode: str) -> tuple[str, str] | None:
        """Why a run of this mode cannot start or resume: another run of the key is active.

        The rules are the core's (:func:`rotui.core.rotation.policy.start_conflict`): a run that
        wrote nothing is superseded by the emergency, audited, instead of blocking it.
        """
        from rotui.core.rotation.policy import Verdict, start_conflict

        active = self.services.runs().active(self.key)
        holder = self._other_driver() if active is not None else None
        if holder is not None:  # before any typed confirmation: who holds it, and since when
            held = KeyHeld(self.key, holder)
            return held.title, held.message
        verdict = start_conflict(active, "emergency", mode)
        if verdict.verdict is not Verdict.REFUSE or active is None:
            return None
        if active.kind == "emergency":
            hint = f"Resume it with {'n' if active.mode == 'now' else 'o'} here: "
        else:
            hint = "Resume it with r on the dashboard: "
        say = self.services.hints or str  # the demo's: its keys, not commands on the user's config
        return verdict.title, say(hint + verdict.message)

    def _refused(self, mode: str) -> bool:
        """Show why ``mode`` cannot start (another run is in progress); True when refused."""
        refused = self.conflict(mode)
        if refused is not None:
            self.app.push_screen(ErrorModal(*refused))
        return refused is not None

    def action_now(self) -> None:
        if not self._exposure_ready() or self._refused("now"):
            return
        admin = self.services.config.settings.admin_key is not None
        [key] = self.services.keys([self.key])  # the modal lists nothing "above": name them
        names = ", ".join(c.name for c in key.consumers) or "none configured"
        text = NOW_TEXT_DEAD if self.dead is not None else NOW_TEXT
        body = text.replace("every consumer listed above", f"every consumer ({names})") + (
            "\nrotui deactivates it through the Admin API and waits for its 401."
            if admin
            else f"\nWithout the Admin API, revoke it at {CONSOLE_KEYS_URL} first; confirming says you did."
        )
        self.app.push_screen(
            TypedConfirmModal(
                f"Revoke {self.key} now",
                body + f"\nType {self.key} to revoke now.",
                self.key,
                "Revoke now",
            ),
            self._now_confirmed,
        )

    def _now_confirmed(self, typed: str | None) -> None:
        if typed:
            self.start("now", typed)

    def action_overlap(self) -> None:
        if self._exposure_ready():
            self.start("overlap", "")

    def _exposure_ready(self) -> bool:
        """An exposure typed but not understood stops the start: fix it or clear it first."""
        if self.read_exposure():
            return True
        self.query_one("#exposed-at", Input).focus()
        self.app.bell()
        return False

    @on(Button.Pressed, "#now")
    def _now_pressed(self) -> None:
        self.action_now()

    @on(Button.Pressed, "#overlap")
    def _overlap_pressed(self) -> None:
        self.action_overlap()

    @work(group="emergency", exit_on_error=False, description="start the emergency run")
    async def start(self, mode: str, typed: str, take_over: bool = False) -> None:
        if self._refused(mode):  # never a KeyError from a run of the other mode
            return
        usage_worker, self._usage_worker = self._usage_worker, None
        if usage_worker is not None:
            usage_worker.cancel()  # no waiting on the usage report in an emergency
            await finished(usage_worker)
        handed_over: str | None = None
        if mode == "now":  # the first side effect is the deactivation: the run starts with it
            try:
                async with self.services.rotation(
                    self.key,
                    kind="emergency",
                    mode=mode,
                    exposed_at=self.exposed,
                    take_over=take_over,
                ) as rotation:
                    rotation.open()
                    if self.usage is not None:
                        rotation.note_usage(self.usage.with_exposure(self.exposed))
                    run = rotation.run
                    if run is None or run.step["deactivate"].state != "done":
                        await rotation.deactivate(
                            typed, console_confirmed=rotation.deps.admin is None
                        )
                    if rotation.run is not None and not rotation.resumed:
                        handed_over = rotation.run.run_id  # started here: the wizard goes on with it
            except StaleLock as stale:  # raised on entering, before anything ran
                offer_take_over(
                    self,
                    stale,
                    lambda: self.start(mode, typed, take_over=True),
                    cancelled=lambda: None,
                )
                return
        usage = self.usage.with_exposure(self.exposed) if self.usage is not None else None
        # On top of this screen: Esc from a wizard that started nothing comes back here, the
        # exposure time as typed (on_screen_resume leaves for the dashboard once a run exists).
        self.wizard_opened = self._last_run_id()
        navigator(self.app).open_rotation(
            self.key, kind="emergency", mode=mode, exposed_at=self.exposed, usage=usage,
            handed_over=handed_over,
        )

    def _last_run_id(self) -> str:
        last = self.services.runs().latest().get(self.key)
        return last.run_id if last is not None else ""

    def on_screen_resume(self) -> None:
        """Back from the wizard: to the dashboard if it drove a run (this choice is made), else
        stay here, the exposure time as typed."""
        before, self.wizard_opened = self.wizard_opened, None
        if before is None:
            return  # back from a dialog or the holders screen
        if self.services.runs().active(self.key) is not None or self._last_run_id() != before:
            self.dismiss(None)

    def action_holders(self) -> None:
        navigator(self.app).open_holders(self.key)

    def action_close(self) -> None:
        self.dismiss(None)

    def worker_failed(self, worker: Worker[Any], error: BaseException | None) -> bool:
        """Usage that cannot be read is said in its place; other failures go to the app."""
        if worker.description == USAGE_WORKER:
            self.query_one("#usage", Static).update(f"Old key usage: not available ({error})")
            return True
        return False
