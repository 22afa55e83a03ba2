"""Walk finding 2: PENDING kept in memory only, a failed step, a restart. The re-paste comes
first, then the failed step is retried and the run goes on (headless, and in the wizard)."""

from __future__ import annotations

from rotui.sim.anthropic import Behavior
from tests.e2e.world import COMPLETED_STATE, KEY, NEW, World

NO_PENDING = "tests.support.file_keyring.NoPendingFileKeyring"


def no_pending_env(world: World) -> dict[str, str]:
    return {**world.env, "PYTHON_KEYRING_BACKEND": NO_PENDING}


def test_headless_resume_after_a_failed_step_reads_the_key_again_and_goes_on(world: World) -> None:
    env = no_pending_env(world)
    world.anthropic.set_behavior(NEW, Behavior.INVALID)  # not yet active: step 3 fails
    first = world.rotui("rotate", KEY, "--headless", stdin=NEW, env=env)
    assert first.returncode != 0, first.stdout + first.stderr
    assert "memory only" in first.stdout + first.stderr
    world.anthropic.set_behavior(NEW, Behavior.VALID)  # the cause fixed
    again = world.rotui(
        "rotate", KEY, "--headless", "--confirm-manual", "--revoke", stdin=NEW, env=env
    )
    said = again.stdout + again.stderr
    assert again.returncode == 0, said
    assert "again from stdin" in said and "PENDING key is not available" not in said, said
    assert world.final_state() == COMPLETED_STATE
