"""The rotation wizard: the SOP's checklist, the step at hand, and only the actions it allows."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from typing import Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Static
from textual.worker import Worker

from rotui.core.errors import RotuiError
from rotui.core.locks import KeyHeld
from rotui.core.rotation import Action, Next, Rotation, rollback_refusal
from rotui.core.runs import Run, RunStatus, StaleLock
from rotui.core.usage import OldKeyUsage
from rotui.services import Services
from rotui.ui.modals.confirm import offer_take_over
from rotui.ui.modals.error import ErrorModal
from rotui.ui.navigation import navigator
from rotui.ui.plain import plain_cell
from rotui.ui.screens.rotation import consumers
from rotui.ui.screens.rotation.bindings import WIZARD_BINDINGS
from rotui.ui.screens.rotation.checklist import NARROW_BELOW, ChecklistView, wizard_title
from rotui.ui.screens.rotation.consumer_actions import ConsumerActions
from rotui.ui.screens.rotation.dialogs import ask_revoke, ask_rollback, confirm_revoke
from rotui.ui.screens.rotation.driving import after_retry, consumer_action_offered, perform
from rotui.ui.screens.rotation.watch import READ_ONLY_REFUSED, watch
from rotui.ui.widgets.key_footer import KeyFooter
from rotui.ui.widgets.secret_input import SecretInput
from rotui.ui.wizard_text import checklist_strip, checklist_text, step_help


class RotationWizardScreen(ConsumerActions):
    """Drives one key's run; leaving the screen keeps the run, which resumes next time."""

    UNEXPECTED_NOTE = ""  # a step may have begun: "nothing was changed" could be untrue

    BINDINGS = WIZARD_BINDINGS

    def __init__(
        self,
        services: Services,
        key: str,
        *,
        kind: str = "rotation",
        mode: str = "overlap",
        exposed_at: dt.datetime | None = None,
        usage: OldKeyUsage | None = None,
        read_only: bool = False,
        handed_over: str | None = None,
    ) -> None:
        super().__init__()
        self.handed_over = handed_over  # a run the emergency screen just started: not "resumed"
        self.read_only = read_only  # --read-only: watch the key's run, change nothing
        self.exposed_at = exposed_at  # from the emergency screen: journaled when the run starts
        self.usage = usage
        self.services = services
        self.key = key
        self.kind = kind
        self.mode = mode
        self.rotation: Rotation | None = None
        self.next: Next | None = None
        self.blocked: str | None = None  # why this view cannot drive the key (who holds it)
        self.failure: str | None = None  # the last step's error, shown in the panel
        self.notice: str | None = None  # what the last action left to say (R's time, by hand)
        self._stack = contextlib.AsyncExitStack()
        self._keyring_ok: bool | None = None
        self._busy = asyncio.Lock()
        self._accept_without_keyring = False
        self._pointed: tuple[str, ...] = ()  # the waiting consumers the cursor was put on

    def compose(self) -> ComposeResult:
        verb = "EMERGENCY revoke" if self.kind == "emergency" else "Rotate"
        yield Static(f"{verb} {self.key}", id="wizard-title", markup=False)
        with Horizontal(id="wizard-body"):
            yield VerticalScroll(
                ChecklistView("checking the key…", id="checklist-text"), id="checklist"
            )
            with Vertical(id="panel"):
                yield Static(id="step-help", markup=False)
                yield SecretInput(placeholder="paste the new key (hidden); Enter", id="new-key")
                yield Button("Continue without a keyring", id="no-keyring", variant="warning")
                yield Button("Demo: create a key in the simulated Console", id="demo-console")
                table: DataTable[str] = DataTable(cursor_type="row", id="consumers")
                yield table
        yield KeyFooter()

    def on_resize(self) -> None:
        if (self.size.width < NARROW_BELOW) != self.has_class("narrow"):
            self.redraw()

    def on_mount(self) -> None:
        for widget in ("#new-key", "#no-keyring", "#demo-console"):
            self.query_one(widget).display = False
        self.open_run()

    @work(group="rotation", exit_on_error=False, description="open the rotation run")
    async def open_run(self, take_over: bool = False) -> None:
        """Look at the key: nothing is locked, journaled or audited until the operator acts."""
        if self.rotation is None:
            self.rotation = await self._stack.enter_async_context(
                self.services.rotation(
                    self.key,
                    kind=self.kind,
                    mode=self.mode,
                    on_change=lambda run: self.redraw(),
                    lock=False,
                    exposed_at=self.exposed_at,
                    watching=self.read_only,
                )
            )
        rotation = self.rotation
        rotation.handed_over = self.handed_over
        try:
            run = rotation.open()
            if self.read_only:
                return watch(self)
            if run is not None:  # an active run resumes: it needs the key's lock
                rotation.take_lock(take_over)
                if self.exposed_at is not None:
                    rotation.set_exposure(self.exposed_at)  # a time given on resume: audited
            if self.usage is not None:
                rotation.note_usage(self.usage)
                self.usage = None
        except StaleLock as stale:
            offer_take_over(self, stale, lambda: self.open_run(take_over=True), lambda: None)
            self.blocked = f"{stale.title}. {stale.message}"
            self.redraw()
            return
        except KeyHeld as held:
            self.blocked = f"{held.title}: {held.message}. This view is read-only; Esc returns."
            self.redraw()
            return
        except RotuiError as exc:
            self.blocked = f"{exc.title}: {exc.message}"
            self.redraw()
            return
        self.blocked = None
        await self._advance()

    async def on_unmount(self) -> None:
        await self._stack.aclose()  # releases the key's lock, if taken; the run stays on disk

    # Drawing ------------------------------------------------------------------------------------

    def redraw(self) -> None:
        if self.rotation is None or not self.is_mounted:
            return
        run = self.rotation.view()
        started = self.rotation.run is not None
        # two lines at most (rotui.tcss): at 80 columns the run id goes whole on the second
        title = wizard_title(run, self.key, started, bool(self.blocked), self.rotation.resumed)
        self.query_one("#wizard-title", Static).update(plain_cell(title))
        # at 60 columns a column beside the panel was 10 wide, "Pre-che / ck: val / idate"
        narrow = self.size.width < NARROW_BELOW
        self.set_class(narrow, "narrow")
        text = (checklist_strip if narrow else checklist_text)(run) + (
            "\n\n" + "\n".join(f"! {w}" for w in run.warnings) if run.warnings else ""
        )
        self.query_one("#checklist-text", ChecklistView).show(text)
        self.query_one("#step-help", Static).update(self._help(run))
        action = self.next.action if self.next else None
        awaiting_key = not self.blocked and action in (Action.PASTE_KEY, Action.REPASTE_KEY)
        box = self.query_one("#new-key", SecretInput)
        box.display = awaiting_key and (
            self._keyring_ok is not False
            or self._accept_without_keyring
            or action is Action.REPASTE_KEY
        )
        self.query_one("#no-keyring").display = (
            awaiting_key
            and action is Action.PASTE_KEY
            and self._keyring_ok is False
            and not self._accept_without_keyring
        )
        self.query_one("#demo-console").display = (
            box.display and action is Action.PASTE_KEY and self.services.console is not None
        )
        table = self.query_one("#consumers", DataTable)
        width = self.query_one("#panel").content_size.width or table.size.width
        consumers.fill(table, self.rotation.specs, run, width)
        self.refresh_bindings()

    def _help(self, run: Run) -> str:
        assert self.rotation is not None
        if self.blocked:
            return self.blocked
        notice = f"{self.notice}\n" if self.notice else ""
        failure = f"✗ {self.failure}\n" if self.failure else ""
        upcoming = self.next
        if upcoming is None:
            return notice + failure + "Checking the current key…"
        keyring_ok = self._keyring_ok is not False
        body = step_help(self.rotation, run, upcoming, keyring_ok=keyring_ok)
        if self.services.hints is not None:  # the demo's keys, not commands on the user's config
            body = self.services.hints(body)
        return notice + (body if self.failure and self.failure in body else failure + body)  # once

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        rotation = self.rotation
        run = rotation.run if rotation else None
        upcoming = self.next.action if self.next and not self.blocked else None
        if self.read_only and action in READ_ONLY_REFUSED:
            return None
        if self.blocked and action in ("confirm_consumer", "skip_consumer"):
            return None  # another rotui drives the run: this view only watches
        if action in ("confirm_consumer", "skip_consumer"):
            return consumer_action_offered(action, self.next if upcoming else None)
        if action == "retry":
            return True if upcoming in (Action.RETRY, Action.WAIT) else None
        if action == "source_updated":
            return True if upcoming is Action.UPDATE_SOURCE else None
        if action == "revoke":
            return True if upcoming is Action.CONFIRM_REVOKE else None
        if action == "rollback":  # hidden once the old key cannot come back (the core says why)
            ok = run is not None and not self.blocked and rollback_refusal(run) is None
            return True if ok else None
        if action == "emergency":
            return True if self.kind != "emergency" and run is None else None
        return True

    # Driving -----------------------------------------------------------------------------------

    async def _advance(self) -> None:
        """Run automatic steps until one needs the operator, fails, or the run ends."""
        assert self.rotation is not None
        try:
            self.failure = None
            self.next = await self.rotation.advance()
        except RotuiError as exc:
            self.failure = f"{exc.title}: {exc.message}"
            self.next = await self.rotation.next()
        self.rotation.notify_waiting(self.next)
        if self.next.action is Action.PASTE_KEY:
            await self._check_keyring()
        self.redraw()
        self.point_at_waiting()
        if self.next.action in (Action.PASTE_KEY, Action.REPASTE_KEY):
            box = self.query_one("#new-key", SecretInput)
            choice = self.query_one("#no-keyring", Button)
            if box.display:
                box.focus()
            elif choice.display:  # no keyring: Enter takes the choice (a paste would be lost)
                choice.focus()

    async def _check_keyring(self) -> None:
        if self._keyring_ok is None:
            try:
                await asyncio.to_thread(self.services.store.keyring_backend_name)
                self._keyring_ok = True
            except RotuiError:
                self._keyring_ok = False

    @work(group="rotation", exit_on_error=False, description="rotation step")
    async def step(self, what: str, argument: str = "") -> None:
        """Every operator action, one at a time; failures show in the panel, never a crash."""
        assert self.rotation is not None
        async with self._busy:  # a double Enter or R never runs two steps on one run at once
            self.notice, retried = None, self.next.step if self.next and what == "retry" else None
            try:
                await perform(self, what, argument)
            except StaleLock as stale:
                offer_take_over(self, stale, self._take_over_then(what, argument), lambda: None)
                return
            except RotuiError as exc:
                self.failure = f"{exc.title}: {exc.message}"
                await self._reread()  # the step may have moved the run (a partial rollback)
            else:
                await self._advance()
            if retried:
                self.notice = after_retry(self, retried)
            self.redraw()  # said in the panel, beside the field, at its width: no toast

    async def _reread(self) -> None:
        """What comes next now, after a step failed: never a stale action that is then refused."""
        assert self.rotation is not None
        with contextlib.suppress(RotuiError):
            self.next = await self.rotation.next()

    def _take_over_then(self, what: str, argument: str):  # type: ignore[no-untyped-def]
        def go() -> None:
            assert self.rotation is not None
            try:
                self.rotation.take_lock(take_over=True)
            except RotuiError as exc:
                self.app.push_screen(ErrorModal(exc.title, exc.message))
                return
            self.step(what, argument)

        return go

    @on(SecretInput.Submitted, "#new-key")
    def _key_submitted(self, event: SecretInput.Submitted) -> None:
        box = self.query_one("#new-key", SecretInput)
        value = event.secret.reveal()  # handed straight to the core, which wraps it again
        box.value = ""  # accepted or refused, the next paste starts from an empty field
        if value.strip():
            self.step("key", value)

    @on(SecretInput.Refused, "#new-key")
    def _paste_refused(self, event: SecretInput.Refused) -> None:
        event.stop()
        self.failure = event.reason  # in the panel, beside the field: what is wrong, not the value
        self.redraw()

    def on_paste(self, event: events.Paste) -> None:
        """A paste the field did not take (it is hidden until the keyring choice): said, not lost."""
        if self.query_one("#no-keyring").display:
            event.stop()
            self.failure = (
                "the paste was not taken: there is no keyring, so choose “Continue without a"
                " keyring” first (Enter), then paste the key again"
            )
            self.redraw()

    @on(Button.Pressed, "#no-keyring")
    def _without_keyring(self) -> None:
        self._accept_without_keyring = True
        self.failure = None  # "the paste was not taken" is answered now
        self.redraw()
        self.query_one("#new-key", SecretInput).focus()

    @on(Button.Pressed, "#demo-console")
    def _demo_console(self) -> None:
        if self.services.console is not None:
            self.query_one("#new-key", SecretInput).value = self.services.console(self.key)
            self.query_one("#new-key", SecretInput).focus()

    def action_retry(self) -> None:
        self.step("retry")

    def action_source_updated(self) -> None:
        self.step("source")

    def action_emergency(self) -> None:
        self.dismiss(None)
        navigator(self.app).open_emergency(self.key)

    def action_revoke(self) -> None:
        ask_revoke(self)

    @work(group="rotation", exit_on_error=False, description="prepare the revoke")
    async def confirm_revoke(self) -> None:
        await confirm_revoke(self)

    def action_rollback(self) -> None:
        ask_rollback(self)

    def action_close(self) -> None:
        self.dismiss(None)

    def active_run(self) -> Run | None:
        """The active run this screen drives (holding its lock), for the quit question."""
        rotation = self.rotation
        if rotation is None or rotation.run is None or self.blocked:
            return None
        return rotation.run if rotation.run.status is RunStatus.ACTIVE else None

    def worker_failed(self, worker: Worker[Any], error: BaseException | None) -> bool:
        """A known failure stays on the wizard's page too; the app shows the message."""
        if isinstance(error, RotuiError):
            self.failure = f"{error.title}: {error.message}"
            self.redraw()
        return False
