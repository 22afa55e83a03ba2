"""The rotation wizard: the SOP's checklist, the step at hand, and only the actions it allows."""

from __future__ import annotations

import asyncio
import contextlib

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Static
from textual.worker import Worker, WorkerState

from rotui.core.errors import RotuiError
from rotui.core.rotation import READ_ONLY_SOURCE_STEP, Rotation, rollback_refusal
from rotui.core.runs import STEP_TITLES, ConsumerState, Run, RunStatus, StaleLock, StepState
from rotui.core.secret import redact
from rotui.services import Services
from rotui.ui.modals.confirm import ReasonModal, TypedConfirmModal, offer_take_over
from rotui.ui.screens.error import ErrorModal
from rotui.ui.widgets.key_footer import KeyFooter
from rotui.ui.widgets.secret_input import SecretInput

AUTOMATIC = {"precheck", "validate_new", "propagate", "verify", "finish"}
SYMBOLS = {
    StepState.PENDING: "○",
    StepState.RUNNING: "◐",
    StepState.DONE: "✓",
    StepState.FAILED: "✗",
    StepState.SKIPPED: "–",
}


def checklist_text(run: Run) -> str:
    """The steps with state, time and detail: the same words the dashboard and observers show."""
    lines = []
    for number, step in enumerate(run.steps, start=1):
        record = run.step[step]
        when = f" {record.at[11:19]}" if record.at else ""
        lines.append(
            f"{SYMBOLS[record.state]} {number}. {STEP_TITLES[step]} [{record.state}{when}]"
        )
        if record.detail:
            lines.append(f"     {record.detail}")
    return "\n".join(lines)


