"""What a cursor move costs the dashboard (``make bench``, figure 9b).

Not timed: each test counts the work that used to sit between a key and the screen (a second
frame for the detail, a layout of the whole screen, every visible row rendered again, a file read
per move).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from textual.screen import Screen
from textual.widgets import Static

from rotui.config import parse_config
from rotui.core.model import ValidationStatus
from rotui.core.secret import MemoryKeyring, SecretStore
from rotui.paths import Paths
from rotui.services import Services
from rotui.ui.app import make_app
from rotui.ui.widgets.key_detail import KeyDetail
from rotui.ui.widgets.key_table import KeyTable
from tests.ui.helpers import FROZEN
from tests.ui.test_table_at_scale import big_services, result


def overview(app) -> str:
    return str(app.screen.query_one("#overview", Static).render())


def count_layouts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one per layout of the screen (every widget placed again)."""
    layouts: list[int] = []
    real = Screen._refresh_layout

    def counted(self: Screen, *args: object, **kwargs: object) -> None:
        layouts.append(1)
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    return layouts


def twin_services(tmp_path: Path, count: int) -> Services:
    """Keys alike but for their names (of one length): their details have the same shape."""
    keys = "".join(
        f'[[keys]]\nname = "TWIN_{i:02d}"\nenvironment = "prod"\nworkspace = "ws"\n'
        f"created = {FROZEN.date().isoformat()}\n"
        for i in range(count)
    )
    return Services(
        config=parse_config("[settings]\ncadence_days = 90\n" + keys, "twins.toml"),
        paths=Paths.under(tmp_path),
        store=SecretStore(MemoryKeyring()),
        clock=lambda: FROZEN,
    )


async def test_a_cursor_move_shows_the_next_keys_detail_at_once_without_a_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(twin_services(tmp_path, 5))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        first, second = (row.name for row in app.screen.view.shown[:2])
        assert first in overview(app)
        layouts = count_layouts(monkeypatch)
        rotation = app.screen.query_one("#rotation", Static)
        redrawn: list[object] = []
        real_update = rotation.update
        rotation.update = lambda *a, **k: (redrawn.append(a), real_update(*a, **k))[1]  # type: ignore[method-assign]
        table.action_cursor_down()
        # In the same call, not when the table's message reaches the screen (a frame later)
        assert second in overview(app)
        await pilot.pause()
        assert layouts == []  # the same heights: a repaint of the changed parts only
        assert redrawn == []  # "no rotation has run" for both keys: that part is not redrawn


async def test_a_taller_detail_still_gets_its_layout(tmp_path: Path) -> None:
    services = big_services(tmp_path, 20)
    app = make_app(services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        detail = app.screen.query_one(KeyDetail)
        validation = app.screen.query_one("#validation", Static)
        assert validation.size.height == 1  # "– never"
        first = app.screen.view.shown[0]
        checked = dataclasses.replace(first, last=result(first.name, ValidationStatus.INVALID))
        detail.show(checked, [], FROZEN, False)
        await pilot.pause()
        assert validation.size.height > 1  # every line of the result in sight, not cut to one
        assert "invalid" in str(validation.render())


async def test_j_that_scrolls_the_table_renders_only_the_rows_the_cursor_left_and_entered(
    tmp_path: Path,
) -> None:
    services = big_services(tmp_path, 200)
    app = make_app(services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(KeyTable)
        for _ in range(40):  # past the bottom: from here each j scrolls the table by a row
            await pilot.press("j")
        await pilot.pause()
        rendered: set[int] = set()
        real = table._render_cell

        def spy(row_index: int, *args: object, **kwargs: object) -> object:
            rendered.add(row_index)
            return real(row_index, *args, **kwargs)  # type: ignore[arg-type]

        table._render_cell = spy  # type: ignore[method-assign]
        before = table.scroll_y
        await pilot.press("j")
        await pilot.pause()
        assert table.scroll_y == before + 1 and table.cursor_row == 41
        # DataTable keyed every row's render on the cursor: all 30-odd visible rows again
        assert rendered <= {40, 41}


async def test_moving_back_and_forth_reads_each_keys_history_once(demo) -> None:
    reads: list[str] = []
    real = demo.services.state.history
    demo.services.state.history = lambda name: (reads.append(name), real(name))[1]  # type: ignore[method-assign]
    app = make_app(demo.services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        reads.clear()
        second = app.screen.view.shown[1].name
        await pilot.press("j", "k", "j", "k", "j")
        await pilot.pause()
        assert reads == [second]  # the first key's was read at start; each once until a reload
