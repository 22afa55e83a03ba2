"""Where does this key live? The holders scan of one key (or all), with live progress."""

from __future__ import annotations

import threading
import time

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import DataTable, Static

from rotui.core.holders.model import Finding, Progress, ScanReport, Status
from rotui.services import Services
from rotui.ui.modals.whole_text import WholeTextModal
from rotui.ui.plain import plain, plain_cell
from rotui.ui.widgets.key_footer import KeyFooter
from rotui.ui.words import counted

STATUS_STYLE = {
    Status.MANAGED: "",
    Status.UNMANAGED: "bold",
    Status.STALE: "bold",
    Status.UNKNOWN: "italic",
}


SHOWN = 6  # source problems and skipped reasons listed under the summary, at most
# The columns in order: the place second, the one the operator needs, sized to the room the
# status, held and hint leave it (walk s13 3.7); the rest after it, scrolled to.
COLUMNS = ("Status", "Place", "Held", "Hint", "Key", "Consumer", "Note")
PLACE_WIDTH = 24  # at least; a longer place is cut in its middle with "…" (Enter shows it whole)
PADDING = 2  # a DataTable cell's padding, one column each side


def cells(finding: Finding) -> dict[str, str]:
    """A finding's cells by column, as text."""
    return {
        "Status": str(finding.status),
        "Place": finding.place.label(),
        "Held": str(finding.held),
        "Hint": finding.hint,
        "Key": finding.key or "-",
        "Consumer": finding.consumer or "-",
        "Note": finding.note,
    }


def middle_cut(text: str, width: int) -> str:
    """``text`` within ``width``: its start and its end kept (a path's file, a var), "…" between."""
    if len(text) <= width:
        return text
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


def place_width(rows: list[dict[str, str]], room: int) -> int:
    """The Place column's width: what Status, Held and Hint leave of ``room``, the longest at most."""
    before = [c for c in COLUMNS[: COLUMNS.index("Hint") + 1] if c != "Place"]
    used = sum(max([len(c), *(len(r[c]) for r in rows)]) + PADDING for c in before) + PADDING
    longest = max([len("Place"), *(len(r["Place"]) for r in rows)])
    return min(longest, max(PLACE_WIDTH, room - used))


def finding_text(finding: Finding) -> str:
    """Every field of one finding, one per line, whole: what its row may have cut."""
    return "\n".join(f"{column}: {text or '—'}" for column, text in cells(finding).items())


class FindingModal(WholeTextModal):
    """One finding whole: the place the row had no room for."""

    BINDINGS = [
        Binding("escape,q,enter", "dismiss", "Close", id="holders.finding.close", tooltip="Close")
    ]
    TEXT_ID = "holders-finding"

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding_text(finding))
        self.finding = finding


def details(report: ScanReport) -> list[str]:
    """The source problems and the skipped places, each named: what the counts stand for."""
    lines = [f"✗ {problem}" for problem in report.problems[:SHOWN]]
    if len(report.problems) > SHOWN:
        lines.append(f"✗ … and {counted(len(report.problems) - SHOWN, 'more source problem')}")
    skipped = sorted(report.skipped.items())
    lines += [f"– skipped {n}: {reason}" for reason, n in skipped[:SHOWN]]
    if len(skipped) > SHOWN:
        lines.append(f"– … and {counted(len(skipped) - SHOWN, 'more skipped reason')}")
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
        + (f" · {counted(len(report.problems), 'source problem')}" if report.problems else "")
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
        Binding(
            "enter",
            "show_finding",
            "Whole",
            id="holders.finding",
            show=False,
            tooltip="The selected finding whole: its place uncut",
        ),
        Binding("j", "cursor_down", "Down", id="holders.down", show=False, tooltip="Next place"),
        Binding("k", "cursor_up", "Up", id="holders.up", show=False, tooltip="Previous place"),
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
        self.draw()
        self.query_one(DataTable).focus()
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

    def draw(self) -> None:
        """The findings so far, the Place column sized to the width (again on every resize)."""
        table: DataTable[object] = self.query_one(DataTable)
        findings = self.report.findings if self.report else []
        rows = [cells(f) for f in findings]
        width = place_width(rows, self.size.width - 1)  # 1: the scrollbar
        row = table.cursor_row
        table.clear(columns=True)
        for label in COLUMNS:
            table.add_column(label, key=label.lower(), width=width if label == "Place" else None)
        for finding, texts in zip(findings, rows, strict=True):
            texts["Place"] = middle_cut(texts["Place"], width)
            style = STATUS_STYLE[finding.status]
            table.add_row(  # every cell is outside text: plain, never markup
                *(plain_cell(texts[c], style if c == "Status" else "") for c in COLUMNS)
            )
        if rows:
            table.move_cursor(row=min(max(row, 0), len(rows) - 1))

    def on_resize(self, event: Resize) -> None:
        if self.report is not None:
            self.draw()

    def action_show_finding(self) -> None:
        row = self.query_one(DataTable).cursor_row
        if self.report is not None and 0 <= row < len(self.report.findings):
            self.app.push_screen(FindingModal(self.report.findings[row]))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_show_finding()

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

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
        self.report = report
        self.draw()
        self.refresh_bindings()
        self.show_progress()