class RotationWizardScreen(Screen[None]):
    """Drives one key's run; leaving the screen keeps the run, which resumes next time."""

    BINDINGS = [
        Binding(
            "escape",
            "close",
            "Back",
            id="wizard.close",
            tooltip="Back to the dashboard; the run is kept and resumes",
        ),
        Binding(
            "c",
            "confirm_consumer",
            "Confirm",
            id="wizard.confirm",
            tooltip="Confirm the selected consumer (manual or not verifiable); audited",
        ),
        Binding(
            "s",
            "skip_consumer",
            "Skip…",
            id="wizard.skip",
            tooltip="Skip the selected consumer, with a reason; audited",
        ),
        Binding(
            "R",
            "retry",
            "Retry",
            id="wizard.retry",
            tooltip="Run the current step again; propagation redoes only what failed",
        ),
        Binding(
            "u",
            "source_updated",
            "Source updated",
            id="wizard.source",
            tooltip="Confirm the key's own env:/command: source gives the new key",
        ),
        Binding(
            "X",
            "revoke",
            "Revoke…",
            id="wizard.revoke",
            tooltip="Revoke the old key: typed confirmation",
        ),
        Binding(
            "b",
            "rollback",
            "Roll back…",
            id="wizard.rollback",
            tooltip="Put the current key back on every consumer; discard PENDING",
        ),
    ]
    DEFAULT_CSS = """
    RotationWizardScreen #wizard-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    RotationWizardScreen #wizard-body { height: 1fr; }
    RotationWizardScreen #checklist { width: 1fr; padding: 0 1; }
    RotationWizardScreen #panel { width: 1fr; padding: 0 1; }
    RotationWizardScreen #consumers { height: auto; max-height: 12; }
    RotationWizardScreen #step-help { margin-bottom: 1; }
    RotationWizardScreen SecretInput, RotationWizardScreen Button { margin-bottom: 1; }
    """

    def __init__(
        self, services: Services, key: str, *, kind: str = "rotation", mode: str = "overlap"
    ) -> None:
        super().__init__()
        self.services = services
        self.key = key
        self.kind = kind
        self.mode = mode
        self.rotation: Rotation | None = None
        self._stack = contextlib.AsyncExitStack()
        self._keyring_ok: bool | None = None
        self._busy = asyncio.Lock()
        self._accept_without_keyring = False

    def compose(self) -> ComposeResult:
        yield Static(
            f"{'EMERGENCY revoke' if self.kind == 'emergency' else 'Rotate'} {self.key}",
            id="wizard-title",
        )
        with Horizontal(id="wizard-body"):
            yield VerticalScroll(Static("opening the run…", id="checklist-text"), id="checklist")
            with Vertical(id="panel"):
                yield Static(id="step-help")
                yield SecretInput(placeholder="paste the new key (hidden); Enter", id="new-key")
                yield Button("Continue without a keyring", id="no-keyring", variant="warning")
                yield Button("Demo: create a key in the simulated Console", id="demo-console")
                table: DataTable[str] = DataTable(cursor_type="row", id="consumers")
                yield table
        yield KeyFooter()

    def on_mount(self) -> None:
        for widget in ("#new-key", "#no-keyring", "#demo-console"):
            self.query_one(widget).display = False
        table = self.query_one("#consumers", DataTable)
        for key, label in (
            ("name", "Consumer"),
            ("kind", "Kind"),
            ("state", "State"),
            ("detail", "Detail"),
        ):
            table.add_column(label, key=key)
        self.open_run()

    @work(group="rotation", exit_on_error=False, description="open the rotation run")
    async def open_run(self, take_over: bool = False) -> None:
        try:
            self.rotation = await self._stack.enter_async_context(
                self.services.rotation(
                    self.key,
                    kind=self.kind,
                    mode=self.mode,
                    on_change=lambda run: self.redraw(),
                    take_over=take_over,
                )
            )
        except StaleLock as stale:
            offer_take_over(self, stale, lambda: self.open_run(take_over=True))
            return
        self.rotation.open()
        self.redraw()
        await self._advance()

    async def on_unmount(self) -> None:
        await self._stack.aclose()  # releases the key's lock; the run stays on disk

    # Drawing ------------------------------------------------------------------------------------

    def redraw(self) -> None:
        if self.rotation is None or not self.is_mounted:
            return
        run = self.rotation.run
        step = run.current_step()
        verb = "EMERGENCY revoke" if run.kind == "emergency" else "Rotate"
        self.query_one("#wizard-title", Static).update(
            f"{verb} {self.key} · run {run.run_id} · {run.status}"
            + (" (resumed)" if self.rotation.resumed else "")
        )
        text = checklist_text(run) + (
            "\n\n" + "\n".join(f"! {w}" for w in run.warnings) if run.warnings else ""
        )
        self.query_one("#checklist-text", Static).update(text)
        self.query_one("#step-help", Static).update(self._help(run, step))
        lost = (  # accepted without a keyring, and this process never saw it: paste it again
            run.status is RunStatus.ACTIVE
            and run.facts.get("pending_stored") is False
            and self.rotation._pending_in_memory is None
            and step not in (None, "new_key", "finish")
        )
        awaiting_key = (step == "new_key" and run.status is RunStatus.ACTIVE) or lost
        box = self.query_one("#new-key", SecretInput)
        box.display = awaiting_key and (
            self._keyring_ok is not False or self._accept_without_keyring
        )
        self.query_one("#no-keyring").display = (
            awaiting_key and self._keyring_ok is False and not self._accept_without_keyring
        )
        self.query_one("#demo-console").display = box.display and self.services.console is not None
        table = self.query_one("#consumers", DataTable)
        selected = table.cursor_row
        table.clear()
        for spec in self.rotation.specs:
            record = run.consumers[spec.name]
            table.add_row(
                spec.name, str(spec.kind), str(record.state), record.detail[:90], key=spec.name
            )
        if table.row_count:
            table.move_cursor(row=min(selected, table.row_count - 1), animate=False)
        self.refresh_bindings()

    def _help(self, run: Run, step: str | None) -> str:
        assert self.rotation is not None
        if run.status is RunStatus.COMPLETED:
            return f"Rotation complete: CURRENT is {run.facts.get('pending_hint')}. Escape returns to the dashboard."
        if run.status is RunStatus.ROLLED_BACK:
            return "Rolled back: the current key is back where rotui wrote PENDING. Escape returns."
        if step is None:
            return ""
        record = run.step[step]
        if (
            run.facts.get("pending_stored") is False
            and self.rotation._pending_in_memory is None
            and step not in ("new_key", "finish")
        ):
            return f"No keyring held PENDING across the restart: paste the same new key ({run.facts.get('pending_hint')}) again."
        if record.state is StepState.FAILED:
            return f"✗ {record.detail}\nFix the cause, then R retries (only what failed); b rolls back."
        if step == "new_key":
            url, name = self.rotation.console_guidance()
            lines = [
                f"Create the new key at {url}",
                f"Suggested name: {name}",
                "Copy it (shown once), paste it below; it is stored as PENDING at once.",
            ]
            if self._keyring_ok is False:
                lines.append(
                    "! No usable keyring here: a crash would lose the pending key (you would paste it again)."
                )
            return "\n".join(lines)
        if step == "propagate":
            manual = [
                n
                for n, r in run.consumers.items()
                if r.state is ConsumerState.PENDING and self.rotation.adapters[n].needs_operator
            ]
            if manual:
                return (
                    "\n".join(
                        f"Manual: {n}: {self.rotation.adapters[n].describe()}" for n in manual
                    )
                    + "\nDo it, select it, press c to confirm."
                )
        if step == "verify":
            waiting = [n for n, r in run.consumers.items() if r.state is ConsumerState.WRITTEN]
            if waiting:
                return f"Not verifiable by rotui: {', '.join(waiting)}. Check each, then c to confirm or s to skip with a reason."
        if step == READ_ONLY_SOURCE_STEP:
            return f"Update {self.rotation.key.source.split(' ')[0]} to the new key {run.facts.get('pending_hint')}, then press u."
        if step == "deactivate":
            return "Revoke now: X deactivates the old key (typed confirmation), then the new key repairs every consumer."
        if step == "revoke":
            blockers = self.rotation.revoke_blockers()
            if blockers:
                return "The old key cannot be revoked yet:\n" + "\n".join(
                    f"- {b}" for b in blockers
                )
            return "Every consumer is verified or skipped. X revokes the old key (typed confirmation); b still rolls back."
        return f"{STEP_TITLES[step]}…"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        run = self.rotation.run if self.rotation else None
        active = run is not None and run.status is RunStatus.ACTIVE
        step = run.current_step() if run else None
        if action in ("confirm_consumer", "skip_consumer"):
            return True if active and step in ("propagate", "verify") else None
        if action == "retry":
            return True if active and step and run.step[step].state is StepState.FAILED else None
        if action == "source_updated":
            return True if active and step == READ_ONLY_SOURCE_STEP else None
        if action == "revoke":
            return True if active and step in ("revoke", "deactivate") else None
        if action == "rollback":  # hidden once the old key cannot come back (the core says why)
            return True if active and run is not None and rollback_refusal(run) is None else None
        return True

    # Driving -----------------------------------------------------------------------------------

    async def _advance(self) -> None:
        """Run automatic steps until one needs the operator, fails, or the run ends."""
        assert self.rotation is not None
        rotation = self.rotation
        while rotation.run.status is RunStatus.ACTIVE:
            step = rotation.run.current_step()
            if step is None or rotation.run.step[step].state is StepState.FAILED:
                break
            if step == "new_key":
                await self._check_keyring()
                break
            if step not in AUTOMATIC:
                break
            before = rotation.run.to_dict()
            if step == "precheck":
                await rotation.precheck()
            elif step == "validate_new":
                await rotation.validate_new()
            elif step == "propagate":
                await rotation.propagate()
            elif step == "verify":
                await rotation.verify()
            elif step == "finish":
                await rotation.finish()
            if rotation.run.to_dict() == before or rotation.run.current_step() == step:
                break  # waiting for the operator (manual consumers, confirmations)
        self.redraw()

    async def _retry_failed(self) -> None:
        """Run the failed step once more (propagation redoes only the consumers that failed)."""
        assert self.rotation is not None
        rotation = self.rotation
        step = rotation.run.current_step()
        if step is None or rotation.run.step[step].state is not StepState.FAILED:
            return
        retry = {
            "precheck": rotation.precheck,
            "validate_new": rotation.validate_new,
            "propagate": rotation.propagate,
            "verify": rotation.verify,
            "finish": rotation.finish,
            READ_ONLY_SOURCE_STEP: rotation.confirm_source_updated,
        }.get(step)
        if retry is not None:
            await retry()

    async def _check_keyring(self) -> None:
        if self._keyring_ok is None:
            try:
                await asyncio.to_thread(self.services.store.keyring_backend_name)
                self._keyring_ok = True
            except RotuiError:
                self._keyring_ok = False
        self.redraw()
        if self._keyring_ok or self._accept_without_keyring:
            self.query_one("#new-key", SecretInput).focus()

    @work(group="rotation", exit_on_error=False, description="rotation step")
    async def step(self, what: str, argument: str = "") -> None:
        """Every operator action, one at a time; failures end in an error modal, never a crash."""
        assert self.rotation is not None
        async with self._busy:  # a double Enter or R never runs two steps on one run at once
            await self._step(what, argument)

    async def _step(self, what: str, argument: str) -> None:
        assert self.rotation is not None
        rotation = self.rotation
        if what == "new_key" and rotation.run.step["new_key"].state is StepState.DONE:
            await rotation.recover_pending(argument)  # the same key again, checked by fingerprint
            self.query_one("#new-key", SecretInput).value = ""
        elif what == "new_key":
            for warning in await rotation.accept_new_key(argument):
                self.notify(warning, severity="warning")
            self.query_one("#new-key", SecretInput).value = ""
        elif what == "retry":
            await self._retry_failed()
        elif what == "source":
            await rotation.confirm_source_updated()
        elif what == "deactivate":
            await rotation.deactivate(argument, console_confirmed=rotation.deps.admin is None)
        elif what == "revoke":
            await rotation.revoke(
                argument,
                console_confirmed=self.services.config.settings.admin_key is None
                or rotation.deps.admin is None,
            )
        elif what == "rollback":
            manual = await rotation.rollback()
            for line in manual:
                self.notify(f"restore by hand: {line}", severity="warning", timeout=30)
        await self._advance()

    @on(SecretInput.Submitted, "#new-key")
    def _key_submitted(self, event: SecretInput.Submitted) -> None:
        if event.value.strip():
            self.step("new_key", event.value)

    @on(Button.Pressed, "#no-keyring")
    def _without_keyring(self) -> None:
        self._accept_without_keyring = True
        self.redraw()
        self.query_one("#new-key", SecretInput).focus()

    @on(Button.Pressed, "#demo-console")
    def _demo_console(self) -> None:
        if self.services.console is not None:
            self.query_one("#new-key", SecretInput).value = self.services.console(self.key)
            self.query_one("#new-key", SecretInput).focus()

    def _selected_consumer(self) -> str | None:
        table = self.query_one("#consumers", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate)[0].value)

    def action_confirm_consumer(self) -> None:
        name = self._selected_consumer()
        if self.rotation is None or name is None:
            return
        try:
            self.rotation.confirm_consumer(name)
        except RotuiError as exc:
            self.app.push_screen(ErrorModal(exc.title, exc.message))
            return
        self.step("continue")

    def action_skip_consumer(self) -> None:
        name = self._selected_consumer()
        if self.rotation is None or name is None:
            return

        def skipped(reason: str | None) -> None:
            if reason and self.rotation is not None:
                try:
                    self.rotation.skip_consumer(name, reason)
                except RotuiError as exc:
                    self.app.push_screen(ErrorModal(exc.title, exc.message))
                    return
                self.step("continue")

        self.app.push_screen(ReasonModal(f"Skip {name}? Say why (audited)."), skipped)

    def action_retry(self) -> None:
        self.step("retry")

    def action_source_updated(self) -> None:
        self.step("source")

    def action_revoke(self) -> None:
        if self.rotation is None:
            return
        if self.rotation.run.current_step() == "deactivate":

            def typed_now(value: str | None) -> None:
                if value:
                    self.step("deactivate", value)

            body = f"The old key {self.rotation.run.facts.get('current_hint', '')} is deactivated now; consumers break until repaired."
            self.app.push_screen(
                TypedConfirmModal(
                    f"Revoke {self.key} now", body + f"\nType {self.key}.", self.key, "Revoke now"
                ),
                typed_now,
            )
            return
        blockers = self.rotation.revoke_blockers()
        if blockers:
            self.app.push_screen(
                ErrorModal("the old key cannot be revoked yet", "\n".join(blockers))
            )
            return
        self.confirm_revoke()

    @work(group="rotation", exit_on_error=False, description="prepare the revoke")
    async def confirm_revoke(self) -> None:
        assert self.rotation is not None
        rotation = self.rotation
        usage = await rotation.old_key_usage()
        lines = [
            f"The old key {rotation.run.facts.get('current_hint')} stops working at once; this cannot be undone."
        ]
        if usage:
            lines.append(
                f"! It used {usage:,} tokens since propagation finished: something may still hold it."
            )
        elif usage == 0:
            lines.append("It used no tokens since propagation finished.")
        if rotation.deps.admin is None:
            lines.append(
                "No Admin API: revoke it in the Console first (https://platform.claude.com/settings/keys); confirming says you did."
            )
        lines.append(f"Type {self.key} to revoke.")

        def typed(value: str | None) -> None:
            if value:
                self.step("revoke", value)

        self.app.push_screen(
            TypedConfirmModal("Revoke the old key", "\n".join(lines), self.key, "Revoke"), typed
        )

    def action_rollback(self) -> None:
        def typed(value: str | None) -> None:
            if value:
                self.step("rollback")

        body = "The current key goes back on every consumer rotui wrote; PENDING is discarded."
        self.app.push_screen(
            TypedConfirmModal(
                "Roll back this rotation",
                body + f"\nType {self.key} to roll back.",
                self.key,
                "Roll back",
            ),
            typed,
        )

    def action_close(self) -> None:
        self.dismiss(None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        self.redraw()
        if isinstance(error, RotuiError):
            self.app.push_screen(ErrorModal(error.title, error.message))
            if event.worker.description == "open the rotation run":
                self.dismiss(None)
        else:
            self.app.push_screen(
                ErrorModal(
                    f"{event.worker.description} failed unexpectedly",
                    redact(f"{type(error).__name__}: {error}"),
                )
            )
