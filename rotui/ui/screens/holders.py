"""Where does this key live? The holders scan of one key (or all), with live progress."""

from __future__ import annotations

import threading
import time

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from rotui.core.holders.model import Progress, ScanReport, Status
from rotui.services import Services
from rotui.ui.plain import plain, plain_cell
from rotui.ui.widgets.key_footer import KeyFooter

STATUS_STYLE = {
    Status.MANAGED: "",
    Status.UNMANAGED: "bold",
    Status.STALE: "bold",
    Status.UNKNOWN: "italic",
}


SHOWN = 6  # source problems and skipped reasons listed under the summary, at most


def details(report: ScanReport) -> list[str]:
    """The source problems and the skipped places, each named: what the counts stand for."""
    lines = [f"✗ {problem}" for problem in report.problems[:SHOWN]]
    if len(report.problems) > SHOWN:
        lines.append(f"✗ … and {len(report.problems) - SHOWN} more source problem(s)")
    skipped = sorted(report.skipped.items())
    lines += [f"– skipped {n}: {reason}" for reason, n in skipped[:SHOWN]]
    if len(skipped) > SHOWN:
        lines.append(f"– … and {len(skipped) - SHOWN} more skipped reason(s)")
    return lines


def summary(report: ScanReport) -> str:
    """One line: what was found, what was skipped, whether the scan ran to the end."""
    counts = {s: sum(1 for f in report.findings if f.status is s) for s in Status}
    found = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no holder found"
    skipped = sum(report.skipped.values())
    ended = "stopped early: partial result" if report.partial else "done"
    return (
        f"{found} · {report.places} places in {report.elapsed:.1f} s"
        + (f" · {skipped} skipped" if skipped else "")
        + (f" · {len(report.problems)} source problem(s)" if report.problems else "")
        + f" · {ended}"
    )


class HoldersScreen(Screen[None]):
    """Runs the scan in a worker; the progress line is polled, so the scan never waits on the UI."""

    BINDINGS = [
        Binding(
            "escape,q", "close", "Back", id="holders.close", tooltip="Stop the scan and go back"
        ),
        Binding(
            "s",
            "stop",
            "Stop",
            id="holders.stop",
            tooltip="Stop the scan now and keep what it found (a partial result)",
        ),
        Binding("r", "rescan", "Scan again", id="holders.rescan", tooltip="Run the scan again"),
    ]
    DEFAULT_CSS = """
    HoldersScreen #holders-title { height: 1; padding: 0 1; background: $primary; color: $text; text-style: bold; }
    HoldersScreen #holders-status { height: auto; padding: 0 1; background: $panel; }
    HoldersScreen DataTable { height: 1fr; }
    """

    def __init__(self, services: Services, key: str | None = None) -> None:
        super().__init__()
        self.services = services
        self.key = key
        self.stop = threading.Event()
        self.progress = Progress()
        self.report: ScanReport | None = None
        self.started = 0.0

    def compose(self) -> ComposeResult:
        what = self.key or "every key"
        yield Static(plain_cell(f"Where does {what} live?"), id="holders-title")
        yield Static(id="holders-status", markup=False)
        table: DataTable[object] = DataTable(cursor_type="row", zebra_stripes=True)
        yield table
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("Status", "Key", "Held", "Hint", "Place", "Consumer", "Note"):
            table.add_column(label, key=label.lower())
        table.focus()
        self.set_interval(0.25, self.show_progress)
        self.action_rescan()

    def show_progress(self) -> None:
        status = self.query_one("#holders-status", Static)
        if self.report is not None:
            status.update(plain("\n".join([summary(self.report), *details(self.report)])))
            return
        p = self.progress
        elapsed = time.monotonic() - self.started
        status.update(
            plain(f"scanning {p.source or '…'}: {p.done}/{p.total} places, {elapsed:.1f} s")
        )

    def action_rescan(self) -> None:
        if self.report is None and self.started:
            return  # one scan at a time
        self.stop = threading.Event()
        self.report = None
        self.started = time.monotonic()
        self.query_one(DataTable).clear()
        self.refresh_bindings()
        self.scan()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Stop is offered while a scan runs, Scan again once it has ended."""
        if action == "stop":
            return self.report is None
        if action == "rescan":
            return self.report is not None
        return True

    def action_stop(self) -> None:
        self.stop.set()

    def action_close(self) -> None:
        self.stop.set()
        self.dismiss()

    def _progress(self, progress: Progress) -> None:
        self.progress = Progress(progress.done, progress.total, progress.source, progress.elapsed)

    @work(exclusive=True, group="holders", exit_on_error=False, description="holders scan")
    async def scan(self) -> None:
        from rotui.holders_run import scan_holders

        names = [self.key] if self.key else []
        report = await scan_holders(self.services, names, self.stop, self._progress)
        table = self.query_one(DataTable)
        for f in report.findings:
            style = STATUS_STYLE[f.status]
            table.add_row(
                plain_cell(str(f.status), style),
                plain_cell(f.key or "-"),
                plain_cell(str(f.held)),
                plain_cell(f.hint),
                plain_cell(f.place.label()),
                plain_cell(f.consumer or "-"),
                plain_cell(f.note),
            )
        self.report = report
        self.refresh_bindings()
        self.show_progress()
