"""Snapshots of the dashboard, help and read-only mode at 80×24 and 120×36, every screen at 80×24."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from rotui.demo import frozen_demo
from rotui.ui.app import make_app
from tests.ui.helpers import FROZEN

SIZES = [(80, 24), (120, 36)]


async def settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    with frozen_demo(tmp_path, FROZEN) as (services, _sim):
        assert snap_compare(make_app(services, demo=True), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    async def open_help(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    with frozen_demo(tmp_path, FROZEN) as (services, _sim):
        assert snap_compare(make_app(services, demo=True), terminal_size=size, run_before=open_help)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_read_only(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    with frozen_demo(tmp_path, FROZEN) as (services, _sim):
        app = make_app(services, demo=True, read_only=True)
        assert snap_compare(app, terminal_size=size, run_before=settle)


def open_with(*keys: str):
    """A run_before that presses ``keys`` on the settled dashboard, then lets the screen settle."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        for field in pilot.app.screen.query(Input):  # a blinking cursor is caught on or off
            field.cursor_blink = False
        await settle(pilot)

    return run_before


# Every screen at 80×24 (the SSH-in-tmux size): the row selected, then the screen's key.
SCREENS = {
    "wizard": ("j", "r"),  # the agents key: its pre-check passes, the paste step
    "wizard_failed_precheck": ("j", "j", "r"),  # the evals key: its pre-check fails
    "emergency": ("j", "x"),
    "troubleshoot": ("t",),
    "audit": ("a",),
    "actions": ("enter",),
}


@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_screen_at_80x24(snap_compare, tmp_path: Path, screen: str) -> None:
    with frozen_demo(tmp_path, FROZEN) as (services, _sim):
        app = make_app(services, demo=True)
        assert snap_compare(app, terminal_size=(80, 24), run_before=open_with(*SCREENS[screen]))
