"""The emergency screen's parts: its words, the exposure field, the scrolling body with its fold line."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import Worker

from rotui.core.model import ValidationStatus
from rotui.ui.widgets.one_line import OneLineInput

if TYPE_CHECKING:
    from rotui.state import Snapshot

NOW_TEXT = (
    "Revoke now: the old key is deactivated first, so whoever holds it is cut off at once — and so "
    "is every consumer listed above, until rotui repairs them with the new key (downtime)."
)
NOW_TEXT_DEAD = (
    "Revoke now: the old key, which already answers no one, is revoked for good first; then rotui "
    "repairs every consumer listed above with the new key."
)
OVERLAP_TEXT = (
    "Overlap: new key, propagate, verify, then revoke — a fast-tracked rotation. No downtime, "
    "but the leaked key keeps working until then."
)
OVERLAP_TEXT_DEAD = (
    "Overlap: new key, propagate, verify, then revoke — a fast-tracked rotation; consumers "
    "holding the old key stay down until they get the new one."
)
EXPOSURE_PLACEHOLDER = "UTC, e.g. 2026-11-26 14:30 or '2h ago' — Enter to apply"
EMERGENCY_BINDINGS: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
    Binding(
        "escape,q",
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
    Binding(
        "w",
        "holders",
        "Where",
        id="emergency.holders",
        tooltip="Where does this key live? Every place holding it (the leak may be one)",
    ),
]
EMERGENCY_CSS = """
EmergencyScreen #emergency-title { height: 1; padding: 0 1; background: $error; color: $text; text-style: bold; }
EmergencyScreen #emergency-body { padding: 0 2; height: 1fr; }
EmergencyScreen Static { margin-bottom: 1; }
EmergencyScreen #clock, EmergencyScreen #usage { margin-bottom: 0; }
EmergencyScreen Horizontal { height: auto; }
EmergencyScreen Button { margin-right: 2; }
EmergencyScreen #emergency-actions { padding: 0 2; }
EmergencyScreen #exposed-at { width: 1fr; max-width: 72; }
EmergencyScreen #exposure-note { color: $foreground-muted; }
EmergencyScreen #exposure-note.-invalid { color: $error; text-style: bold; }
EmergencyScreen #usage.-flagged { color: $error; text-style: bold; }
"""
RETIRED = ("inactive", "archived", "expired")  # Admin API statuses of a key that answers no one


def already_dead(snap: Snapshot, key: str) -> str | None:
    """What rotui last saw that says ``key`` already answers no one (401 or retired); else None.

    A leaked key is often revoked by someone else first (or auto-revoked): then "stops working
    at once" and "consumers that break" are untrue, and the screen must not say them.
    """
    remote = snap.remote.get(key)
    if remote is not None and remote.status in RETIRED:
        return f"the Admin API lists it as {remote.status}"
    last = snap.results.get(key)
    if last is not None and last.status is ValidationStatus.INVALID:
        when = f"{last.checked_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
        return f"it answered 401 (invalid) when last checked, {when}"
    return None


def incident_clock(opened: dt.datetime, now: dt.datetime) -> str:
    """How long the incident has been open, and since when: the date too once it is not today's
    (a run resumed the next day read "since 17:59:10", as if that were today)."""
    opened, now = opened.astimezone(dt.UTC), now.astimezone(dt.UTC)
    elapsed = max(int((now - opened).total_seconds()), 0)
    hours, rest = divmod(elapsed, 3600)
    clock = (
        f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
        if hours
        else f"{rest // 60:02d}:{rest % 60:02d}"
    )
    since = f"{opened:%H:%M:%S}" if opened.date() == now.date() else f"{opened:%Y-%m-%d %H:%M:%S}"
    return f"Incident open for {clock} (since {since} UTC)"


def breaks_text(consumers: str, count: int, dead: str | None) -> str:
    """Which consumers a revoke cuts off; for a key already dead, that they are down already."""
    if dead is None:
        return f"Consumers that break when the old key is revoked ({count}): {consumers}"
    return (
        f"The old key already answers no one: {dead}. Consumers still holding it ({count}): "
        f"{consumers} — down already, until they get the new key."
    )


class ExposureInput(OneLineInput):
    """The suspected exposure time: Esc leaves the field (the text kept), not the screen."""

    WHAT = "the time"
    BINDINGS = [
        Binding(
            "escape",
            "leave",
            "Leave the field",
            id="emergency.exposure_leave",
            tooltip="Back to the choices; what was typed stays (Enter applies it)",
        )
    ]

    def action_leave(self) -> None:
        self.screen.query_one("#emergency-body").focus()


class EmergencyBody(VerticalScroll):
    """The screen's text; a last line says when more of it is below the fold (as the dashboard)."""

    DEFAULT_CSS = """
    EmergencyBody #more { dock: bottom; height: 1; margin: 0; background: $panel; color: $text-muted; display: none; }
    """
    MORE = "↓ more below: ↓ or PgDn"

    def on_mount(self) -> None:
        self.mount(Static(self.MORE, id="more", markup=False))
        self.call_after_refresh(self.update_more)

    def update_more(self) -> None:
        more = self.query("#more")
        if more:
            more.first().display = (
                self.max_scroll_y > 0 and round(self.scroll_y) < self.max_scroll_y
            )

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.update_more()

    def on_resize(self) -> None:
        self.call_after_refresh(self.update_more)

    def watch_virtual_size(self) -> None:
        """The text grew or shrank (the usage's exposure line, a longer note)."""
        self.call_after_refresh(self.update_more)


async def finished(worker: Worker[None] | None) -> None:
    """Wait until a worker has stopped, however it ends."""
    if worker is not None and not worker.is_finished:
        with contextlib.suppress(Exception):
            await worker.wait()
