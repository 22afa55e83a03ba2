"""The audit log as a live timeline, newest first: the shared picture during an incident."""

from __future__ import annotations

import asyncio
import datetime as dt
import os

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from rotui.core.audit import AuditEntry, AuditLog, ChainReport
from rotui.ui.modals.whole_text import WholeTextModal
from rotui.ui.plain import plain, plain_cell
from rotui.ui.widgets.key_footer import KeyFooter

WHEN_WIDTH = 14  # "11-30 15:12:29"
ACTION_WIDTH = (17, 44)  # the Action column, least and most: it takes the room the others leave
ACTOR_WIDTH = 13  # at most; a longer actor ends in "…" (Enter shows every field whole)
PADDING = 2  # a DataTable cell's padding, one column each side
DESCRIBED = ("status", "http_status", "mode", "method", "step", "consumer", "reason", "findings")


def describe(entry: AuditEntry) -> str:
    """The entry's context in one line: what a row has room for."""
    context = entry.context
    parts = [f"{k}={context[k]}" for k in DESCRIBED if context.get(k) not in (None, "")]
    if entry.run_id:
        parts.append(f"run={entry.run_id}")
    return " ".join(parts)


def keys_of(entry: AuditEntry) -> list[str]:
    """The keys an entry concerns: its key, or the keys a holders scan looked for."""
    if entry.key:
        return [entry.key]
    listed = entry.context.get("keys")
    return [str(k) for k in listed] if isinstance(listed, list) else []


def key_cell(entry: AuditEntry) -> str:
    keys = keys_of(entry)
    if not keys:
        return "—"
    return keys[0] if len(keys) == 1 else f"{len(keys)} keys"


