"""The header line: what needs attention, when the data was refreshed, and who is driving."""

from __future__ import annotations

import datetime as dt

from textual.content import Content
from textual.widgets import Static

from rotui.core.overview import Summary


def summary_content(
    summary: Summary, refreshed: dt.datetime | None, read_only: bool, demo: bool
) -> Content:
    badges = []
    if demo:
        badges.append(Content.from_markup("[$accent]DEMO[/]"))
    if read_only:
        badges.append(Content.from_markup("[reverse $warning]READ-ONLY[/]"))
    parts = [Content(" ").join(badges) if badges else Content.from_markup("[b]rotui[/b]")]
    parts.append(Content(f"{summary.total} keys"))
    parts.append(
        Content.from_markup(
            "[$error]✗ $n overdue[/]" if summary.overdue else "✓ $n overdue", n=str(summary.overdue)
        )
    )
    parts.append(
        Content.from_markup(
            "[$warning]! $n due soon[/]" if summary.due_soon else "$n due soon",
            n=str(summary.due_soon),
        )
    )
    parts.append(
        Content.from_markup(
            "[$error]✗ $n failing[/]" if summary.failing else "✓ $n failing", n=str(summary.failing)
        )
    )
    if summary.usage_alerts:
        parts.append(
            Content.from_markup("[$error]⚡ $n unusual usage[/]", n=str(summary.usage_alerts))
        )
    if summary.rotating:
        parts.append(Content.from_markup("[$accent]⟳ $n rotating[/]", n=str(summary.rotating)))
    when = refreshed.strftime("%H:%M:%S UTC") if refreshed else "never"
    parts.append(Content(f"as of {when}"))
    return Content(" · ").join(parts)


class SummaryBar(Static):
    """Counts of overdue, due-soon and failing keys, and the refresh time."""

    DEFAULT_CSS = """
    SummaryBar { height: 1; padding: 0 1; background: $panel; }
    """
