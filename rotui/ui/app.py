"""The Textual app: global bindings, theme, keymap, command palette, the dashboard and navigation.

Screens open one another and report failed work through the app (`rotui.ui.navigation`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from textual import events
from textual.app import App
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.screen import Screen

from rotui.core.errors import UsageError
from rotui.core.runs import Run
from rotui.core.usage import OldKeyUsage
from rotui.services import Services
from rotui.ui.commands import RotuiCommands
from rotui.ui.screens.dashboard import DashboardScreen
from rotui.ui.screens.help import HelpScreen
from rotui.ui.widgets.key_table import KeyTable
from rotui.ui.widgets.one_line import OneLineInput

APP_BINDINGS = [
    Binding("q", "quit", "Quit", id="quit", tooltip="Quit rotui"),
    # Textual's ctrl+c only says "press ctrl+q"; an operator in SSH expects it to quit. An Input
    # with text selected still copies it (its binding comes first and skips when none is).
    Binding(
        "ctrl+c",
        "quit",
        "Quit",
        id="quit.interrupt",
        show=False,
        tooltip="Quit rotui, as q does (asks first while a run is active)",
    ),
    Binding(
        "question_mark,f1", "help", "Help", id="help", tooltip="Every key binding and what it does"
    ),
]


def binding_ids() -> set[str]:
    """Ids a [keymap] table may remap: every binding of every screen and modal rotui shows."""
    from rotui.ui.modals.confirm import QuitModal, ReasonModal, TypedConfirmModal
    from rotui.ui.modals.error import ErrorModal
    from rotui.ui.screens.audit import AuditEntryModal, AuditScreen
    from rotui.ui.screens.emergency import EmergencyScreen
    from rotui.ui.screens.emergency.parts import ExposureInput
    from rotui.ui.screens.holders import FindingModal, HoldersScreen
    from rotui.ui.screens.rotation import RotationWizardScreen
    from rotui.ui.screens.troubleshoot import TroubleshootScreen

    owners = (
        DashboardScreen,
        KeyTable,
        TroubleshootScreen,
        RotationWizardScreen,
        EmergencyScreen,
        ExposureInput,
        AuditScreen,
        HoldersScreen,
        FindingModal,
        AuditEntryModal,
        HelpScreen,
        ErrorModal,
        TypedConfirmModal,
        ReasonModal,
        QuitModal,
    )
    bindings = [*APP_BINDINGS, *(b for owner in owners for b in owner.BINDINGS)]
    return {b.id for b in bindings if isinstance(b, Binding) and b.id}


def memory_only(runs: Sequence[Run]) -> str:
    """What quitting loses: a PENDING no keyring holds (empty when every step is journaled)."""
    held = [r for r in runs if r.facts.pending_fp and r.facts.pending_stored is False]
    return "\n".join(
        f"PENDING {r.facts.pending_hint} of {r.key} is in this rotui's memory only (no keyring): "
        "on resume, paste the same new key again; keep it at hand."
        for r in held
    )


class RotuiApp(App[None]):
    CSS_PATH = "rotui.tcss"
    TITLE = "rotui"
    COMMANDS = App.COMMANDS | {RotuiCommands}
    BINDINGS = list[Binding | tuple[str, str] | tuple[str, str, str]](APP_BINDINGS)

    def __init__(
        self,
        services: Services,
        *,
        read_only: bool = False,
        demo: bool = False,
        theme: str | None = None,
        keymap: Mapping[str, str] | None = None,
        poll_interval: float = 1.0,
        rotate: str | None = None,
        emergency: str | None = None,
        exposed_at: dt.datetime | None = None,
        notices: Sequence[str] = (),
        pairing: str | None = None,
    ) -> None:
        super().__init__()
        self.pairing = pairing
        self.notices = tuple(notices)  # warnings found before the screen opened (config mode)
        self.rotate_on_start = rotate
        self.emergency_on_start = emergency
        self.exposed_at = exposed_at  # the suspected exposure, pre-filled on the emergency screen
        self.services = services
        self.read_only = read_only
        self.demo = demo
        self.poll_interval = poll_interval
        self.keymap = dict(keymap or {})
        self._driven: set[str] = set()  # keys whose run a wizard of this process drove
        if theme:
            self.theme = theme
        if self.keymap:
            self.set_keymap(self.keymap)

    def on_mount(self) -> None:
        from rotui import hangup

        hangup.install(self._hung_up)
        for notice in self.notices:  # printed on stderr too, but the full screen hides that
            self.notify(notice, title="Warning", severity="warning", timeout=30, markup=False)
        watched = self.emergency_on_start or self.rotate_on_start
        if self.read_only and watched:  # --read-only: the key's wizard, watching
            emergency = self.emergency_on_start and not self.services.runs().active(watched)
            self.open_rotation(watched, kind="emergency" if emergency else None)
        elif self.emergency_on_start:
            self.open_emergency(self.emergency_on_start, exposed_at=self.exposed_at)
        elif self.rotate_on_start:
            self.open_rotation(self.rotate_on_start)

    # Navigation: screens ask the app to open another screen, they never import one another.

    def open_rotation(
        self,
        key: str,
        *,
        kind: str | None = None,
        mode: str | None = None,
        exposed_at: dt.datetime | None = None,
        usage: OldKeyUsage | None = None,
        handed_over: str | None = None,
    ) -> None:
        """The wizard for ``key``: its active run whatever its kind, else a new ``kind`` run.

        ``handed_over``: the run another screen just started, which the wizard goes on with.
        """
        from rotui.ui.screens.rotation import RotationWizardScreen

        active = self.services.runs().active(key)
        if kind is None and active is not None:
            kind, mode = active.kind, active.mode
        self.push_screen(
            RotationWizardScreen(
                self.services,
                key,
                kind=kind or "rotation",
                mode=mode or "overlap",
                exposed_at=exposed_at,
                usage=usage,
                read_only=self.read_only,
                handed_over=handed_over,
            )
        )

    def open_emergency(self, key: str, *, exposed_at: dt.datetime | None = None) -> None:
        from rotui.ui.screens.emergency import EmergencyScreen

        self.push_screen(EmergencyScreen(self.services, key, exposed_at=exposed_at))

    def open_holders(self, key: str | None) -> None:
        from rotui.ui.screens.holders import HoldersScreen

        self.push_screen(HoldersScreen(self.services, key))

    def open_troubleshoot(self, key: str | None) -> None:
        from rotui.ui.screens.troubleshoot import TroubleshootScreen

        self.push_screen(TroubleshootScreen(self.services, key))

    def open_audit(self, key: str | None, poll_interval: float) -> None:
        from rotui.ui.screens.audit import AuditScreen

        self.push_screen(AuditScreen(self.services.audit(), key, poll_interval))

    def on_one_line_input_refused(self, event: OneLineInput.Refused) -> None:
        """A refused paste no screen said beside its field: said here, never lost in silence."""
        self.notify(event.reason, title="Not pasted", severity="error", markup=False)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Paste) and not event.is_forwarded:
            from rotui.ui.widgets.secret_input import refuse_key_paste

            if refuse_key_paste(self, event):  # a key, into a field that would show it
                return
        await super().on_event(event)

    def _fatal_error(self) -> None:
        """An unhandled error: Textual's prints the traceback with every frame's local variables,
        a pasted key among them. Here it goes to a masked crash log; the terminal gets one line."""
        import sys

        from rich.text import Text

        from rotui.core.crashlog import crash_message, write_crash_log

        error = sys.exc_info()[1] or self._exception or RuntimeError("unknown error")
        where = write_crash_log(error, self.services.paths.log_dir, self.services.clock())
        self.bell()
        self._exit_renderables.append(Text(crash_message(error, where), no_wrap=True))
        self._close_messages_no_wait()

    def show_error(self, title: str, message: str) -> None:
        """Failed work, from any screen (``ReportingScreen``): what failed and what to do."""
        from rotui.ui.modals.error import ErrorModal

        self.push_screen(ErrorModal(title, message))

    # Quitting with a run in progress

    def _hung_up(self, signum: int, keys: list[str]) -> None:
        """SIGHUP or SIGTERM: the locks are already released; leave, saying how to resume."""
        from rotui import hangup

        runs = [r for r in self.active_runs() if r.key in keys]
        said = f"rotui: {hangup.describe(signum)}: stopped"
        self.exit(return_code=128 + signum, message=said + ("\n" + self.resume_message(runs) if runs else ""))

    def pop_screen(self) -> AwaitComplete:
        """A wizard closing keeps its run this process's: q on the dashboard still asks."""
        run = getattr(self.screen, "active_run", lambda: None)()
        if run is not None:
            self._driven.add(run.key)
        return super().pop_screen()

    def active_runs(self) -> list[Run]:
        """Active runs this process drives or drove: the wizards on the stack that hold their
        lock, then the runs of closed wizards and held locks that no other live rotui took."""
        from rotui.core.locks import held_keys
        from rotui.ui.run_text import other_driver

        found: dict[str, Run] = {}
        for screen in self.screen_stack:
            run = getattr(screen, "active_run", lambda: None)()
            if run is not None:
                found[run.key] = run
        store, state_dir = self.services.runs(), self.services.paths.state_dir
        for key in sorted((self._driven | set(held_keys())) - found.keys()):
            active = store.active(key)
            if active is not None and other_driver(state_dir, key) is None:
                found[key] = active
        return list(found.values())

    async def action_quit(self) -> None:
        from rotui.ui.modals.confirm import QuitModal

        if isinstance(self.screen, QuitModal):
            return  # asked already: the dialog answers (ctrl+c there is its "quit")
        runs = self.active_runs()
        if not runs:
            self.exit()
            return

        def answered(quit_: bool | None) -> None:
            if quit_:
                self.exit(message=self.resume_message(runs))

        self.push_screen(QuitModal(self.resume_message(runs), lost=memory_only(runs)), answered)

    def resume_message(self, runs: Sequence[Run]) -> str:
        """How to resume each run; the demo starts afresh each time, so it says that instead."""
        from rotui.core.rotation.policy import describe, resume_command

        if self.demo:
            # the demo as it was started: after `make demo`, `rotui` is not on PATH
            say = self.services.hints or str
            return "\n".join(
                f"rotui demo: {describe(run)} of {run.key} ends with this demo (the next "
                f"{say('`rotui demo`')} starts afresh); with your own configuration, "
                f"`{resume_command(run)}` would resume it"
                for run in runs
            )
        return "\n".join(
            f"rotui: {describe(run)} of {run.key} is kept; resume it with `{resume_command(run)}`"
            for run in runs
        )

    def get_default_screen(self) -> Screen[None]:
        return DashboardScreen(
            self.services,
            read_only=self.read_only,
            demo=self.demo,
            poll_interval=self.poll_interval,
            pairing=self.pairing,
        )

    def key_for(self, binding: Binding) -> str:
        keys = self.keymap.get(binding.id or "", binding.key)
        return ", ".join(self.get_key_display(Binding(k.strip(), "")) for k in keys.split(","))

    def help_rows(self) -> list[tuple[str, str, str]]:
        bindings = [*DashboardScreen.BINDINGS, *KeyTable.BINDINGS, *APP_BINDINGS]
        rows = [
            (self.key_for(b), b.description, b.tooltip) for b in bindings if isinstance(b, Binding)
        ]
        rows.append(
            ("ctrl+p", "Commands", "Search every action, and each action for each key by name")
        )
        return rows

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.help_rows(), self.read_only))


