"""The main screen: the key table, the detail of the selected key, and every action from there."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.command import SimpleCommand
from textual.containers import Container, Horizontal
from textual.widgets import DataTable, Input, ProgressBar, Static
from textual.worker import Worker

from rotui.core.errors import RotuiError
from rotui.core.model import ValidationResult
from rotui.core.overview import SORTS, KeyRow
from rotui.core.safetext import printable
from rotui.core.secret import redact
from rotui.services import Services
from rotui.ui.navigation import ReportingScreen, navigator
from rotui.ui.off_loop import run_off_loop
from rotui.ui.plain import plain
from rotui.ui.row_view import RowView
from rotui.ui.screens.dashboard.bindings import DASHBOARD_BINDINGS, MUTATING, ON_A_KEY
from rotui.ui.screens.dashboard.commands import palette_commands
from rotui.ui.screens.dashboard.layout import detail_width, table_width
from rotui.ui.screens.dashboard.results import FLUSH_SECONDS, ResultFeed
from rotui.ui.warm import freeze_heap, settle_heap
from rotui.ui.widgets.key_detail import KeyDetail
from rotui.ui.widgets.key_footer import KeyFooter, key_hints
from rotui.ui.widgets.key_table import FULL_WIDTH, KeyTable
from rotui.ui.widgets.summary_bar import SummaryBar, summary_content

SORT_ORDER = tuple(SORTS)
USAGE_REFRESH_SECONDS = 600
REDRAW_SECONDS = 60
SETTLE_HEAP_AFTER = 0.5  # seconds after mount: gc.freeze() once the first paint is out


class DashboardScreen(ReportingScreen):
    """Keys at a glance. Logic lives in :class:`Services`; this screen only shows and dispatches."""

    BINDINGS = DASHBOARD_BINDINGS

    def __init__(
        self,
        services: Services,
        *,
        read_only: bool = False,
        demo: bool = False,
        poll_interval: float = 1.0,
        pairing: str | None = None,
    ) -> None:
        super().__init__()
        self.services = services
        self.read_only = read_only
        self.demo = demo
        self.pairing = pairing  # the demo's note on how another terminal follows it
        self.poll_interval = poll_interval
        self.view = RowView()
        self.refreshed: dt.datetime | None = None
        self._seen: tuple[float, float, float] = (-1.0, -1.0, -1.0)
        self._last_redraw = 0.0
        self._history: dict[str, list[ValidationResult]] = {}  # read once per key and load
        self._redrawing = False

    def compose(self) -> ComposeResult:
        # Before the children exist: set on mount, the class would restyle the whole screen.
        self.set_class(detail_width(self.app.size.width) is not None, "wide")
        yield SummaryBar(id="summary")
        with Horizontal(id="view-line"):
            yield Static(id="view")
            yield ProgressBar(id="progress", show_eta=False)
        with Container(id="body"):
            yield KeyTable(id="keys")
            detail = KeyDetail(id="detail")
            detail.styles.width = detail_width(self.app.size.width)  # no Resize comes first
            yield detail
        yield Input(
            placeholder="filter by any visible text · Enter keeps it · Esc clears", id="filter"
        )
        yield KeyFooter()

    @property
    def table(self) -> KeyTable:
        return self.query_one(KeyTable)

    @property
    def now(self) -> dt.datetime:
        return self.services.clock()

    def on_mount(self) -> None:
        self.query_one("#progress").display = False
        self.query_one("#filter").display = False
        self._load(self.services.snapshot())
        # In the table's frame, not one later when its RowHighlighted reaches here (figure 9b)
        self.watch(self.table, "cursor_coordinate", self._cursor_moved, init=False)
        self.table.focus()
        # After the first paint: an observer never validates, so it has nothing to import
        self.set_timer(SETTLE_HEAP_AFTER, lambda: settle_heap(self.app, warm=not self.read_only))
        self.set_interval(self.poll_interval, self.poll)
        if self.services.config.settings.admin_key and not self.read_only:
            self.refresh_usage()
            self.set_interval(USAGE_REFRESH_SECONDS, self.refresh_usage)
        if self.pairing and not self.read_only:  # this process runs a demo others can follow
            self.notify(self.pairing, title="Pair", timeout=10, markup=False)

    def on_resize(self) -> None:
        beside = detail_width(self.size.width)  # None: below the table, the CSS's width
        self.query_one(KeyDetail).styles.width = beside  # (a width set inline would stay)
        wide, full = beside is not None, table_width(self.size.width) >= FULL_WIDTH
        if (wide, full) != (self.has_class("wide"), self.table.wide):
            self.set_class(wide, "wide")
            self.redraw()  # only when the layout or the columns change: 500 rows are not free

    def _load(self, snap: object, rows: list[KeyRow] | None = None) -> None:
        from rotui.state import Snapshot

        assert isinstance(snap, Snapshot)
        for warning in snap.warnings:
            self.notify(printable(warning), severity="warning", markup=False)
        rows = self.services.rows(snap) if rows is None else rows
        # A row that did not change keeps its identity: the table redraws only if one did (after
        # validate-all, its results are on the table already).
        was = {row.name: row for row in self.view.all}
        self.view.all = [was[row.name] if was.get(row.name) == row else row for row in rows]
        self._history.clear()
        self.refreshed = self.now
        self._seen = self._mtimes()
        self.redraw()

    async def reload(self) -> None:
        """Show the state as saved now, read (the state, the runs' journal) off the UI's loop."""
        snap = await asyncio.to_thread(self.services.snapshot)
        self._load(snap, await asyncio.to_thread(self.services.rows, snap))

    def _mtimes(self) -> tuple[float, float, float]:
        audit = self.services.audit().path
        try:
            audit_mtime = audit.stat().st_mtime_ns / 1e9
        except OSError:
            audit_mtime = 0.0
        return (self.services.state.mtime(), audit_mtime, self.services.runs().mtime())

    def redraw(self) -> None:
        """Apply filter and sort, and redraw the table, summary, view line and detail."""
        self._last_redraw = asyncio.get_running_loop().time()
        view = self.view
        width = table_width(self.app.size.width)
        self._redrawing = True  # the cursor moves while the rows are replaced: detail once, below
        try:
            self.table.show(view.shown, width >= FULL_WIDTH, self.now)
        finally:
            self._redrawing = False
        # Both are one line high: no layout pass for them (a filter keystroke redraws here)
        self.query_one(SummaryBar).update(
            summary_content(view.summary, self.refreshed, self.read_only, self.demo),
            layout=False,
        )
        filtered = f"filter “{view.filter_text}” · " if view.filter_text else ""
        # What an observer cannot do comes before the sort, which a narrow terminal cuts first
        disabled = "validate, rotate and revoke disabled · " if self.read_only else ""
        self.query_one("#view", Static).update(
            plain(
                f"{filtered}{len(view.shown)} of {len(view.all)} keys · {disabled}"
                f"sorted by {SORTS[view.sort_by][0]}"
            ),
            layout=False,
        )
        self.show_detail()
        self.refresh_bindings()  # v, r, x and t are offered only while a key is selected

    def _show_results(self, changed: list[KeyRow]) -> None:
        """Validation results in their rows, redrawn in place (not a redraw of the table)."""
        self.view.replace(changed)
        self.table.update_rows(changed)

    def selected_row(self) -> KeyRow | None:
        name = self.table.selected_name
        return None if name is None else self.view.row(name)

    def show_detail(self) -> None:
        row = self.selected_row()
        history = self.history(row.name) if row else []
        self.query_one(KeyDetail).show(
            row,
            history,
            self.now,
            bool(self.services.config.settings.admin_key),
            hints={} if self.read_only else key_hints(self, ("validate", "rotate")),
        )

    def history(self, name: str) -> list[ValidationResult]:
        """The key's last results, read once until the next load (not once per cursor move)."""
        if name not in self._history:
            self._history[name] = self.services.state.history(name)
        return self._history[name]

    def _cursor_moved(self) -> None:
        """Every cursor move (keys, mouse, a new selection) shows that key's detail."""
        if not self._redrawing:
            self.show_detail()

    # Following other processes (pairing): the state and audit files are polled, not watched.
    @work(exclusive=True, group="poll", exit_on_error=False, description="follow state")
    async def poll(self) -> None:
        mtimes = await asyncio.to_thread(self._mtimes)
        if mtimes != self._seen:
            await self.reload()
        elif asyncio.get_running_loop().time() - self._last_redraw > REDRAW_SECONDS:
            self.redraw()  # keep "5m ago" honest

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("filter", "keep_filter"):  # in the field, `/` is a slash; elsewhere, Enter
            typing = getattr(self.focused, "id", None) == "filter"  # is the table's (priority)
            return typing if action == "keep_filter" else not typing
        if action in ON_A_KEY and self.table.selected_name is None:
            return False  # no key selected (a filter matches nothing): not offered at all
        if self.read_only and action in MUTATING:
            return None  # shown, greyed out: the observer sees what exists but cannot act
        return True

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def action_validate(self) -> None:
        row = self.selected_row()
        if row is None:
            self.notify("No key selected", severity="warning")
            return
        self.run_validation((row.name,))

    def action_validate_all(self) -> None:
        self.run_validation(())

    @work(exclusive=True, group="validate", exit_on_error=False, description="validate keys")
    async def run_validation(self, names: tuple[str, ...]) -> None:
        progress = self.query_one("#progress", ProgressBar)
        progress.update(total=len(names) or len(self.view.all), progress=0)
        progress.display = True  # beside the view line: the table keeps its size
        feed = ResultFeed(self.view.all, progress, self._show_results, self.call_after_refresh)
        ticker = self.set_interval(FLUSH_SECONDS, feed.flush)
        try:
            run = await run_off_loop(
                lambda: self.services.validate(names, progress=feed.pending.append),
                "rotui-validate",
            )
        finally:
            ticker.stop()
            await feed.drain()  # then the reload below finds these rows shown already
            progress.display = False
        for warning in run.warnings:
            self.notify(printable(warning), severity="warning", markup=False)
        failing = sum(not r.status.ok for r in run.results)
        self.notify(
            f"Validated {len(run.results)} key(s): {failing} failing"
            if failing
            else f"Validated {len(run.results)} key(s): all valid",
            severity="error" if failing else "information",
        )
        await self.reload()
        if self.services.config.settings.admin_key:  # the keys' Admin records are known now
            self.refresh_usage()

    @work(exclusive=True, group="usage", exit_on_error=False, description="refresh usage")
    async def refresh_usage(self) -> None:
        usage = await self.services.refresh_usage()
        if usage:
            await self.reload()

    def worker_failed(self, worker: Worker[Any], error: BaseException | None) -> bool:
        """An unexpected poll failure is logged, not shown: the next poll tries again."""
        if worker.group == "poll" and not isinstance(error, RotuiError):
            self.log.error("poll failed", redact(repr(error)))
            return True
        return False

    def action_rotate(self) -> None:
        row = self.selected_row()
        if row is None:
            self.notify("No key selected", severity="warning")
            return
        navigator(self.app).open_rotation(row.name)

    def action_revoke(self) -> None:
        row = self.selected_row()
        if row is None:
            self.notify("No key selected", severity="warning")
            return
        active = self.services.runs().active(row.name)
        if active is not None and active.kind == "emergency":
            navigator(self.app).open_rotation(row.name)
        else:
            navigator(self.app).open_emergency(row.name)

    def action_troubleshoot(self) -> None:
        row = self.selected_row()
        navigator(self.app).open_troubleshoot(row.name if row else None)

    def action_holders(self) -> None:
        row = self.selected_row()
        navigator(self.app).open_holders(row.name if row else None)

    def action_audit(self, key: str | None = None) -> None:
        navigator(self.app).open_audit(key, self.poll_interval)

    @on(DataTable.RowSelected, "#keys")
    def _row_chosen(self) -> None:
        self.action_actions()

    def action_actions(self) -> None:
        """Enter on a key row (as in k9s): that key's actions, to pick one with the keyboard."""
        row = self.selected_row()
        if row is None:
            return
        suffix = f": {row.name}"
        commands = [
            SimpleCommand(title.removesuffix(suffix), run, help_text)
            for title, help_text, run in self.palette_commands()
            if title.endswith(suffix) and not title.startswith("select")
        ]
        self.app.search_commands(commands, placeholder=f"Actions for {row.name}…")

    # The focus moves when the app routes `/`, Enter or Esc (priority bindings, see bindings.py),
    # so the keys typed behind them go to the new focus. What Enter and Esc do to the field is
    # queued on the field (call_later), behind the keys typed into it before them.

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        # Its Focus event is queued ahead of the keys routed to it next: a kept filter is
        # selected (typing replaces it) before they come, not after (Input.select_on_focus).
        self.set_focus(box)
        self.view.warm()
        # What the filter keeps (every key's search text) lives on while it is typed in: out of
        # the collector's sight, as at start, its full passes stay off keystrokes (figure 9d).
        freeze_heap(generation=1)  # the young first: what died lately is freed, not frozen

    def action_keep_filter(self) -> None:
        """Enter in the filter: back to the keys; an empty filter closes."""
        box = self.query_one("#filter", Input)
        self.set_focus(self.table)
        box.call_later(self._close_if_empty, box)

    def _close_if_empty(self, box: Input) -> None:
        if not box.value and self.focused is not box:  # unless `/` opened it again since
            box.display = False

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.action_keep_filter()  # Enter remapped away from keep_filter: the field's own Enter

    def action_clear_filter(self) -> None:
        self.app.clear_notifications()  # Esc hides the toasts too (Textual's go only on a click)
        box = self.query_one("#filter", Input)
        box.display = False
        self.set_focus(self.table)
        box.call_later(self.clear_filter)

    def clear_filter(self) -> None:
        """Show every key again, the filter field empty."""
        self.query_one("#filter", Input).value = ""
        self.view.filter_text = ""
        self.redraw()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.view.filter_text = event.value
        self.redraw()

    def action_sort(self) -> None:
        view = self.view
        view.sort_by = SORT_ORDER[(SORT_ORDER.index(view.sort_by) + 1) % len(SORT_ORDER)]
        self.redraw()

    def select(self, name: str) -> None:
        if name not in self.table.rows:
            self.query_one("#filter", Input).display = False
            self.set_focus(self.table)
            self.clear_filter()
        self.table.move_cursor(row=self.table.get_row_index(name), animate=False)

    def palette_commands(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        """What the command palette offers: every binding, and each action for each key."""
        return palette_commands(self)
