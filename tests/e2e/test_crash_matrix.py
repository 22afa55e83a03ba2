"""kill -9 at every journaled point of a rotation, then resume: the same end, nothing written twice
with different values, no PENDING lost."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from tests.e2e.world import (
    COMPLETED_STATE,
    KEY,
    NEW,
    World,
    active_run,
    assert_no_pending_lost,
    build_world,
    every_journal_point,
    sha,
)

FLAGS = ("rotate", KEY, "--headless", "--confirm-manual", "--revoke")


def crash_then_resume(world: World, point: int) -> bool:
    """Kill the run at journal point ``point``; False when the run finished before reaching it."""
    crashed = world.rotui(*FLAGS, stdin=NEW, env={**world.env, "ROTUI_TEST_CRASH_AT": str(point)})
    if crashed.returncode == 0:
        return False
    assert crashed.returncode == -signal.SIGKILL, crashed.stdout + crashed.stderr
    assert_no_pending_lost(world)
    if active_run(world) is None and world.final_state()["current"] == sha(NEW):
        return True  # killed after the run was journaled complete: nothing left to resume
    refused = world.rotui(*FLAGS, stdin=NEW)  # the killed driver never released its lock
    assert refused.returncode == 1 and "no longer running" in refused.stderr, refused.stderr
    resumed = world.rotui(*FLAGS, "--take-over", stdin=NEW)
    assert resumed.returncode == 0, f"point {point}: " + resumed.stdout + resumed.stderr
    return True


def test_kill_9_at_every_journal_point_then_resume(
    tmp_path: Path, child_env: dict[str, str]
) -> None:
    def check(point: int) -> bool:
        with build_world(tmp_path / f"p{point}", child_env, own_home=True) as world:
            if not crash_then_resume(world, point):
                return False
            assert world.final_state() == COMPLETED_STATE, f"point {point}"
            # Every value ever written to Heroku is the new key: never a third value, never the old again.
            assert set(world.heroku.history("raxx-api-prod", KEY)) == {sha(NEW)}, f"point {point}"
            assert world.command_log.read_text().split() and set(
                world.command_log.read_text().split()
            ) == {sha(NEW)}
            audit = world.rotui("audit", "--json")
            assert json.loads(audit.stdout)["chain"]["ok"], f"point {point}"
            actions = [e["action"] for e in json.loads(audit.stdout)["entries"]]
            assert "secret.rotate.completed" in actions, f"point {point}"
            return True

    assert every_journal_point(check) > 40  # every journal point of the run was exercised
