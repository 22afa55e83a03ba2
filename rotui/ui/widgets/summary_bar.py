"""The header line: what needs attention, when the data was refreshed, and who is driving.

At 80 columns not everything fits: the parts come in order of importance (who is driving, runs
under way, failing, overdue, unusual usage, the time of the data), and what gives way first is
the least important (the key count, due soon, counts that are zero), never silently the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from rich.segment import Segment
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import Static

from rotui.core.overview import Summary

SEPARATOR = Content(" · ")


@dataclass(frozen=True)
class Part:
    long: Content
    short: Content
    drop: int = 0  # 0: always shown; higher gives way first (3 before 2 before 1)
    tiny: Content | None = None  # the last resort before a cut ("19:06" for "as of 19:06 UTC")


def _count(markup: str, plain: str, n: int, drop: int = 0, short: str = "") -> Part:
    text = Content.from_markup(markup if n else plain, n=str(n))
    shorter = Content.from_markup(short, n=str(n)) if short and n else text
    return Part(text, shorter, drop if n == 0 else 0)


def _failing(summary: Summary) -> Part:
    """Failing keys; "✓ 0 failing" only when every key was validated, never as false comfort."""
    unknown = summary.never_validated
    if summary.failing or not unknown:
        return _count("[$error]✗ $n failing[/]", "✓ $n failing", summary.failing, 1)
    if unknown == summary.total:
        words = Content.from_markup("[$warning]? none validated yet[/]")
        return Part(words, Content.from_markup("[$warning]? none validated[/]"))
    return Part(
        Content.from_markup("[$warning]? $n never validated[/]", n=str(unknown)),
        Content.from_markup("[$warning]? $n unvalidated[/]", n=str(unknown)),
    )


def _parts(summary: Summary, refreshed: dt.datetime | None, read_only: bool, demo: bool) -> list[Part]:
    badges = []
    if demo:
        badges.append(Content.from_markup("[$accent]DEMO[/]"))
    if read_only:
        badges.append(Content.from_markup("[reverse $warning]READ-ONLY[/]"))
    head = Content(" ").join(badges) if badges else Content.from_markup("[b]rotui[/b]")
    parts = [Part(head, head)]
    if summary.emergencies:  # an outage in the making, never shown as a routine rotation
        parts.append(
            _count("[$error]⚠ $n emergency revoke[/]", "", summary.emergencies, short="[$error]⚠ $n emergency[/]")
        )
    if summary.rotating:
        parts.append(_count("[$accent]⟳ $n rotating[/]", "", summary.rotating))
    parts.append(_failing(summary))
    parts.append(_count("[$error]✗ $n overdue[/]", "✓ $n overdue", summary.overdue, 1))
    if summary.usage_alerts:
        parts.append(
            _count("[$error]⚡ $n unusual usage[/]", "", summary.usage_alerts, short="[$error]⚡ $n usage[/]")
        )
    when = Content(f"as of {refreshed:%H:%M:%S} UTC") if refreshed else Content("as of never")
    short_when = Content(f"as of {refreshed:%H:%M} UTC") if refreshed else when
    parts.append(Part(when, short_when, tiny=Content(f"{refreshed:%H:%M}") if refreshed else None))
    due = _count("[$warning]! $n due soon[/]", "$n due soon", summary.due_soon, 2)
    parts.append(Part(due.long, due.short, 2))
    parts.append(Part(Content(f"{summary.total} keys"), Content(f"{summary.total} keys"), 3))
    return parts


def _forms(parts: Sequence[Part]) -> list[Content]:
    """Longest first: every part whole, then short words, then the least important left out."""
    forms = [SEPARATOR.join([p.long for p in parts]), SEPARATOR.join([p.short for p in parts])]
    for level in (3, 2, 1):
        forms.append(SEPARATOR.join([p.short for p in parts if p.drop == 0 or p.drop < level]))
    # then the time as a bare HH:MM, rather than "as of 19:06 U…" cut at 80 columns
    kept = [p for p in parts if p.drop == 0]
    forms.append(SEPARATOR.join([p.tiny or p.short for p in kept]))
    return forms


class FittedLine(Visual):
    """One line that shows the longest of its forms fitting the width it is given."""

    def __init__(self, forms: Sequence[Content]) -> None:
        self.forms = tuple(forms)

    def fit(self, width: int) -> Content:
        return next((f for f in self.forms if f.cell_length <= width), self.forms[-1])

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        fitted = self.fit(width)
        if fitted.cell_length <= width:
            return fitted.render_strips(width, height, style, options)
        cut = fitted.truncate(max(width - 1, 0)) + Content("…")  # never cut without a mark
        return cut.render_strips(width, height, style, options) or [Strip([Segment("")])]

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.fit(container_width).cell_length

    def get_height(self, rules: RulesMap, width: int) -> int:
        return 1

    def __str__(self) -> str:
        return str(self.forms[0])


def summary_content(
    summary: Summary, refreshed: dt.datetime | None, read_only: bool, demo: bool
) -> FittedLine:
    return FittedLine(_forms(_parts(summary, refreshed, read_only, demo)))


class SummaryBar(Static):
    """Counts of overdue, due-soon and failing keys, and the refresh time."""

    DEFAULT_CSS = """
    SummaryBar { height: 1; padding: 0 1; background: $panel; }
    """
