"""The run engine end to end, as an operator meets it: the real `rotui` process on the loopback
world — a rollback that fails and is retried, a hang-up mid-propagation, an emergency after a
rotation that changed nothing, and runs listed by `rotui runs`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from rotui.core.locks import KeyLock
from rotui.sim.anthropic import Behavior
from rotui.sim.fake_gh import stored_fingerprints
from tests.e2e.world import COMPLETED_STATE, KEY, NEW, OLD, World, sha

STOP_BEFORE_REVOKE = ("rotate", KEY, "--headless", "--confirm-manual")


def state_dir(world: World):  # type: ignore[no-untyped-def]
    return world.root / "home" / ".local" / "state" / "rotui"


def runs(world: World) -> list[dict]:
    found = world.rotui("runs", "--json")
    assert found.returncode == 0, found.stderr
    return json.loads(found.stdout)["runs"]


def holds(world: World) -> dict[str, str | None]:
    """What each writable consumer holds, by fingerprint, from the simulators themselves."""
    dotenv = world.dotenv.read_text() if world.dotenv.is_file() else ""
    return {
        "secrets": sha(world.infisical.value("proj_1", "prod", "/", KEY) or ""),
        "api": sha(world.heroku.config_vars("raxx-api-prod").get(KEY, "")),
        "ci": stored_fingerprints(world.gh_state).get(f"raxx/agents/{KEY}"),
        "dotenv": sha(NEW) if NEW in dotenv else sha(OLD) if OLD in dotenv else None,
        "runtime": world.command_log.read_text().split()[-1] if world.command_log.exists() else None,
    }


def _break_heroku(world: World) -> Callable[[], None]:
    world.env["HEROKU_API_KEY"] = "expired-token"

    def fix() -> None:
        world.env["HEROKU_API_KEY"] = "tok-heroku-world"

    return fix


def _break_infisical(world: World) -> Callable[[], None]:
    world.env["INFISICAL_TOKEN"] = "expired-token"

    def fix() -> None:
        world.env["INFISICAL_TOKEN"] = "tok-infisical-world"

    return fix


def _break_github(world: World) -> Callable[[], None]:
    marker = world.gh_state / "fail_set"
    marker.write_text("failed to fetch public key: HTTP 401: Bad credentials (https://api.github.com/repos/raxx/agents/actions/secrets/public-key)\n")
    return marker.unlink


def _break_env_file(world: World) -> Callable[[], None]:
    text = world.dotenv.read_text()
    world.dotenv.unlink()
    world.dotenv.mkdir()  # something else now sits where the file was

    def fix() -> None:
        world.dotenv.rmdir()
        world.dotenv.write_text(text)
        world.dotenv.chmod(0o640)

    return fix


def _break_command(world: World) -> Callable[[], None]:
    marker = world.root / "runtime.fail"
    marker.touch()
    return marker.unlink


BREAKERS = {
    "secrets": _break_infisical,
    "api": _break_heroku,
    "ci": _break_github,
    "dotenv": _break_env_file,
    "runtime": _break_command,
}


@pytest.mark.parametrize("consumer", list(BREAKERS))
def test_a_retried_rollback_restores_what_the_failure_left(world: World, consumer: str) -> None:
    """The rollback fails on one consumer; the operator fixes it; the retry restores it too."""
    propagated = world.rotui(*STOP_BEFORE_REVOKE, stdin=NEW)
    assert propagated.returncode == 1 and "the revoke runs only with --revoke" in propagated.stdout
    assert set(holds(world).values()) == {sha(NEW)}

    fix = BREAKERS[consumer](world)
    failed = world.rotui("rotate", KEY, "--rollback")
    assert failed.returncode != 0
    said = failed.stdout + failed.stderr
    assert "rollback is incomplete" in said and consumer in said, said
    assert "internal error" not in said
    assert holds(world)[consumer] != sha(OLD)  # what the failure left
    assert world.keyring().get(f"rotui/{KEY}#pending") == NEW  # kept while a consumer may hold it
    [run] = runs(world)
    assert run["status"] == "active"

    fix()
    retried = world.rotui("rotate", KEY, "--rollback")
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert consumer in retried.stdout
    assert holds(world) == dict.fromkeys(BREAKERS, sha(OLD))
    assert f"rotui/{KEY}#pending" not in world.keyring()
    assert world.anthropic.key_by_id(world.old_id).status == "active"
    audit = json.loads(world.rotui("audit", "--json").stdout)
    assert audit["chain"]["ok"]
    [rolled] = [e for e in audit["entries"] if e["action"] == "secret.rotate.rolled_back"]
    assert consumer in rolled["context"]["restored"]
    [run] = runs(world)
    assert run["status"] == "rolled_back"


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM])
def test_a_hang_up_during_propagation_leaves_no_lock_and_resumes(
    world: World, signum: int
) -> None:
    hold, waiting = world.root / "runtime.hold", world.root / "runtime.waiting"
    hold.touch()
    pasted = world.root / "pasted"
    pasted.write_text(NEW)
    with pasted.open() as stdin:
        driver = subprocess.Popen(
            [sys.executable, "-m", "rotui", *STOP_BEFORE_REVOKE, "--revoke"],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=world.env,
        )
    pasted.unlink()
    deadline = time.monotonic() + 60
    while not waiting.exists():  # the runtime consumer's write is in flight
        assert driver.poll() is None and time.monotonic() < deadline, driver.communicate()
        time.sleep(0.05)
    driver.send_signal(signum)
    out, err = driver.communicate(timeout=30)
    assert driver.returncode == 128 + signum, out + err
    assert "stopped; every step so far is journaled" in err and "run the same command" in err
    assert KeyLock(state_dir(world), KEY).holder() is None  # nothing to take over
    [run] = runs(world)
    assert run["status"] == "active" and run["step"] == "propagate"
    hold.unlink()  # the stray write from the dead session lands too: either value is fine

    resumed = world.rotui(*STOP_BEFORE_REVOKE, "--revoke", stdin=NEW)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "no longer running" not in resumed.stderr and "resuming run" in resumed.stdout
    assert world.final_state() == COMPLETED_STATE


def test_an_emergency_after_a_failed_precheck_needs_no_rollback(world: World) -> None:
    world.anthropic.set_behavior(OLD, Behavior.INVALID)  # the key died: leaked, auto-revoked?
    tried = world.rotui("rotate", KEY, "--headless", stdin=NEW)
    assert tried.returncode == 1 and "use the emergency revoke instead" in tried.stdout
    assert "no run started; nothing was written" in tried.stdout
    assert runs(world) == []
    assert json.loads(world.rotui("audit", "--json").stdout)["entries"] == []
    assert KeyLock(state_dir(world), KEY).holder() is None

    now = world.rotui(
        "revoke", KEY, "--headless", "--mode", "now", "--confirm", KEY, "--confirm-manual", stdin=NEW
    )
    assert now.returncode == 0, now.stdout + now.stderr
    assert world.final_state()["current"] == sha(NEW)


def test_an_emergency_supersedes_a_rotation_that_wrote_to_no_consumer(world: World) -> None:
    """A rotation stopped after storing PENDING (say, at its validation) blocks nothing."""
    world.anthropic.set_behavior(NEW, Behavior.INVALID)  # the pasted key is not a working key
    stopped = world.rotui("rotate", KEY, "--headless", stdin=NEW)
    assert stopped.returncode == 1 and "✗ Validate PENDING" in stopped.stdout
    [rotation] = runs(world)
    assert rotation["status"] == "active" and rotation["step"] == "validate_new"

    world.anthropic.set_behavior(NEW, Behavior.VALID)
    emergency = world.rotui(
        "revoke", KEY, "--headless", "--mode", "now", "--confirm", KEY, "--confirm-manual", stdin=NEW
    )
    assert emergency.returncode == 0, emergency.stdout + emergency.stderr
    listed = {r["run_id"]: r for r in runs(world)}
    assert listed[rotation["run_id"]]["status"] == "superseded"
    audit = json.loads(world.rotui("audit", "--json").stdout)
    [superseded] = [e for e in audit["entries"] if e["action"] == "run.superseded"]
    assert superseded["run_id"] == rotation["run_id"] and superseded["context"]["by"] in listed


def test_an_emergency_is_refused_while_a_rotation_holds_consumers(world: World) -> None:
    world.rotui(*STOP_BEFORE_REVOKE, stdin=NEW)
    refused = world.rotui(
        "revoke", KEY, "--headless", "--mode", "now", "--confirm", KEY, stdin=NEW
    )
    assert refused.returncode == 2
    assert "has a rotation" in refused.stderr and f"rotui rotate {KEY} --rollback" in refused.stderr
    assert world.anthropic.key_by_id(world.old_id).status == "active"


def test_runs_lists_every_run_for_the_report(world: World) -> None:
    assert world.rotui("runs").stdout.strip() == "no runs yet"
    world.rotui(*STOP_BEFORE_REVOKE, stdin=NEW)
    table = world.rotui("runs", KEY)
    assert table.returncode == 0
    header, row = table.stdout.splitlines()
    assert header.split() == ["RUN", "KEY", "KIND", "MODE", "STATUS", "STEP", "STARTED", "BY"]
    [run] = runs(world)
    assert row.startswith(run["run_id"]) and "rotation" in row and "revoke" in row
    report = world.rotui("report", run["run_id"])
    assert report.returncode == 0 and run["run_id"] in report.stdout
    unknown = world.rotui("runs", "NOPE")
    assert unknown.returncode == 2 and "no key named 'NOPE'" in unknown.stderr
    (state_dir(world) / "runs" / "garbage.json").write_text("{not json")
    damaged = world.rotui("runs")
    assert damaged.returncode == 0 and "garbage.json is damaged" in damaged.stderr


def test_status_and_the_dashboard_survive_a_damaged_run_file(world: World) -> None:
    runs_dir = state_dir(world) / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    (runs_dir / "20260101T000000Z-bad.json").write_text(json.dumps({"run_id": 1, "key": []}))
    status = world.rotui("status", "--json")
    assert status.returncode == 0, status.stderr


@pytest.fixture(autouse=True)
def _no_stray_children(world: World):  # type: ignore[no-untyped-def]
    yield
    hold = world.root / "runtime.hold"
    if hold.exists():
        hold.unlink()
    shutil.rmtree(world.root / "never", ignore_errors=True)
    os.environ.pop("ROTUI_TEST_CRASH_AT", None)


def test_an_approval_policy_waits_then_goes_on_once_merged(world: World) -> None:
    """Infisical turns the write into a change request: neither written nor failed; the revoke
    waits, later orders wait, and the request is read back (never re-sent) until merged."""
    world.infisical.require_approval("proj_1", "prod", "/")
    first = world.rotui(*STOP_BEFORE_REVOKE, "--revoke", stdin=NEW)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "waits for approval" in first.stdout and "secrets" in first.stdout, first.stdout
    [run] = runs(world)
    assert run["step"] == "propagate"
    state = world.final_state()
    assert state["infisical"] == sha(OLD), first.stdout
    assert state["heroku"] == sha(OLD), first.stdout  # order 1 waits too
    assert state["old_status"] == "active"
    assert len(world.infisical.approvals()) == 1

    again = world.rotui(*STOP_BEFORE_REVOKE, "--revoke", stdin=NEW)
    assert again.returncode == 1 and "waits for approval" in again.stdout
    assert len(world.infisical.approvals()) == 1  # read back, not requested twice

    world.infisical.put("proj_1", "prod", "/", KEY, NEW)  # a reviewer merges the request
    done = world.rotui(*STOP_BEFORE_REVOKE, "--revoke", stdin=NEW)
    assert done.returncode == 0, done.stdout + done.stderr
    assert world.final_state() == COMPLETED_STATE
    actions = [e["action"] for e in json.loads(world.rotui("audit", "--json").stdout)["entries"]]
    assert "secret.rotate.consumer.waiting" in actions


def test_a_rollback_after_a_failed_propagate_leaves_the_unasked_manual_consumer_alone(
    world: World,
) -> None:
    """Walk s14 1.5 and 3.3: a manual consumer whose step was never asked is not "restore by
    hand"; a second rollback attempt is audited as such."""
    fix = _break_command(world)
    failed = world.rotui("rotate", KEY, "--headless", stdin=NEW)
    assert failed.returncode != 0 and "runtime" in failed.stdout + failed.stderr
    first = world.rotui("rotate", KEY, "--rollback")
    assert first.returncode != 0 and "rollback is incomplete" in first.stdout + first.stderr
    fix()
    done = world.rotui("rotate", KEY, "--rollback")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "restore by hand" not in done.stdout + done.stderr  # laptop was never asked
    [run] = runs(world)
    path = state_dir(world) / "runs" / f"{run['run_id']}.json"
    assert json.loads(path.read_text())["consumers"]["laptop"].get("value") is None
    audit = json.loads(world.rotui("audit", "--json").stdout)
    actions = [e["action"] for e in audit["entries"]]
    assert actions.count("secret.rotate.rollback.started") == 1
    [retried] = [e for e in audit["entries"] if e["action"] == "secret.rotate.rollback.retried"]
    assert "runtime" in retried["context"]["consumers"]
    [rolled] = [e for e in audit["entries"] if e["action"] == "secret.rotate.rolled_back"]
    assert rolled["context"]["manual"] == 0
