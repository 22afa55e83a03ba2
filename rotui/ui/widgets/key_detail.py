"""The detail pane: everything known about the selected key, in sections an operator scans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Sparkline, Static

from rotui.core.model import ValidationResult
from rotui.core.overview import KeyRow
from rotui.core.runs import STEP_TITLES
from rotui.core.safetext import printable
from rotui.ui.format import (
    FRESHNESS,
    STATUS_EXPLAINED,
    STATUS_LABELS,
    ago,
    status_style,
    status_symbol,
)

HISTORY_SHOWN = 8
RATELIMITS = ("requests", "tokens", "input-tokens", "output-tokens")


def _line(markup: str, **values: object) -> Content:
    """Markup with values substituted as plain text (a server's message may contain brackets),
    and their terminal control characters escaped."""
    return Content.from_markup(markup, **{k: printable(str(v)) for k, v in values.items()})


def overview_lines(row: KeyRow, now: dt.datetime) -> list[Content]:
    key = row.key
    symbol, word, variable = FRESHNESS[row.age.freshness]
    lines = [
        _line("[b]$name[/b]", name=key.name),
        _line(
            "$env · workspace $ws · source $source",
            env=key.environment or "no environment",
            ws=key.workspace,
            source=key.source.split(" ")[0] if key.source.startswith("command:") else key.source,
        ),
    ]
    if row.created and row.age.due is not None:
        due_in = row.age.due_in_days or 0
        when = f"in {due_in} days" if due_in >= 0 else f"{-due_in} days ago"
        lines.append(
            _line(
                f"created $created ($age days) · due $due ($when) · [${variable}]$symbol $word[/]",
                created=row.created.date().isoformat(),
                age=row.age.age_days,
                due=row.age.due.isoformat(),
                when=when,
                symbol=symbol,
                word=word,
            )
        )
    else:
        lines.append(
            _line("[$foreground-muted]? age unknown: set `created` or configure the Admin API[/]")
        )
    if row.remote:
        lines.append(
            _line(
                "Admin API: $id · “$name” · $status",
                id=row.remote.id,
                name=row.remote.name,
                status=row.remote.status,
            )
        )
    return lines


def validation_lines(
    result: ValidationResult | None, now: dt.datetime, validate_key: str | None = None
) -> list[Content]:
    """``validate_key``: the key that validates, named in the hint; None (read-only): no hint."""
    if result is None:
        hint = f" (press {validate_key})" if validate_key else ""
        return [_line("[b]Last validation[/b]  [$foreground-muted]– never$hint[/]", hint=hint)]
    style = status_style(result.status)
    lines = [
        _line(
            f"[b]Last validation[/b]  [${style}]$symbol $label[/] · $ago",
            symbol=status_symbol(result.status),
            label=STATUS_LABELS[result.status],
            ago=ago(result.checked_at, now),
        ),
        _line("  $why", why=STATUS_EXPLAINED[result.status]),
    ]
    http = f"HTTP {result.http_status}" if result.http_status else "no HTTP answer"
    latency = f"{result.latency_ms:.0f} ms" if result.latency_ms is not None else "—"
    attempts = f"{result.attempts} attempt" + ("s" if result.attempts != 1 else "")
    lines.append(
        _line(
            "  $http · mode $mode · $latency · $attempts",
            http=http,
            mode=result.mode,
            latency=latency,
            attempts=attempts,
        )
    )
    if result.error_type or result.message:
        lines.append(
            _line(
                "  [$error]$type[/] $message", type=result.error_type or "", message=result.message
            )
        )
    if result.retry_after is not None:
        lines.append(_line("  retry-after $s s", s=f"{result.retry_after:g}"))
    lines.append(
        _line(
            "  request $rid · org $org · workspace $ws",
            rid=result.request_id or "—",
            org=result.organization_id or "—",
            ws=result.workspace_id or "default",
        )
    )
    limits = []
    for kind in RATELIMITS:
        limit = result.ratelimits.get(f"anthropic-ratelimit-{kind}-limit")
        if limit:
            left = result.ratelimits.get(f"anthropic-ratelimit-{kind}-remaining", "?")
            limits.append(f"{kind} {limit} ({left} left)")
    if limits:
        lines.append(_line("  limits: $limits", limits=" · ".join(limits)))
    if result.hint:
        lines.append(_line("  key $hint", hint=result.hint))
    return lines


def consumer_lines(row: KeyRow) -> list[Content]:
    consumers = row.key.consumers
    lines = [_line("[b]Consumers[/b] ($n)", n=len(consumers))]
    if not consumers:
        lines.append(_line("  [$foreground-muted]none configured: add [[keys.consumers]][/]"))
    records = row.run.consumers if row.run else {}
    for consumer in consumers:
        record = records.get(consumer.name)
        state = (
            f"{record.state.words} {record.at[5:16].replace('T', ' ') if record.at else ''}".strip()
            if record
            else "never propagated"
        )
        style = {
            "verified": "success",
            "written": "success",
            "failed": "error",
            "skipped": "warning",
        }.get(str(record.state) if record else "", "foreground-muted")
        lines.append(
            _line(
                f"  $name [$foreground-muted]($kind)[/] [${style}]$state[/]",
                name=consumer.name,
                kind=consumer.kind,
                state=state,
            )
        )
    return lines


def rotation_lines(row: KeyRow, rotate_key: str | None = None) -> list[Content]:
    """``rotate_key``: the key that starts a rotation; None (read-only): no hint."""
    run = row.run
    if run is None:
        hint = f"; {rotate_key} starts one" if rotate_key else ""
        return [
            _line("[b]Rotation[/b]"),
            _line("  [$foreground-muted]no rotation has run for this key$hint[/]", hint=hint),
        ]
    from rotui.core.rotation import run_phase
    from rotui.ui.wizard_text import SYMBOLS

    lines = [
        _line(
            "[b]Rotation[/b] $id · $status", id=run.run_id, status=run_phase(run)
        )
    ]
    for number, step in enumerate(run.steps, start=1):
        record = run.step[step]
        when = record.at[11:16] if record.at else ""
        lines.append(
            _line(
                "  $symbol $n. $title $when",
                symbol=SYMBOLS[record.state],
                n=number,
                title=STEP_TITLES[step],
                when=when,
            )
        )
    return lines


def history_lines(
    history: Sequence[ValidationResult], now: dt.datetime, current_hint: str | None = None
) -> list[Content]:
    """``current_hint``: the key the name gives now; a check of another (the key a rotation
    replaced, its 401 after the revoke) is marked "old key", so it does not read as this one's."""
    if not history:
        return []
    shown = list(reversed(history))[:HISTORY_SHOWN]
    lines = [_line("[b]History[/b] (newest first, $n of $total)", n=len(shown), total=len(history))]
    for item in shown:
        old = bool(current_hint and item.hint and item.hint != current_hint)
        lines.append(
            _line(
                f"  $when  [${status_style(item.status)}]$symbol $label[/] $http"
                + (" [$foreground-muted]· old key …$tail[/]" if old else ""),
                when=item.checked_at.strftime("%m-%d %H:%M"),
                symbol=status_symbol(item.status),
                label=STATUS_LABELS[item.status],
                http=item.http_status or "",
                tail=(item.hint or "").rsplit("…", 1)[-1][-4:],
            )
        )
    return lines


PARTS = ("overview", "validation", "consumers", "rotation", "usage-title", "history")


class KeyDetail(VerticalScroll):
    """Shows one :class:`KeyRow`; the screen calls :meth:`show` when the selection changes.

    A cursor move must reach the screen at once (``make bench``, figure 9b): only the parts
    whose text changed are redrawn, and a part asks for a layout (of the whole screen) only when
    its height changes, which neighbouring keys' details rarely do.
    """

    DEFAULT_CSS = """
    KeyDetail { padding: 0 1; }
    KeyDetail > Static { margin-bottom: 1; }
    KeyDetail #usage-graph { height: 2; margin-bottom: 0; }
    KeyDetail #more { dock: bottom; height: 1; margin: 0; background: $panel; color: $text-muted; display: none; }
    """
    MORE = "↓ more below: Tab moves here, then ↓ or PgDn"

    _shown_key: str | None = None

    _shown: tuple[object, ...] | None = None  # what show() drew last: (row, history, minute, ...)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._parts: dict[str, Static] = {}
        self._drawn: dict[str, tuple[str, tuple[object, ...]]] = {}  # part -> (text, spans) shown

    def compose(self) -> ComposeResult:
        yield Static(self.MORE, id="more", markup=False)  # docked: stays in sight while scrolling
        for part in PARTS[:-1]:
            yield Static(id=part)
        yield Sparkline([], id="usage-graph")
        yield Static(id=PARTS[-1])

    def _part(self, part: str) -> Static:
        if part not in self._parts:
            self._parts[part] = self.query_one(f"#{part}", Static)
        return self._parts[part]

    def _put(self, part: str, lines: Sequence[Content]) -> bool:
        """Show these lines in one part if they differ from what it shows; True: it needs a layout."""
        content = Content("\n").join(lines)
        drawn = (content.plain, tuple(content.spans))
        if self._drawn.get(part) == drawn:
            return False
        self._drawn[part] = drawn
        static = self._part(part)
        height = static.content_size.height
        static.update(content, layout=False)
        width = static.content_size.width
        if width and static.get_content_height(static.size, static.size, width) == height:
            return False  # the same height: a repaint of this part is all it takes
        static.refresh(layout=True)
        return True

    def show(
        self,
        row: KeyRow | None,
        history: Sequence[ValidationResult],
        now: dt.datetime,
        admin_configured: bool,
        hints: Mapping[str, str] | None = None,
    ) -> None:
        """``hints``: binding id → the key to press ("validate", "rotate"); none for an observer.

        The same key shown again (a filter keystroke that keeps the selection) changes nothing:
        its six parts are not redrawn, so the screen needs no new layout.
        """
        hints = hints or {}
        name = row.key.name if row is not None else None
        if name != self._shown_key:  # another key: its detail from the top, not mid-way
            self._shown_key = name
            self.scroll_home(animate=False)
        shown = (row, tuple(history), now.replace(second=0, microsecond=0), admin_configured)
        if (
            self._shown is not None
            and self._shown[0] is row
            and self._shown[1:]
            == (
                *shown[1:],
                hints,
            )
        ):
            return
        self._shown = (*shown, dict(hints))
        parts: dict[str, list[Content]]
        if row is None:
            parts = {part: [] for part in PARTS}
            parts["overview"] = [Content("No key selected: the filter matches nothing.")]
            self.query_one("#usage-graph", Sparkline).data = []
        else:
            parts = {
                "overview": overview_lines(row, now),
                "validation": validation_lines(row.last, now, hints.get("validate")),
                "consumers": consumer_lines(row),
                "rotation": rotation_lines(row, hints.get("rotate")),
                "usage-title": self._show_usage(row, admin_configured),
                "history": history_lines(history, now, row.last.hint if row.last else None),
            }
        layout = [self._put(part, lines) for part, lines in parts.items()]
        if any(layout):  # the "more below" line, once the new heights are known
            self.call_after_refresh(self.update_more)

    def _show_usage(self, row: KeyRow, admin_configured: bool) -> list[Content]:
        """The usage graph (the last 7 days) shown; the title's line: the usage, or why none."""
        graph = self.query_one("#usage-graph", Sparkline)
        if not admin_configured:
            graph.data = []
            graph.display = False
            return [
                _line(
                    "[b]Usage[/b]  [$foreground-muted]needs the Admin API (settings.admin_key)[/]"
                )
            ]
        days = sorted(row.usage.items())
        graph.display = bool(days)
        graph.data = [float(n) for _day, n in days]
        if row.usage_alert:
            return [_line("[b]Usage[/b]  [$error]⚡ $alert[/]", alert=row.usage_alert)]
        if days:
            return [
                _line(
                    "[b]Usage[/b], tokens per day $first → $last · total $total · latest $latest",
                    first=days[0][0].strftime("%m-%d"),
                    last=days[-1][0].strftime("%m-%d"),
                    total=f"{sum(n for _d, n in days):,}",
                    latest=f"{days[-1][1]:,}",
                )
            ]
        return [_line("[b]Usage[/b]  [$foreground-muted]no usage report yet[/]")]

    def update_more(self) -> None:
        """The "more below" line, while part of the detail is below the fold."""
        more = self.query_one("#more", Static)
        more.display = self.max_scroll_y > 0 and round(self.scroll_y) < self.max_scroll_y

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.update_more()

    def on_resize(self) -> None:
        self.call_after_refresh(self.update_more)
