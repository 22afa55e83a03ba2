"""The whole SOP headless, over loopback simulations of every service, as an operator runs it."""

from __future__ import annotations

import base64
import json

from rotui.sim.fake_gh import recorded_calls
from tests.e2e.world import (
    COMPLETED_STATE,
    KEY,
    NEW,
    OLD,
    SECRETS,
    World,
    kill_holding_the_lock,
    sha,
)


def assert_no_leak(world: World, *outputs: str) -> None:
    """No key value (or its base64) in any file rotui wrote, its output, or gh's argv."""
    forms = [v for s in SECRETS for v in (s, base64.b64encode(s.encode()).decode())]
    home = world.root / "home"
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_text(errors="replace")
            assert not any(f in data for f in forms), f"{path} holds a secret"
    for text in outputs:
        assert not any(f in text for f in forms)
    for call in recorded_calls(world.gh_state):
        assert not any(f in " ".join(call["argv"]) for f in forms)


def test_full_rotation_headless(world: World) -> None:
    done = world.rotui(
        "rotate", KEY, "--headless", "--confirm-manual", "--revoke", stdin=NEW + "\n"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("starting a rotation of ")
    assert any(line.startswith("started run ") for line in lines)
    for title in (
        "Pre-check",
        "New key",
        "Validate PENDING",
        "Propagate",
        "Verify downstream",
        "Revoke",
        "Finish",
    ):
        assert any(line.startswith("✓ " + title) for line in lines), title
    state = world.final_state()
    assert state == COMPLETED_STATE
    assert world.dotenv.stat().st_mode & 0o777 == 0o640
    assert_no_leak(world, done.stdout, done.stderr)

    audit = json.loads(world.rotui("audit", "--json").stdout)
    assert audit["chain"]["ok"] is True
    actions = [e["action"] for e in audit["entries"]]
    assert actions[0] == "secret.rotate.started" and actions[-1] == "secret.rotate.completed"
    completed = audit["entries"][-1]
    assert completed["context"] == {
        "secret_name": KEY,
        "method": "admin-api",
        "workspace": "default",
        "hint": completed["context"]["hint"],
    }
    assert "secret.rotate.consumer.confirmed" in actions  # the manual laptop step, audited
    fingerprints = [
        e["context"]["fingerprint"] for e in audit["entries"] if "fingerprint" in e["context"]
    ]
    assert fingerprints and all(
        f.startswith("hmac-sha256:") and sha(NEW) not in f for f in fingerprints
    )

    status = json.loads(world.rotui("status", "--json").stdout)["keys"][0]
    assert status["age_days"] == 0 and status["freshness"] == "fresh"  # the age restarted


def test_without_flags_it_waits_and_names_the_step(world: World) -> None:
    first = world.rotui("rotate", KEY, "--headless", stdin=NEW)
    assert first.returncode == 1
    assert (
        "waiting — manual consumer laptop" in first.stdout
        and "stopped at “Propagate" in first.stdout
    )
    second = world.rotui(
        "rotate", KEY, "--headless", "--confirm-manual"
    )  # resumes: no key needed now
    assert second.returncode == 1
    assert "resuming run" in second.stdout and "✓ New key" in second.stdout
    assert "the revoke runs only with --revoke" in second.stdout
    assert (
        world.anthropic.key_by_id(world.old_id).status == "active"
    )  # never revoked without --revoke
    third = world.rotui("rotate", KEY, "--headless", "--revoke")
    assert third.returncode == 0, third.stdout
    assert world.final_state()["old_status"] == "inactive"


def test_revoke_is_refused_until_downstream_is_verified(world: World) -> None:
    world.healthy[0] = False  # the API's health check says Anthropic fails: not verified
    done = world.rotui("rotate", KEY, "--headless", "--confirm-manual", "--revoke", stdin=NEW)
    assert done.returncode == 1
    assert "✗ Verify downstream" in done.stdout and "anthropic.ok is false" in done.stdout
    assert world.anthropic.key_by_id(world.old_id).status == "active"
    world.healthy[0] = True
    again = world.rotui("rotate", KEY, "--headless", "--confirm-manual", "--revoke")
    assert again.returncode == 0, again.stdout


def test_second_driver_is_refused_with_who_and_since(world: World) -> None:
    import fcntl
    import os

    lock = world.root / "home" / ".local" / "state" / "rotui" / "locks" / f"{KEY}.lock"
    lock.parent.mkdir(parents=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(
        fd,
        json.dumps(
            {
                "actor": "alice@bastion",
                "pid": 4242,
                "host": "bastion",
                "since": "2026-11-26T02:00:00+00:00",
            }
        ).encode(),
    )
    try:
        done = world.rotui("rotate", KEY, "--headless", stdin=NEW)
    finally:
        os.close(fd)
    assert done.returncode == 1
    assert (
        "alice@bastion (pid 4242 on bastion) holds it since 2026-11-26 02:00 UTC"
        in done.stderr
    )


def test_a_lock_left_by_a_killed_rotui_is_taken_over_only_when_asked(world: World) -> None:
    state = world.root / "home" / ".local" / "state" / "rotui"
    kill_holding_the_lock(state, KEY, world.env)
    flags = ("rotate", KEY, "--headless", "--confirm-manual", "--revoke")
    refused = world.rotui(*flags, stdin=NEW + "\n")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "left locked by a rotui that is no longer running" in refused.stderr
    assert (
        "bob@jump (pid " in refused.stderr and "since 2026-11-26 03:00 UTC" in refused.stderr
    )
    assert "--take-over" in refused.stderr and "Traceback" not in refused.stderr
    assert world.final_state()["current"] == sha(OLD)  # nothing was done
    taken = world.rotui(*flags, "--take-over", stdin=NEW + "\n")
    assert taken.returncode == 0, taken.stdout + taken.stderr
    assert world.final_state() == COMPLETED_STATE
    entries = json.loads(world.rotui("audit", "--json").stdout)["entries"]
    [takeover] = [e for e in entries if e["action"] == "run.lock.taken_over"]
    assert takeover["key"] == KEY and takeover["context"]["from"] == "bob@jump"
    again = world.rotui("rotate", KEY, "--headless", stdin=NEW + "\n")  # released cleanly
    assert "no longer running" not in again.stderr


def test_rollback_puts_the_current_key_back(world: World) -> None:
    world.rotui(
        "rotate", KEY, "--headless", stdin=NEW
    )  # stops at the manual consumer, after writing the rest
    assert world.final_state()["heroku"] == sha(NEW)
    done = world.rotui("rotate", KEY, "--rollback")
    assert done.returncode == 0, done.stdout + done.stderr
    state = world.final_state()
    assert state["heroku"] == state["infisical"] == state["github"] == state["command"] == sha(OLD)
    assert state["pending"] is False and state["old_status"] == "active"
    audit = json.loads(world.rotui("audit", "--json").stdout)
    assert audit["entries"][-1]["action"] == "secret.rotate.rolled_back"
    fresh = world.rotui("rotate", KEY, "--headless", stdin=NEW)
    assert "started run" in fresh.stdout  # a new run, not the rolled-back one


def test_wrong_new_keys_are_refused(world: World) -> None:
    same = world.rotui("rotate", KEY, "--headless", stdin=OLD)
    assert same.returncode == 1 and "this is the current key" in same.stdout
    admin = world.rotui("rotate", KEY, "--headless", stdin="sk-ant-admin01-" + "a" * 93 + "AA")
    assert admin.returncode == 1 and "Admin API key" in admin.stdout
    assert_no_leak(world, same.stdout, same.stderr, admin.stdout, admin.stderr)


def test_dry_run_changes_nothing(world: World) -> None:
    before = (world.heroku.writes("raxx-api-prod"), world.infisical.writes(), world.keyring())
    done = world.rotui("rotate", KEY, "--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nothing was changed" in done.stdout and "✓ api: Heroku app raxx-api-prod" in done.stdout
    assert (
        world.heroku.writes("raxx-api-prod"),
        world.infisical.writes(),
        world.keyring(),
    ) == before
    assert not (world.root / "home" / ".local" / "state" / "rotui" / "runs").exists()
    (world.gh_state / "logged_out").write_text("")
    world.env["HEROKU_API_KEY"] = "wrong-token"
    bad = world.rotui("rotate", KEY, "--dry-run")
    assert bad.returncode == 1
    assert "✗ api" in bad.stdout and "✗ ci" in bad.stdout


def test_every_file_rotui_writes_is_private(world: World) -> None:
    import stat

    done = world.rotui("rotate", KEY, "--headless", "--confirm-manual", "--revoke", stdin=NEW)
    assert done.returncode == 0, done.stdout
    assert world.rotui("validate").returncode == 0
    written = [p for p in (world.root / "home").rglob("*") if "rotui" in p.parts]
    assert any(p.name == "audit.jsonl" for p in written) and any(
        p.suffix == ".json" for p in written
    )
    for path in written:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), f"{path} is {oct(mode)}"


def test_a_key_read_from_the_environment_waits_for_its_source_to_be_updated(world: World) -> None:
    world.config.write_text(
        world.config.read_text().replace('source = "keyring"', 'source = "env:APP_ANTHROPIC_KEY"')
    )
    env = {**world.env, "APP_ANTHROPIC_KEY": OLD}
    first = world.rotui(
        "rotate", KEY, "--headless", "--confirm-manual", "--revoke", stdin=NEW, env=env
    )
    assert first.returncode == 1
    assert (
        "✗ Update the key's own source" in first.stdout
        and "env:APP_ANTHROPIC_KEY still gives" in first.stdout
    )
    assert world.anthropic.key_by_id(world.old_id).status == "active"
    assert world.keyring()[f"rotui/{KEY}#pending"] == NEW  # PENDING kept in the keyring meanwhile
    env["APP_ANTHROPIC_KEY"] = NEW  # the operator updates the deployment's environment
    second = world.rotui("rotate", KEY, "--headless", "--confirm-manual", "--revoke", env=env)
    assert second.returncode == 0, second.stdout
    assert "old key sk-ant-api03-" in second.stdout and "answers 401" in second.stdout
    ring = world.keyring()
    assert f"rotui/{KEY}#pending" not in ring and f"rotui/{KEY}#previous" not in ring
    assert (
        f"rotui/{KEY}" not in ring or ring[f"rotui/{KEY}"] == OLD
    )  # the keyring entry is not the source


def test_after_a_rotation_the_state_shows_the_new_keys_check(world: World) -> None:
    world.rotui("validate", KEY)  # the old key's check, and its usage, as the dashboard kept them
    done = world.rotui(
        "rotate", KEY, "--headless", "--confirm-manual", "--revoke", stdin=NEW + "\n"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [state_file] = (world.root / "home").rglob("validation.json")
    result = json.loads(state_file.read_text())["results"][KEY]
    assert result["status"] == "valid" and result["hint"].endswith(NEW[-4:]), result
    assert json.loads(state_file.read_text())["usage"].get(KEY, {}) == {}
