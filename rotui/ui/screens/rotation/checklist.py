"""The wizard's title and checklist: what the run is, and its steps wrapped for their column."""

from __future__ import annotations

import re
import textwrap

from textual.events import Resize
from textual.widgets import Static

from rotui.core.rotation.policy import run_phase
from rotui.core.runs import Run
from rotui.ui.plain import plain


def wizard_title(run: Run, key: str, started: bool, watching: bool, resumed: bool) -> str:
    """The verb, the key, the run's status, then its id (whole: `rotui report` needs it)."""
    verb = "EMERGENCY revoke" if run.kind == "emergency" else "Rotate"
    if not started:
        return f"{verb} {key} · no run yet (nothing changed)"
    how = (
        " · watching (read-only)"
        if watching
        else " (resumed)"
        if resumed and run.status == "active"
        else ""
    )
    return f"{verb} {key} · {run_phase(run, why=False)}{how} · run {run.run_id}"


NARROW_BELOW = 76  # columns under which the checklist is a strip above the panel, not beside it
STEP = re.compile(r"^\S+ \d+\. ")  # "✓ 1. ", "○ 12. ": a step's title line


def hang(text: str, width: int) -> str:
    """``text`` with each line wrapped to ``width``, its continuations indented under its text.

    A step title goes on under the title ("○ 2. New key from the Console, / stored as
    PENDING"), a detail under the detail; at 80 columns they began at the left edge, where
    they read as lines of their own.
    """
    if width <= 0:
        return text
    out: list[str] = []
    for line in text.splitlines():
        step = STEP.match(line)
        indent = len(step[0]) if step else len(line) - len(line.lstrip(" "))
        indent = min(indent, width // 3)  # a narrow column keeps room for the words
        out += textwrap.wrap(
            line,
            width,
            subsequent_indent=" " * indent,
            break_on_hyphens=False,
            drop_whitespace=True,
        ) or [""]
    return "\n".join(out)


class ChecklistView(Static):
    """The checklist's text, wrapped again whenever its width changes."""

    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__(text, markup=False, id=id)
        self.text = text
        self._width = 0

    def show(self, text: str) -> None:
        self.text = text
        self.update(plain(hang(text, self.content_size.width)))

    def on_resize(self, event: Resize) -> None:
        width = self.content_size.width
        if width and width != self._width:
            self._width = width
            self.update(plain(hang(self.text, width)))
