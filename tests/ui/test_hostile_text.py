"""Outside text is data: markup, escape sequences, bidi characters and huge strings, fed through
the error modal, the key detail, the audit timeline and the CLI, run no action, crash nothing and
reach the terminal with no raw control character."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.app import App
from textual.pilot import OutOfBounds, Pilot
from textual.widgets import DataTable, Static

from rotui import cli
from rotui.core.audit import AuditLog
from rotui.core.model import ValidationResult, ValidationStatus
from rotui.core.safetext import printable
from rotui.paths import Paths
from rotui.ui.modals.error import ErrorModal
from rotui.ui.plain import plain
from rotui.ui.screens.audit import AuditEntryModal, AuditScreen
from rotui.ui.widgets.key_detail import validation_lines

T0 = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

HOSTILE = [
    "[@click=app.quit]click me[/]",
    "[@click=app.screenshot('/tmp/x')]x",
    "cannot reach [/var/run/app.sock]",
    "[/x]",
    "prod [/eu]",
    "[b]bold[/i]",
    "\x1b[2J\x1b[H cleared",
    "\x1b]0;pwned title\x07",
    "\x1b]52;c;c2stYW50LWFwaTAzLXN0b2xlbg==\x07",  # OSC 52: write the clipboard
    "\x9b31m C1 CSI",
    "abc\u202eevil\u202c \u2066iso\u2069 zero\u200bwidth",
    "line\rover",
    "x" * 10_000,
    "[" * 3000 + "]" * 3000,
]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(
        alphabet=st.sampled_from(list("[]/@=$.()'\"\\ ab\x1b\x07\x9b\u202e\u2066\u200b\r\n\t")),
        max_size=200,
    ),
    st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=4).map("".join),
)


class Host(App[None]):
    """A bare app: a hostile text must not make it exit (app.quit) or raise."""

    quit_called = False

    def action_quit(self) -> None:  # what [@click=app.quit] would run
        Host.quit_called = True
        self.exit()

    async def action_screenshot(self, *args: object) -> None:
        Host.quit_called = True


def no_raw_control(text: str) -> None:
    found = RAW_CONTROL.search(text)
    assert found is None, f"raw control character {found.group()!r} shown"


def test_printable_escapes_every_control_and_keeps_lines() -> None:
    assert printable("a\tb\nc") == "a\tb\nc"
    assert printable("\x1b]52;c;QQ==\x07") == "\\x1b]52;c;QQ==\\x07"
    assert printable("\x9b\u202e\r") == "\\x9b\\u202e\\x0d"
    for text in HOSTILE:
        no_raw_control(printable(text))


@settings(max_examples=200, deadline=None)
@given(text=hostile_text)
def test_cli_output_never_prints_a_raw_control_character(text: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    ctx = cli.Context(paths=Paths.under(Path("/nonexistent")), stdout=out, stderr=err)
    ctx.out(text)
    ctx.say(f"rotui: {text}")
    no_raw_control(out.getvalue())
    no_raw_control(err.getvalue())


@settings(max_examples=200, deadline=None)
@given(message=hostile_text, error_type=hostile_text)
def test_the_key_detail_shows_a_server_message_as_text(message: str, error_type: str) -> None:
    result = ValidationResult(
        key="K",
        status=ValidationStatus.INVALID,
        checked_at=T0,
        http_status=401,
        error_type=error_type,
        message=message,
    )
    lines = validation_lines(result, T0)
    shown = "\n".join(line.plain for line in lines)
    no_raw_control(shown)
    assert printable(message).split("\n")[0][:40] in shown  # shown, brackets and all
    assert not any(span.style and "@click" in str(span.style) for c in lines for span in c.spans)


def audit_with(root: Path, text: str) -> AuditLog:
    log = AuditLog(root, actor=text[:200] or "a", clock=lambda: T0)
    log.append(text[:500] or "x", key=text or None, context={"reason": text, "status": text})
    return log


async def click_if_shown(
    pilot: Pilot[None], selector: str, offset: tuple[int, int] = (1, 0)
) -> None:
    """Click where a person would; a widget pushed off screen by a 10 kB text cannot be clicked."""
    with contextlib.suppress(OutOfBounds):
        await pilot.click(selector, offset=offset)


def screen_text(app: App[None]) -> str:
    return app.export_screenshot()


async def through_the_screens(root: Path, text: str) -> None:
    Host.quit_called = False
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(ErrorModal(text, f"the server said: {text}"))
        await pilot.pause()
        message = app.screen.query_one("#error-message", Static)
        no_raw_control(str(message.render()))
        await click_if_shown(pilot, "#error-title")
        await click_if_shown(pilot, "#error-message")
        await pilot.pause()
        no_raw_control(screen_text(app))
        if isinstance(app.screen, ErrorModal):  # a click that landed on its Close button closed it
            await pilot.press("escape")  # (a 6,000-character message lays out late on a busy host)
        await pilot.pause()
        assert not isinstance(app.screen, ErrorModal)
        screen = AuditScreen(audit_with(root, text), poll_interval=60)
        app.push_screen(screen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = screen.query_one(DataTable)
        assert table.row_count == 1
        for column in (5, 20, 40, 60, 80):  # on each cell of the row
            await click_if_shown(pilot, "#audit-table", offset=(column, 1))
            await pilot.pause()
            if isinstance(app.screen, AuditEntryModal):  # a click on the selected row opens it
                no_raw_control(screen_text(app))
                await pilot.press("escape")
        no_raw_control(screen_text(app))
        assert app.is_running and not Host.quit_called


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=hostile_text)
def test_hostile_text_through_error_modal_and_audit_timeline(tmp_path: Path, text: str) -> None:
    root = Path(tempfile.mkdtemp(dir=tmp_path))  # hypothesis may draw one text twice: a new log
    asyncio.run(through_the_screens(root, text))


@pytest.mark.parametrize("text", HOSTILE)
def test_each_known_hostile_text_in_the_screens(tmp_path: Path, text: str) -> None:
    asyncio.run(through_the_screens(tmp_path / "audit", text))


def test_plain_keeps_brackets_as_characters() -> None:
    assert plain("[@click=app.quit]x[/]").plain == "[@click=app.quit]x[/]"


def test_rotui_audit_prints_hostile_names_escaped(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path)
    osc52 = "\x1b]52;c;c2stYW50LWFwaTAz\x07"
    AuditLog(paths.data_dir, actor="a@b", clock=lambda: T0).append(
        "key.validated", key=f"prod{osc52}", context={"status": "\x1b[2J"}
    )
    out, err = io.StringIO(), io.StringIO()
    ctx = cli.Context(paths=paths, stdout=out, stderr=err, environ={})
    assert cli.run(cli.build_parser().parse_args(["audit"]), ctx) == 0
    no_raw_control(out.getvalue() + err.getvalue())
    assert "prod\\x1b]52;c;c2stYW50LWFwaTAz\\x07" in out.getvalue()
