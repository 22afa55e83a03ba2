"""The audit timeline in a real terminal at 80×24 (walk findings 1, 17, 20): whole key names, an
exact key filter that keeps a burst of typing, and Enter showing the whole entry."""

from __future__ import annotations

import re
from pathlib import Path

from rotui.core.audit import AuditLog
from tests.e2e.world import World
from tests.support.tmux import Tmux, TmuxFactory

KEYS = ("ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY_BATCH", "ANTHROPIC_API_KEY_AGENTS")
ROW = re.compile(r"^\s*\d\d-\d\d \d\d:\d\d:\d\d\s+(\S+)\s+(\S+)", re.M)


def audit(terminal: TmuxFactory, world: World) -> Tmux:
    """The walker's log: emergencies of other keys (long actions), then a holders scan of one key."""
    log = AuditLog(Path(world.env["XDG_DATA_HOME"]) / "rotui", actor="walker@host")
    for key in KEYS:
        log.append("secret.revoke.emergency.started", key=key, run_id=f"run-{key[-5:]}",
                   context={"mode": "now"})
        log.append("secret.revoke.emergency.completed", key=key, context={"mode": "now"})
    log.append("holders.scan", context={"keys": [KEYS[0]], "findings": 2, "places": 3})
    term = terminal([], world.env)
    term.wait_for("sorted by due date")
    term.send("a")
    term.wait_until(lambda s: len(ROW.findall(s)) >= 7, "the audit timeline")
    return term


def counts(screen: str) -> tuple[int, int]:
    found = re.search(r"(\d+) of (\d+) entries", screen)
    assert found, screen
    return int(found[1]), int(found[2])


def test_every_key_name_on_the_timeline_is_whole_at_80_columns(
    terminal: TmuxFactory,
    world: World,
) -> None:
    term = audit(terminal, world)
    screen = term.screen()
    rows = ROW.findall(screen)
    assert sorted(key for key, _ in rows) == sorted([*KEYS, *KEYS, KEYS[0]]), screen  # whole names
    # a cut action says so, at the front: what tells two actions apart is their end (walk s13 3.9)
    assert "…emergency.completed " in screen and "…emergency.started " in screen, screen
    assert all(len(line) <= 80 for line in screen.splitlines())
    term.send("q")
    term.wait_for("sorted by due date")
    term.send("q")
    assert term.wait_exit() == 0


def test_a_burst_after_slash_filters_by_that_exact_key_and_enter_shows_the_entry(
    terminal: TmuxFactory,
    world: World,
) -> None:
    term = audit(terminal, world)
    _, total = counts(term.screen())
    term.type("/ANTHROPIC_API_KEY")  # one burst, as a paste-fast typist sends it
    screen = term.wait_until(lambda s: counts(s)[0] < total, "the filter applied")
    shown, _ = counts(screen)
    # exactly that key (as `rotui audit --key`), its holders scan included; not _BATCH nor _AGENTS
    assert [key for key, _ in ROW.findall(screen)] == [KEYS[0]] * 3, screen
    assert shown == 3, screen
    term.send("Tab")  # from the filter to the timeline
    term.send("Enter")  # the newest: the holders scan
    screen = term.wait_for("Actor:")
    assert re.search(r"Key: ANTHROPIC_API_KEY\s", screen) and "findings: 2" in screen, screen
    term.send("Escape")
    term.wait_gone("Actor:")
    term.send("Escape")  # a filter is typed: Esc clears it first, as on the dashboard (3.9)
    term.wait_until(lambda s: counts(s)[0] == total, "the filter cleared")
    term.send("Escape")
    term.wait_for("sorted by due date")
    term.send("q")
    assert term.wait_exit() == 0
