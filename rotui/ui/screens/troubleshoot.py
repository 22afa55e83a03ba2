"""Troubleshooting: pick what is wrong, rotui checks it live and explains what it found."""

from __future__ import annotations

import re
import textwrap
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.events import Resize
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from rotui.core.safetext import printable
from rotui.core.troubleshoot import FLOWS, Diagnosis, run_flow
from rotui.core.troubleshoot.model import cause_label
from rotui.services import Services
from rotui.ui.navigation import ReportingScreen
from rotui.ui.plain import plain
from rotui.ui.widgets.key_footer import KeyFooter
from rotui.ui.words import counted

SEVERITY_STYLE = {"ok": "success", "warning": "warning", "problem": "error"}


def wrapped(prefix: str, body: str, indent: int, width: int | None) -> list[str]:
    """``prefix`` + ``body`` in lines of ``width``, each continuation indented under the text."""
    line = prefix + body
    if width is None or len(line) <= width:
        return [line]
    return textwrap.wrap(
        line,
        max(width, indent + 10),
        subsequent_indent=" " * indent,
        break_on_hyphens=False,
        drop_whitespace=True,
    ) or [line]


def diagnosis_text(diagnosis: Diagnosis, width: int | None = None) -> Text:
    """A diagnosis as the operator reads it: the severity in words and symbols, then the answer.

    Given a ``width``, a wrapped line goes on under its own text, not at the left edge: a
    continued bullet or step stays visibly part of it.
    """
    # (label in bold, text, continuation indent): evidence quotes servers and consumers, escaped
    parts: list[tuple[str, str, int]] = [
        (printable(f"{diagnosis.label} · {diagnosis.title}"), "", 2),
        ("Checked: ", printable(diagnosis.checked), 2),
    ]
    if diagnosis.evidence:
        parts.append(("Evidence:", "", 2))
        parts += [("", f"  • {printable(line)}", 4) for line in diagnosis.evidence]
    parts.append((f"{cause_label(diagnosis)}: ", printable(diagnosis.cause), 2))
    if diagnosis.next_steps:
        parts.append(("Next steps:", "", 2))
        for number, step in enumerate(diagnosis.next_steps, start=1):
            lead = f"  {number}. "
            parts.append(("", lead + printable(step), len(lead)))
    text = Text()
    for index, (label, body, indent) in enumerate(parts):
        for row, line in enumerate(wrapped(label, body, indent, width)):
            if index or row:
                text.append("\n")
            bold = len(label) if row == 0 else 0
            text.append(line[:bold], style="bold")
            text.append(line[bold:])
    return text


class DiagnosisView(Static):
    """One diagnosis; its border colour repeats what the words already say."""

    def __init__(self, diagnosis: Diagnosis) -> None:
        super().__init__(
            diagnosis_text(diagnosis), classes=f"diagnosis -{diagnosis.severity}", markup=False
        )
        self.diagnosis = diagnosis
        self._width = 0

    def on_resize(self, event: Resize) -> None:
        """Wrapped again for the width it has, so continuations keep their indent."""
        width = self.content_size.width  # inside the border and padding
        if width and width != self._width:
            self._width = width
            self.update(diagnosis_text(self.diagnosis, width))


NARROW_BELOW = 110  # columns
# `rotui doctor NAME` or `rotui doctor NAME --flow ID`: a check this screen lists
DOCTOR = re.compile(r"`rotui doctor (\S+)(?: --flow ([\w-]+))?`")


