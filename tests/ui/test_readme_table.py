"""The README's dashboard table, as it is at each width (walk s13 section 5: it promised a due
date the table shows only when it has 100 columns)."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from rotui.ui.app import make_app
from rotui.ui.widgets.key_detail import KeyDetail
from rotui.ui.widgets.key_table import KeyTable


@pytest.mark.parametrize(
    ("width", "full"), [(80, False), (100, True), (109, True), (120, False), (140, True)]
)
async def test_due_date_and_workspace_in_the_table_when_it_has_100_columns_else_in_the_detail(
    demo, width: int, full: bool
) -> None:
    app = make_app(demo.services, demo=True)
    async with app.run_test(size=(width, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        labels = [str(c.label).strip() for c in app.screen.query_one(KeyTable).columns.values()]
        assert ("Due" in labels) is full and ("Env/workspace" in labels) is full, labels
        parts = app.screen.query_one(KeyDetail).query(Static)
        detail = "\n".join(str(part.render()) for part in parts)
        assert " · due 20" in detail and "workspace " in detail, detail
