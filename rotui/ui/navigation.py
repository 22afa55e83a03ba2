"""How screens reach the app: they ask it to open another screen, and report failed work to it.

Screens never import one another (an import-linter contract); :class:`Navigator` is what the app
offers them, and :class:`ReportingScreen` is the one handler that turns a failed worker into the
app's error modal.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from textual.screen import Screen
from textual.worker import Worker, WorkerState

from rotui.core.errors import RotuiError
from rotui.core.secret import redact

if TYPE_CHECKING:
    from textual.app import App

    from rotui.core.usage import OldKeyUsage


@runtime_checkable
class Navigator(Protocol):
    """The app's navigation and error display, as screens see it."""

    def open_rotation(
        self,
        key: str,
        *,
        kind: str | None = None,
        mode: str | None = None,
        exposed_at: dt.datetime | None = None,
        usage: OldKeyUsage | None = None,
        handed_over: str | None = None,
    ) -> None: ...

    def open_emergency(self, key: str, *, exposed_at: dt.datetime | None = None) -> None: ...

    def open_troubleshoot(self, key: str | None) -> None: ...

    def open_holders(self, key: str | None) -> None: ...

    def open_audit(self, key: str | None, poll_interval: float) -> None: ...

    def show_error(self, title: str, message: str) -> None: ...


def navigator(app: App[Any]) -> Navigator:
    """The running app as a :class:`Navigator` (every rotui app is one)."""
    if not isinstance(app, Navigator):
        raise TypeError(f"{type(app).__name__} cannot open rotui's screens")
    return app


class ReportingScreen(Screen[None]):
    """A screen whose failed background work becomes the app's error modal, never a traceback."""

    UNEXPECTED_NOTE = "\nPlease report this; nothing was changed."  # "" where work may have begun

    def worker_failed(self, worker: Worker[Any], error: BaseException | None) -> bool:
        """The screen's own answer to a failure first; True when nothing more should be shown."""
        return False

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        worker, error = event.worker, event.worker.error
        if self.worker_failed(worker, error):
            return
        if isinstance(error, RotuiError):
            title, message = error.title, error.message
        else:
            title = f"{worker.description} failed unexpectedly"
            message = redact(f"{type(error).__name__}: {error}") + self.UNEXPECTED_NOTE
        navigator(self.app).show_error(title, message)
