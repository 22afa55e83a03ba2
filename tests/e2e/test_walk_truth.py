"""Walk s13, section 1 (wrong or false info): what rotui says is true to what it checked."""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from rotui.ui.widgets.key_detail import history_lines
from tests.e2e.test_rotation_guards import services, through_verify
from tests.e2e.world import KEY, World


async def test_the_old_keys_401_after_a_rotation_is_marked_as_the_old_keys(world: World) -> None:
    """Walk s13 1.9: the history of a rotated key shows the revoked key's 401 as the old key's,
    not as a failure of the key the name now gives."""
    svc = services(world)
    async with svc.rotation(KEY) as rotation:
        await through_verify(rotation)
        rotation.skip_consumer("ci", "paused")
        await rotation.revoke(KEY)
        await rotation.finish()
        new_hint = rotation.run.facts.pending_hint
        old_hint = rotation.run.facts.current_hint
    [row] = [r for r in svc.rows() if r.name == KEY]
    assert row.last is not None and row.last.hint == new_hint and row.last.status.ok
    history = svc.state.history(KEY)
    assert [(h.hint, h.http_status) for h in history] == [(old_hint, 401), (new_hint, 200)]
    lines = [c.plain for c in history_lines(history, dt.datetime.now(dt.UTC), row.last.hint)]
    newest, oldest = lines[1], lines[2]
    assert "valid" in newest and "old key" not in newest, lines
    assert "401" in oldest and f"old key …{old_hint[-4:]}" in oldest, lines
