"""Issue 12, dry run: `rotui rotate NAME --dry-run` is not "ready" when the current key already
answers 401, and it mentions a missing keyring.

The checks live in ``rotui/core/preflight_checks.py`` (tested in tests/unit/test_preflight_checks.py);
``Rotation.preflight`` calls them.
"""

from __future__ import annotations

from rotui.sim.anthropic import Behavior
from tests.e2e.world import KEY, OLD, World


def test_dry_run_fails_when_the_current_key_already_answers_401(world: World) -> None:
    world.anthropic.set_behavior(OLD, Behavior.INVALID)
    plan = world.rotui("rotate", KEY, "--dry-run")
    assert plan.returncode == 1, plan.stdout
    assert "✗ current key answers the API" in plan.stdout and "HTTP 401" in plan.stdout
    assert "fix the ✗ items" in plan.stdout and OLD not in plan.stdout


def test_dry_run_mentions_a_missing_keyring(world: World) -> None:
    world.env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    plan = world.rotui("rotate", KEY, "--dry-run")
    assert plan.returncode == 1, plan.stdout
    assert "✗ keyring for the new (PENDING) and old (PREVIOUS) key" in plan.stdout


def test_a_working_key_with_a_keyring_stays_ready(world: World) -> None:
    plan = world.rotui("rotate", KEY, "--dry-run")
    assert plan.returncode == 0 and "nothing was changed" in plan.stdout, plan.stdout