class TroubleshootScreen(ReportingScreen):
    """Guided diagnoses for one key (or the whole setup); every check runs live and writes nothing."""

    BINDINGS = [
        Binding(
            "escape,q",
            "close",
            "Back",
            id="troubleshoot.close",
            tooltip="Back to the dashboard; the checks changed nothing",
        ),
        Binding(
            "r",
            "rerun",
            "Check again",
            id="troubleshoot.rerun",
            tooltip="Run the chosen check again, live",
        ),
    ]
    DEFAULT_CSS = """
    TroubleshootScreen #troubleshoot-title { height: 1; padding: 0 1; background: $primary; color: $text; text-style: bold; }
    TroubleshootScreen #troubleshoot-body { height: 1fr; }
    TroubleshootScreen #flows { width: 44; height: 1fr; }
    TroubleshootScreen #diagnoses { width: 1fr; height: 1fr; padding: 0 1; }
    TroubleshootScreen #troubleshoot-status { margin-bottom: 1; }
    TroubleshootScreen.narrow #troubleshoot-body { layout: vertical; }
    TroubleshootScreen.narrow #flows { width: 1fr; height: auto; max-height: 9; }
    TroubleshootScreen .diagnosis { margin-bottom: 1; padding: 0 1; border-left: thick $primary; }
    TroubleshootScreen .diagnosis.-ok { border-left: thick $success; }
    TroubleshootScreen .diagnosis.-warning { border-left: thick $warning; }
    TroubleshootScreen .diagnosis.-problem { border-left: thick $error; }
    """

    def __init__(self, services: Services, key_name: str | None) -> None:
        super().__init__()
        self.services = services
        self.key_name = key_name
        self.flow_id: str | None = None

    def compose(self) -> ComposeResult:
        title = (
            f"TROUBLESHOOT · {self.key_name}" if self.key_name else "TROUBLESHOOT · no key selected"
        )
        yield Static(plain(title), id="troubleshoot-title", markup=False)
        with Horizontal(id="troubleshoot-body"):
            yield OptionList(
                *(
                    Option(flow.title, id=flow.id, disabled=flow.needs_key and not self.key_name)
                    for flow in FLOWS.values()
                ),
                id="flows",
            )
            with VerticalScroll(id="diagnoses"):
                yield Static(self._intro(), id="troubleshoot-status", markup=False)
        yield KeyFooter()

    def _intro(self) -> str:
        lines = ["Choose what is wrong (↑↓, Enter). Each check runs live and changes nothing.", ""]
        lines += [f"{flow.title}: {flow.description}" for flow in FLOWS.values()]
        if not self.key_name:
            lines += ["", "Checks about one key need a key: select it on the dashboard first."]
        return "\n".join(lines)

    def on_mount(self) -> None:
        self.query_one("#flows", OptionList).focus()

    def on_resize(self, event: Resize) -> None:
        """Under 110 columns the answers go below the questions, at full width, not beside."""
        self.set_class(event.size.width < NARROW_BELOW, "narrow")

    @on(OptionList.OptionSelected, "#flows")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.choose(event.option.id)

    def choose(self, flow_id: str) -> None:
        """Start one flow; a newer choice cancels a check still running (they only read)."""
        self.flow_id = flow_id
        self.refresh_bindings()
        self.query(DiagnosisView).remove()
        self._status(f"Checking: {FLOWS[flow_id].title}…")
        self.diagnose(flow_id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Check again is offered once a check has been chosen: before, it has nothing to redo."""
        if action == "rerun":
            return self.flow_id is not None
        return True

    def action_rerun(self) -> None:
        if self.flow_id is not None:
            self.choose(self.flow_id)

    def action_close(self) -> None:
        self.workers.cancel_group(self, "diagnose")
        self.dismiss(None)

    def _status(self, text: str) -> None:
        self.query_one("#troubleshoot-status", Static).update(plain(text))

    @work(
        exclusive=True, group="diagnose", exit_on_error=False, description="troubleshooting check"
    )
    async def diagnose(self, flow_id: str) -> list[Diagnosis]:
        found = [*map(self._here, await run_flow(self.services, flow_id, self.key_name))]
        if self.services.hints is not None:  # the demo's keys, not the user's config
            found = [*map(self._demo_way, found)]
        counts = {s: sum(d.severity == s for d in found) for s in ("problem", "warning", "ok")}
        found_words = ", ".join(
            (counted(counts["problem"], "problem"), counted(counts["warning"], "warning"))
        )
        self._status(f"{FLOWS[flow_id].title}: {found_words}, {counts['ok']} ok")
        await self.query(DiagnosisView).remove()
        await self.query_one("#diagnoses", VerticalScroll).mount_all(
            DiagnosisView(d) for d in found
        )
        return found

    def _here(self, diagnosis: Diagnosis) -> Diagnosis:
        """`rotui doctor NAME --flow ID` for this screen's key is a flow in its own list: said so,
        not as a command for another terminal (nor "t on the dashboard" in the demo)."""
        from dataclasses import replace

        def this_list(match: re.Match[str]) -> str:
            if match.group(1) != self.key_name or (match.group(2) or "key") not in FLOWS:
                return match.group(0)
            return f"“{FLOWS[match.group(2) or 'key'].title}” in this list"

        def said(text: str) -> str:
            return DOCTOR.sub(this_list, text)

        return replace(
            diagnosis,
            cause=said(diagnosis.cause),
            next_steps=[*map(said, diagnosis.next_steps)],
        )

    def _demo_way(self, diagnosis: Diagnosis) -> Diagnosis:
        """A diagnosis in the demo: its commands said the demo's way, and a next step only the
        operator's own configuration could take (`validate --ping`, `key set`) left out."""
        from dataclasses import replace

        say = self.services.hints
        assert say is not None
        doable = getattr(say, "doable", None)  # the demo's DemoHints (the UI never imports it)
        steps = [say(s) for s in diagnosis.next_steps if doable is None or doable(s)]
        return replace(
            diagnosis,
            checked=say(diagnosis.checked),
            cause=say(diagnosis.cause),
            evidence=[*map(say, diagnosis.evidence)],
            next_steps=steps,
        )

    def worker_failed(self, worker: Worker[Any], error: BaseException | None) -> bool:
        """A check that could not run says so here; the app shows the message."""
        self._status("The check could not run; see the message.")
        return False
