"""Keys typed across a focus change on the dashboard reach where the focus was when each was typed.

A terminal read can hold several keys (a fast typist, tmux ``send-keys``, a UI busy ending a
validate-all): they are all in the app's queue before the first is handled. These tests post such
a burst in one go, as the driver does after a busy moment, at the points where the focus moves
(``/``, Enter, Esc) and while the screen is busy (the end of validate-all, a poll's reload).
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Callable
from typing import Any

from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.widgets import Input

from rotui.ui.app import make_app
from rotui.ui.modals.error import ErrorModal
from rotui.ui.screens.dashboard import DashboardScreen
from rotui.ui.widgets.key_table import KeyTable
from tests.ui.helpers import wait_until


def key_event(key: str) -> events.Key:
    """The event Pilot's ``press`` sends for ``key`` (Textual 8.2.8, ``App._press_keys``)."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(
            _get_unicode_name_from_key(REPLACED_KEYS.get(key, key))
        )
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


def burst(app: Any, *keys: str) -> None:
    """Queue every key before any is handled: one terminal read that holds them all."""
    for key in keys:
        app.post_message(key_event(key))


def field(app: Any) -> Input:
    return app.screen.query_one("#filter", Input)


def row(app: Any) -> int:
    return app.screen.query_one(KeyTable).cursor_row


async def settle(pilot: Any, app: Any) -> None:
    """Every worker done; a poll cancelled by the next (``exclusive``, every 0.05 s) is done too:
    ``wait_for_complete`` raised WorkerCancelled for it on a loaded machine."""
    from textual.worker import WorkerCancelled

    for worker in list(app.workers):
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()
    await pilot.pause()
    await pilot.pause()


async def test_a_burst_behind_slash_keeps_every_key_and_the_next_key_adds_to_it(demo) -> None:
    """The newcomer's "V" instead of "BATV": B, A and T were typed in, then selected by the
    field's own focus event (Input.select_on_focus), so the next key replaced them."""
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, "/", "B", "A", "T")
        await settle(pilot, app)
        assert app.focused is field(app)
        assert field(app).value == "BAT"
        assert field(app).selection.is_empty  # nothing selected: the next key adds to it
        await pilot.press("V")
        assert field(app).value == "BATV"


async def test_keys_typed_as_validate_all_ends_all_reach_the_filter(demo) -> None:
    """`/BAT` arrives while the end of validate-all (toasts, reload, redraw) holds the loop."""
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        load: Callable[..., None] = screen._load
        typed: list[bool] = []

        def load_with_keys_waiting(*args: Any) -> None:
            if not typed:  # the reload after validate-all: the keys come in meanwhile
                typed.append(True)
                burst(app, "/", "B", "A", "T")
            load(*args)

        screen._load = load_with_keys_waiting  # type: ignore[method-assign]
        await pilot.press("V")
        await wait_until(pilot, lambda: bool(typed), "validate-all reloading")
        await settle(pilot, app)
        await pilot.press("V")
        assert field(app).value == "BATV"
        assert "filter “BATV”" in str(screen.query_one("#view").render())


async def test_keys_typed_while_a_poll_reloads_an_observer_all_reach_the_filter(demo) -> None:
    """A paired (read-only) session reloads when another process writes: `/BAT` meanwhile."""
    app = make_app(demo.services, read_only=True, poll_interval=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        load: Callable[..., None] = screen._load
        typed: list[bool] = []

        def load_with_keys_waiting(*args: Any) -> None:
            if not typed:
                typed.append(True)
                burst(app, "/", "B", "A", "T")
            load(*args)

        screen._load = load_with_keys_waiting  # type: ignore[method-assign]
        demo.services.audit().append("key.deleted", key="ANTHROPIC_API_KEY")  # the other process
        await wait_until(pilot, lambda: bool(typed), "the poll reloading")
        await settle(pilot, app)
        await pilot.press("V")
        assert field(app).value == "BATV"


async def test_slash_on_a_kept_filter_then_a_burst_replaces_it(demo) -> None:
    """`/` selects the kept filter (typing replaces it), at `/`, not when the field's focus
    event comes round after the keys typed behind it."""
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"staging", "enter")
        assert isinstance(app.focused, KeyTable)
        burst(app, "/", "B", "A", "T")
        await settle(pilot, app)
        await pilot.press("V")
        assert field(app).value == "BATV"


async def test_a_burst_behind_escape_moves_the_cursor_and_leaves_the_filter_cleared(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"key")
        await pilot.pause()
        assert row(app) == 0
        burst(app, "escape", "j", "j")
        await settle(pilot, app)
        assert field(app).value == "" and not field(app).display
        assert isinstance(app.focused, KeyTable)
        assert row(app) == 2  # both j reached the table: none went into the field


async def test_a_burst_behind_enter_keeps_the_filter_and_moves_the_cursor(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"staging")
        await pilot.pause()
        burst(app, "enter", "j")
        await settle(pilot, app)
        assert field(app).value == "staging"
        assert isinstance(app.focused, KeyTable)
        assert row(app) == 1  # j moved to the second of the two staging keys


async def test_slash_typed_in_the_filter_is_a_slash(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, "/", "a", "/", "b")
        await settle(pilot, app)
        assert field(app).value == "a/b"


async def test_a_toast_shown_mid_burst_takes_no_key(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, "/", "B")
        app.call_later(app.notify, "Validated 7 key(s): all valid")
        burst(app, "A", "T")
        await settle(pilot, app)
        await pilot.press("V")
        assert app._notifications and field(app).value == "BATV"


async def test_a_modal_opened_mid_burst_takes_the_keys_typed_after_it(demo) -> None:
    """Keys go where the focus is when each is typed: the filter's before, the modal's after;
    closed, the modal gives the focus back to the filter with what was typed in it."""
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        dashboard = app.screen
        burst(app, "/", "B")
        app.call_later(app.push_screen, ErrorModal("Validation failed", "unexpected"))
        burst(app, "A", "T")  # typed at the modal: they do nothing there
        await settle(pilot, app)
        assert isinstance(app.screen, ErrorModal)
        assert dashboard.query_one("#filter", Input).value == "B"
        await pilot.press("escape")
        assert app.screen is dashboard and app.focused is field(app)
        await pilot.press("A", "T", "V")
        assert field(app).value == "BATV"


async def test_one_burst_that_types_clears_and_types_again_ends_with_the_last_text(demo) -> None:
    """Esc's clearing waits for the keys typed before it; `/` after it opens the field again."""
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, "/", "a", "b", "escape", "/", "k", "e", "y")
        await settle(pilot, app)
        assert app.focused is field(app) and field(app).display
        assert field(app).value == "key"
        assert "filter “key”" in str(app.screen.query_one("#view").render())


async def test_one_burst_that_types_and_keeps_the_filter_keeps_all_it_typed(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, "/", *"staging", "enter", "j")
        await settle(pilot, app)
        assert isinstance(app.focused, KeyTable) and field(app).display
        assert field(app).value == "staging"
        assert "filter “staging” · 2 of" in str(app.screen.query_one("#view").render())


async def test_a_burst_behind_tab_out_of_the_filter_reaches_the_table(demo) -> None:
    app = make_app(demo.services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"key")
        await pilot.pause()
        burst(app, "tab", "j")
        await settle(pilot, app)
        assert field(app).value == "key"  # j was not typed into it
        assert isinstance(app.focused, KeyTable) and row(app) == 1
        burst(app, "shift+tab", "j")  # and back: j is the field's now
        await settle(pilot, app)
        assert app.focused is field(app)
        assert field(app).value == "j"  # its text was selected as it took the focus: replaced
