"""The audit log as a live timeline, newest first: the shared picture during an incident."""

from __future__ import annotations

import asyncio
import datetime as dt
import os

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from rotui.core.audit import AuditEntry, AuditLog, ChainReport
from rotui.ui.plain import plain, plain_cell
from rotui.ui.widgets.key_footer import KeyFooter


def describe(entry: AuditEntry) -> str:
    context = entry.context
    parts = [
        f"{k}={context[k]}"
        for k in ("status", "http_status", "method", "step", "consumer", "reason")
        if context.get(k) not in (None, "")
    ]
    return " ".join(parts)


class AuditScreen(Screen[None]):
    """Reads ``audit.jsonl`` and follows it; the filter narrows by key name."""

    BINDINGS = [
        Binding("escape,q", "close", "Back", id="audit.close", tooltip="Back to the dashboard"),
        Binding(
            "slash",
            "focus_filter",
            "Filter",
            id="audit.filter",
            tooltip="Filter the timeline by key",
        ),
    ]
    DEFAULT_CSS = """
    AuditScreen #audit-status { height: 1; padding: 0 1; background: $panel; }
    AuditScreen #audit-filter { dock: bottom; margin-bottom: 1; }
    AuditScreen DataTable { height: 1fr; }
    """

    def __init__(self, log: AuditLog, key: str | None = None, poll_interval: float = 1.0) -> None:
        super().__init__()
        self.audit_log = log
        self.initial_key = key or ""
        self.poll_interval = poll_interval
        self.entries: list[AuditEntry] = []
        self.report = ChainReport(True, 0)
        self._seen = -1.0

    def compose(self) -> ComposeResult:
        yield Static(id="audit-status")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True, id="audit-table")
        yield table
        yield Input(self.initial_key, placeholder="filter by key name", id="audit-filter")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in (
            ("ts", "When (UTC)"),
            ("action", "Action"),
            ("key", "Key"),
            ("actor", "Actor"),
            ("detail", "Detail"),
        ):
            table.add_column(label, key=key)
        table.focus()
        self.reload()
        self.set_interval(self.poll_interval, self.reload)

    def _mtime(self) -> float:
        try:
            return os.stat(self.audit_log.path).st_mtime_ns / 1e9
        except OSError:
            return 0.0

    @work(exclusive=True, group="audit-reload", exit_on_error=False, description="reload audit log")
    async def reload(self) -> None:
        mtime = self._mtime()
        if mtime == self._seen:
            return
        entries, report = await asyncio.to_thread(
            lambda: (self.audit_log.entries(), self.audit_log.verify())
        )
        self._seen = mtime
        self.entries = entries
        self.report = report
        self.redraw()

    def redraw(self) -> None:
        wanted = self.query_one("#audit-filter", Input).value.strip().lower()
        shown = [e for e in reversed(self.entries) if not wanted or wanted in (e.key or "").lower()]
        table = self.query_one(DataTable)
        table.clear()
        for entry in shown:
            table.add_row(  # every cell is outside text: plain, never markup
                plain_cell(entry.ts.astimezone(dt.UTC).strftime("%m-%d %H:%M:%S")),
                plain_cell(entry.action),
                plain_cell(entry.key or "—"),
                plain_cell(entry.actor),
                plain_cell(describe(entry)),
            )
        chain = (
            "chain intact"
            if self.report.ok
            else self.report.summary.replace("chain BROKEN", "CHAIN BROKEN", 1)
        )
        if self.report.ok and self.report.legacy:
            chain += f" ({self.report.legacy} legacy unkeyed entries)"
        self.query_one("#audit-status", Static).update(
            plain(f"Audit log · {len(shown)} of {len(self.entries)} entries · {chain} · live")
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        self.redraw()

    def action_focus_filter(self) -> None:
        self.query_one("#audit-filter", Input).focus()

    def action_close(self) -> None:
        self.dismiss(None)
