"""Emergency revoke, first screen: the trade-off made explicit, a running clock, what will break."""

from __future__ import annotations

import datetime as dt

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState

from rotui.core.errors import RotuiError
from rotui.core.model import CONSOLE_KEYS_URL
from rotui.core.secret import redact
from rotui.services import Services
from rotui.ui.modals.confirm import TypedConfirmModal
from rotui.ui.screens.error import ErrorModal
from rotui.ui.widgets.key_footer import KeyFooter

NOW_TEXT = (
    "Revoke now: the old key is deactivated first, so whoever holds it is cut off at once — and so "
    "is every consumer below, until rotui repairs them with the new key (downtime)."
)
OVERLAP_TEXT = (
    "Overlap: new key, propagate, verify, then revoke — the rotation, fast-tracked. No downtime, "
    "but the leaked key keeps working for those minutes."
)


class EmergencyScreen(Screen[None]):
    """Opens the incident: choose how, then the wizard drives the run (same journal and resume)."""

    BINDINGS = [
        Binding(
            "escape",
            "close",
            "Back",
            id="emergency.close",
            tooltip="Back to the dashboard; nothing was changed",
        ),
        Binding(
            "n",
            "now",
            "Revoke now",
            id="emergency.now",
            tooltip="Deactivate the old key first (typed confirmation)",
        ),
        Binding(
            "o",
            "overlap",
            "Overlap",
            id="emergency.overlap",
            tooltip="New key, propagate, verify, then revoke",
        ),
    ]
    DEFAULT_CSS = """
    EmergencyScreen #emergency-title { height: 1; padding: 0 1; background: $error; color: $text; text-style: bold; }
    EmergencyScreen #emergency-body { padding: 1 2; height: 1fr; }
    EmergencyScreen Static { margin-bottom: 1; }
    EmergencyScreen Horizontal { height: auto; }
    EmergencyScreen Button { margin-right: 2; }
    """

    def __init__(self, services: Services, key: str) -> None:
        super().__init__()
        self.services = services
        self.key = key
        self.opened = services.clock()

    def compose(self) -> ComposeResult:
        yield Static(f"EMERGENCY · {self.key}", id="emergency-title")
        with Vertical(id="emergency-body"):
            yield Static(id="clock")
            yield Static(NOW_TEXT, markup=False)
            yield Static(OVERLAP_TEXT, markup=False)
            yield Static(id="breaks", markup=False)
            yield Static("usage: asking the Admin API…", id="usage", markup=False)
            with Horizontal():
                yield Button("Overlap (o)", id="overlap", variant="warning")
                yield Button("Revoke now (n)", id="now", variant="error")
        yield KeyFooter()

    def on_mount(self) -> None:
        [key] = self.services.keys([self.key])
        consumers = (
            "\n".join(f"  - {c.name} ({c.kind})" for c in key.consumers) or "  (none configured)"
        )
        self.query_one("#breaks", Static).update(
            f"Consumers that break when the old key is revoked:\n{consumers}"
        )
        active = self.services.runs().active(self.key)
        if active is not None and active.kind == "emergency":
            self.opened = dt.datetime.fromisoformat(active.started_at)
        self.tick()
        self.set_interval(1.0, self.tick)
        self.query_one("#overlap", Button).focus()
        self.load_usage()

    def tick(self) -> None:
        elapsed = max(int((self.services.clock() - self.opened).total_seconds()), 0)
        self.query_one("#clock", Static).update(
            f"Incident open for {elapsed // 60:02d}:{elapsed % 60:02d} (since {self.opened:%H:%M:%S} UTC)"
        )

    @work(group="emergency", exit_on_error=False, description="old key usage")
    async def load_usage(self) -> None:
        async with self.services.rotation(self.key, kind="emergency") as rotation:
            days = await rotation.old_key_usage_by_day()
        usage = self.query_one("#usage", Static)
        if days is None:
            usage.update("Old key usage: needs the Admin API (settings.admin_key).")
            return
        today = max(days)
        recent = days[today] + days.get(today - dt.timedelta(days=1), 0)
        usage.update(
            f"Old key usage: today and yesterday {recent:,} tokens · last 7 days {sum(days.values()):,} tokens"
        )

    def action_now(self) -> None:
        body = (
            NOW_TEXT
            + f"\nWithout the Admin API, revoke it at {CONSOLE_KEYS_URL} first; confirming says you did."
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
        self.start("overlap", "")

    @on(Button.Pressed, "#now")
    def _now_pressed(self) -> None:
        self.action_now()

    @on(Button.Pressed, "#overlap")
    def _overlap_pressed(self) -> None:
        self.action_overlap()

    @work(group="emergency", exit_on_error=False, description="start the emergency run")
    async def start(self, mode: str, typed: str) -> None:
        async with self.services.rotation(self.key, kind="emergency", mode=mode) as rotation:
            rotation.open()
            if mode == "now" and rotation.run.step["deactivate"].state != "done":
                await rotation.deactivate(typed, console_confirmed=rotation.deps.admin is None)
        from rotui.ui.screens.rotation import RotationWizardScreen

        self.app.switch_screen(
            RotationWizardScreen(self.services, self.key, kind="emergency", mode=mode)
        )

    def action_close(self) -> None:
        self.dismiss(None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if event.worker.description == "old key usage":
            self.query_one("#usage", Static).update(f"Old key usage: not available ({error})")
            return
        if isinstance(error, RotuiError):
            self.app.push_screen(ErrorModal(error.title, error.message))
        else:
            self.app.push_screen(
                ErrorModal(
                    "emergency failed unexpectedly", redact(f"{type(error).__name__}: {error}")
                )
            )
