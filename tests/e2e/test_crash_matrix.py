"""kill -9 at every journaled point of a rotation, then resume: the same end, nothing written twice
with different values, no PENDING lost."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from tests.e2e.world import COMPLETED_STATE, KEY, NEW, World, build_world, sha

FLAGS = ("rotate", KEY, "--headless", "--confirm-manual", "--revoke")


def active_run(world: World) -> dict | None:
    runs = world.root / "home" / ".local" / "state" / "rotui" / "runs"
    found = [json.loads(p.read_text()) for p in runs.glob("*.json")] if runs.exists() else []
    return next((r for r in found if r["status"] == "active"), None)


def assert_no_pending_lost(world: World) -> None:
    """Once the run has accepted the new key, it is in the keyring until CURRENT holds it."""
    active = active_run(world)
    ring = world.keyring()
    if active and active["step"]["new_key"]["state"] == "done" and ring.get(f"rotui/{KEY}") != NEW:
        assert ring.get(f"rotui/{KEY}#pending") == NEW


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
    points = 0
    for point in range(1, 400):
        root = tmp_path / f"p{point}"
        home = root / "home"
        home.mkdir(parents=True)
        env = {
            **child_env,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "ROTUI_TEST_KEYRING": str(root / "keyring.json"),
        }
        with build_world(root, env) as world:
            if not crash_then_resume(world, point):
                break
            points += 1
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
    assert points > 40  # every journal point of the run was exercised
