"""A rotation tells the team: started, waiting for a person, done; a dead hook stops nothing."""

from __future__ import annotations

import json

import pytest

from tests.e2e.test_rotation_headless import assert_no_leak
from tests.e2e.world import KEY, NEW, World
from tests.support.webhook import TOKEN, Receiver

pytest.importorskip("apprise")


def with_hook(world: World, receiver: Receiver) -> None:
    world.config.write_text('[notify]\nurls = ["env:ROTUI_HOOK"]\n\n' + world.config.read_text())
    world.env["ROTUI_HOOK"] = receiver.url


def test_a_rotation_notifies_start_waiting_and_completion(world: World) -> None:
    with Receiver() as receiver:
        with_hook(world, receiver)
        stopped = world.rotui("rotate", KEY, "--headless", stdin=NEW + "\n")
        assert stopped.returncode == 1  # the laptop is updated by hand: it waits
        titles = [m["title"] for m in receiver.messages]
        assert titles == [
            f"rotui: rotation of {KEY} started",
            f"rotui: rotation of {KEY} waits for a person",
        ]
        assert "waits for consumers to be updated or checked by hand" in receiver.messages[1][
            "message"
        ]
        assert "laptop" in receiver.messages[1]["message"]
        done = world.rotui("rotate", KEY, "--headless", "--confirm-manual", "--revoke")
        assert done.returncode == 0, done.stdout + done.stderr
        assert [m["title"] for m in receiver.messages][-1] == f"rotui: rotation of {KEY} completed"
        assert len(receiver.messages) == 3
    outputs = stopped.stdout + stopped.stderr + done.stdout + done.stderr
    assert TOKEN not in outputs
    assert_no_leak(world, outputs, json.dumps(receiver.messages))
    for path in (world.root / "home").rglob("*"):
        if path.is_file():
            assert TOKEN not in path.read_text(errors="replace")


def test_a_dead_hook_never_fails_the_rotation(world: World) -> None:
    with Receiver(status=500) as receiver:
        with_hook(world, receiver)
        done = world.rotui(
            "rotate", KEY, "--headless", "--confirm-manual", "--revoke", stdin=NEW + "\n"
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "notification to notify.urls[0] (json://…) not delivered" in done.stderr
    assert TOKEN not in done.stdout + done.stderr
    audit = json.loads(world.rotui("audit", "--json").stdout)
    assert audit["chain"]["ok"] is True
    failed = [e for e in audit["entries"] if e["action"] == "notify.failed"]
    assert {e["context"]["event"] for e in failed} == {"run.started", "run.completed"}
    assert all(e["key"] == KEY for e in failed)
    assert audit["entries"][-1]["action"] in ("secret.rotate.completed", "notify.failed")