def clipped(text: str, width: int) -> str:
    """``text`` within ``width`` columns, a visible "…" where it was cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def action_cell(action: str, width: int) -> str:
    """``action`` within ``width``, cut at the front by whole segments: what differs is the end.

    ``secret.revoke.emergency.consumer.written`` and ``….confirmed`` share their first 30
    characters; cut at the end they read the same. ``…emergency.consumer.written`` does not.
    """
    if len(action) <= width:
        return action
    segments = action.split(".")
    while len(segments) > 1 and len("…" + ".".join(segments)) > width:
        segments.pop(0)
    return clipped("…" + ".".join(segments), width)


def widths(entries: list[AuditEntry], room: int) -> tuple[int, int, int]:
    """Key, action and actor widths for ``room`` columns: the key whole; the action and the actor
    whole if they fit, else the actor cut first (to ``ACTOR_WIDTH``), then the action (to its
    least); Detail after them (scrolled to)."""
    key = max([3, *(len(key_cell(e)) for e in entries)])
    action = max([6, *(len(e.action) for e in entries)])
    actor = max([5, *(len(e.actor) for e in entries)])
    left = room - WHEN_WIDTH - key - 4 * PADDING  # for the action and the actor
    if action + actor <= left:
        return key, action, actor
    cut_actor = min(actor, ACTOR_WIDTH)
    fitted = max(ACTION_WIDTH[0], min(action, ACTION_WIDTH[1], left - cut_actor))
    return key, fitted, max(cut_actor, min(actor, left - fitted))


def matches(entry: AuditEntry, wanted: str, exact: bool) -> bool:
    names = [k.lower() for k in keys_of(entry)]
    return wanted in names if exact else any(wanted in n for n in names)


def entry_text(entry: AuditEntry) -> str:
    """Every field of one entry, one per line, as the detail view shows it."""
    lines = [
        f"When (UTC): {entry.ts.astimezone(dt.UTC).strftime('%Y-%m-%d %H:%M:%S')}",
        f"Action: {entry.action}",
        f"Key: {', '.join(keys_of(entry)) or '—'}",
        f"Actor: {entry.actor}",
        f"Run: {entry.run_id or '—'}",
    ]
    lines += [f"{k}: {v}" for k, v in entry.context.items()]
    return "\n".join(lines)


class AuditEntryModal(WholeTextModal):
    """One audit entry whole: what the row had no room for."""

    BINDINGS = [Binding("escape,q,enter", "dismiss", "Close", id="audit.entry.close")]
    TEXT_ID = "audit-entry"

    def __init__(self, entry: AuditEntry) -> None:
        super().__init__(entry_text(entry))
        self.entry = entry


class AuditScreen(Screen[None]):
    """Reads ``audit.jsonl`` and follows it; the filter narrows by key name."""

    BINDINGS = [
        Binding(  # before Back: with a filter typed, Esc clears it first (as on the dashboard)
            "escape",
            "clear_filter",
            "Clear filter",
            id="audit.clear_filter",
            tooltip="Clear the filter; Esc again goes back",
            priority=True,  # the keys typed right behind it are the table's (action_focus_filter)
        ),
        Binding("escape,q", "close", "Back", id="audit.close", tooltip="Back to the dashboard"),
        Binding(
            "slash",
            "focus_filter",
            "Filter",
            id="audit.filter",
            tooltip="Filter the timeline by key",
            priority=True,  # typed in the filter, `/` is a slash (check_action)
        ),
        Binding(
            "enter",
            "show_entry",
            "Entry",
            id="audit.entry",
            show=False,
            tooltip="The selected entry whole: every field",
        ),
        Binding("j", "cursor_down", "Down", id="audit.down", show=False, tooltip="Next entry"),
        Binding("k", "cursor_up", "Up", id="audit.up", show=False, tooltip="Previous entry"),
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
        self.shown: list[AuditEntry] = []

    def compose(self) -> ComposeResult:
        yield Static(id="audit-status")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True, id="audit-table")
        yield table
        yield Input(self.initial_key, placeholder="filter by key name", id="audit-filter")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.reload()
        self.set_interval(self.poll_interval, self.reload)

    def on_resize(self, event: events.Resize) -> None:
        if self.entries:
            self.redraw()

    def _columns(self, table: DataTable[str]) -> tuple[int, int]:
        """The columns, sized for the width: the key before the action, never cut."""
        key, action, actor = widths(self.shown, self.size.width - 1)  # 1: the scrollbar
        table.clear(columns=True)
        for ident, label, width in (
            ("ts", "When (UTC)", WHEN_WIDTH),
            ("key", "Key", key),
            ("action", "Action", action),
            ("actor", "Actor", actor),
            ("detail", "Detail", None),
        ):
            table.add_column(label, key=ident, width=width)
        return action, actor

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
        # a whole key name matches that key only (as `rotui audit --key`); a part narrows as typed
        exact = any(wanted == k.lower() for e in self.entries for k in keys_of(e))
        self.shown = [e for e in reversed(self.entries) if not wanted or matches(e, wanted, exact)]
        table = self.query_one(DataTable)
        row = table.cursor_row
        action, actor = self._columns(table)
        for entry in self.shown:
            table.add_row(  # every cell is outside text: plain, never markup
                plain_cell(entry.ts.astimezone(dt.UTC).strftime("%m-%d %H:%M:%S")),
                plain_cell(key_cell(entry)),
                plain_cell(action_cell(entry.action, action)),
                plain_cell(clipped(entry.actor, actor)),
                plain_cell(describe(entry)),
            )
        if self.shown:
            table.move_cursor(row=min(row, len(self.shown) - 1))
        shown = self.shown
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
        self.refresh_bindings()  # Esc clears a filter, or goes back when there is none

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in ("clear_filter", "focus_filter"):
            return True
        field = next(iter(self.query("#audit-filter").results(Input)), None)
        if field is None:  # asked (the footer) before compose or after the screen's end
            return False
        if action == "clear_filter":  # typing in it, or a filter kept: Esc leaves it first
            return self.focused is field or bool(field.value)
        return self.focused is not field  # focus_filter: in the field, `/` is a slash

    def action_clear_filter(self) -> None:
        field = self.query_one("#audit-filter", Input)
        self.set_focus(self.query_one(DataTable))  # at once: the keys typed next are the table's
        field.call_later(setattr, field, "value", "")  # behind the keys already on their way to it

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def action_show_entry(self) -> None:
        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self.shown):
            self.app.push_screen(AuditEntryModal(self.shown[row]))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_show_entry()

    def action_focus_filter(self) -> None:
        """`/`, a priority binding: Textual runs it as it routes the key, before it routes the
        next, so the keys typed right behind it reach the field, and the field's Focus event
        (which selects a kept filter: typing replaces it) comes before them, not after. A plain
        binding ran once `/` had bubbled back to the app, the burst's next keys already routed
        to the table (Textual 8.2.8, ``App.on_event`` then ``App._on_key``)."""
        self.set_focus(self.query_one("#audit-filter", Input))

    def action_close(self) -> None:
        self.dismiss(None)
