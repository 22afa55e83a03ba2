"""Walk finding 2 in a real terminal: after a restart with PENDING lost, the wizard asks for the
paste before it offers the retry of the failed step."""

from __future__ import annotations

from rotui.sim.anthropic import Behavior
from tests.e2e.test_walk_repaste import no_pending_env
from tests.e2e.world import KEY, NEW, World
from tests.support.tmux import TmuxFactory


def footer(screen: str) -> str:
    return screen.rstrip("\n").splitlines()[-1]


def test_the_wizard_asks_for_the_paste_before_the_retry(
    world: World,
    terminal: TmuxFactory,
) -> None:
    env = no_pending_env(world)
    world.config.chmod(0o600)
    world.anthropic.set_behavior(NEW, Behavior.INVALID)
    term = terminal(["rotate", KEY], env)
    term.wait_for("paste the new key")
    term.paste(NEW)
    term.send("Enter")
    term.wait_until(lambda s: "b Roll back" in footer(s), "step 3 failed")
    term.send("C-q")
    term.wait_for("Quit anyway?")
    term.send("y")
    assert term.wait_exit() == 0
    world.anthropic.set_behavior(NEW, Behavior.VALID)
    again = terminal(["rotate", KEY], env)
    screen = again.wait_for("paste the same new key")
    assert "R retries" not in screen, screen
    again.paste(NEW)
    again.send("Enter")
    again.wait_until(lambda s: "R Retry" in footer(s) or "c Confirm" in footer(s), "the run again")
    if "R Retry" in footer(again.screen()):
        again.send("R")  # the failed step, retried now that PENDING is at hand
    again.wait_until(lambda s: "c Confirm" in footer(s), "propagation under way")
    again.send("C-q")
    again.wait_for("Quit anyway?")
    again.send("y")
    assert again.wait_exit() == 0