def make_app(
    services: Services,
    *,
    read_only: bool = False,
    demo: bool = False,
    theme: str | None = None,
    poll_interval: float = 1.0,
    rotate: str | None = None,
    emergency: str | None = None,
    exposed_at: dt.datetime | None = None,
    notices: Sequence[str] = (),
    pairing: str | None = None,
) -> RotuiApp:
    """Build the app, refusing an unknown theme or keymap binding id with a clear message.

    ``emergency`` opens the emergency screen for that key, its exposure input pre-filled with
    ``exposed_at`` (``rotui revoke NAME --exposed-at TIME``). ``pairing`` is the demo's toast on
    how another terminal follows it.
    """
    keymap = dict(services.config.keymap)
    unknown = sorted(set(keymap) - binding_ids()) if keymap else []
    if unknown:
        raise UsageError(
            f"keymap: unknown binding id {unknown[0]!r}",
            "known ids: " + ", ".join(sorted(binding_ids())),
        )
    theme = theme or services.config.settings.theme
    for name in (rotate, emergency):
        if name is not None:
            services.keys([name])  # an unknown key is a usage error before the screen opens
    app = RotuiApp(
        services,
        read_only=read_only,
        demo=demo,
        keymap=keymap,
        poll_interval=poll_interval,
        rotate=rotate,
        emergency=emergency,
        exposed_at=exposed_at,
        notices=notices,
        pairing=pairing,
    )
    if theme:
        if theme not in app.available_themes:
            raise UsageError(
                f"unknown theme {theme!r}", "available: " + ", ".join(sorted(app.available_themes))
            )
        app.theme = theme
    return app
