"""The revoke step with a holder of the old key outside the config: refused until acknowledged.

The acknowledgement is the key's name typed (``--ack-holders NAME``) and is audited with the
places and masked hints; no value reaches the output, the audit or gh's argv.
"""

from __future__ import annotations

import json

from rotui.core.secret import mask
from rotui.sim.fake_gh import recorded_calls
from tests.e2e.world import KEY, NEW, OLD, SECRETS, World


def test_an_unmanaged_holder_blocks_the_revoke_until_acknowledged(world: World) -> None:
    world.heroku.add_app("forgotten-worker", {"CLAUDE": OLD, "PORT": "80"})
    argv = ("rotate", KEY, "--headless", "--confirm-manual", "--revoke")
    first = world.rotui(*argv, stdin=NEW + "\n")
    assert first.returncode == 1, first.stdout + first.stderr
    assert f"! unmanaged: heroku app forgotten-worker · CLAUDE holds {mask(OLD)}" in first.stdout
    assert f"revoke anyway with --ack-holders {KEY}" in first.stdout
    assert world.anthropic.key_by_id(world.old_id).status == "active"

    wrong = world.rotui(*argv, "--ack-holders", "anthropic_api_key")
    assert wrong.returncode == 1
    assert world.anthropic.key_by_id(world.old_id).status == "active"

    done = world.rotui(*argv, "--ack-holders", KEY)
    assert done.returncode == 0, done.stdout + done.stderr
    assert world.anthropic.key_by_id(world.old_id).status == "inactive"
    entries = json.loads(world.rotui("audit", "--json").stdout)["entries"]
    acks = [e for e in entries if e["action"] == "holders.acknowledged"]
    assert len(acks) == 1 and acks[0]["key"] == KEY
    assert any("forgotten-worker" in line for line in acks[0]["context"]["holders"])
    assert any(e["action"] == "holders.scan" for e in entries)
    audit_text = (world.root / "home").joinpath(".local/share/rotui/audit.jsonl").read_text()
    for text in (first.stdout, first.stderr, wrong.stdout, done.stdout, done.stderr, audit_text):
        assert not any(value in text for value in SECRETS)
    for call in recorded_calls(world.gh_state):
        assert not any(value in " ".join(call["argv"]) for value in SECRETS)


def test_after_the_rotation_holders_shows_drift(world: World) -> None:
    world.heroku.add_app("forgotten-worker", {"CLAUDE": OLD})
    argv = ("rotate", KEY, "--headless", "--confirm-manual", "--revoke", "--ack-holders", KEY)
    assert world.rotui(*argv, stdin=NEW + "\n").returncode == 0
    shown = world.rotui("holders", KEY, "--json")
    assert shown.returncode == 1
    found = json.loads(shown.stdout)["findings"]
    drift = [f for f in found if f["held"] == "previous"]
    assert [(f["where"], f["status"]) for f in drift] == [("app forgotten-worker", "stale")]
    assert f"1 place(s) still hold the previous value of {KEY}" in shown.stderr
    assert not any(value in shown.stdout + shown.stderr for value in SECRETS)


def test_an_overlap_emergency_shows_the_holders_and_its_typed_name_acknowledges_them(
    world: World,
) -> None:
    world.heroku.add_app("forgotten-worker", {"CLAUDE": OLD})
    done = world.rotui(
        "revoke", KEY, "--headless", "--mode", "overlap", "--confirm", KEY, "--confirm-manual",
        stdin=NEW + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"! unmanaged: heroku app forgotten-worker · CLAUDE holds {mask(OLD)}" in done.stdout
    entries = json.loads(world.rotui("audit", "--json").stdout)["entries"]
    acks = [e for e in entries if e["action"] == "holders.acknowledged"]
    assert len(acks) == 1 and any("forgotten-worker" in h for h in acks[0]["context"]["holders"])
    assert not any(value in done.stdout + done.stderr for value in SECRETS)


def test_a_source_the_scan_could_not_read_holds_the_revoke_until_acknowledged(
    world: World,
) -> None:
    """"No holder outside the config" is only known where the scan could look: an app the Heroku
    token lists but whose config vars it cannot read may hold the old key. The revoke went on."""
    world.heroku.add_unreadable_app("locked-app")  # listed, then 404 on its config vars
    argv = ("rotate", KEY, "--headless", "--confirm-manual", "--revoke")
    first = world.rotui(*argv, stdin=NEW + "\n")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "! not checked: " in first.stdout and "locked-app" in first.stdout, first.stdout
    assert "1 source(s) could not be checked for it" in first.stdout, first.stdout
    assert world.anthropic.key_by_id(world.old_id).status == "active"

    done = world.rotui(*argv, "--ack-holders", KEY)
    assert done.returncode == 0, done.stdout + done.stderr
    assert world.anthropic.key_by_id(world.old_id).status == "inactive"
    entries = json.loads(world.rotui("audit", "--json").stdout)["entries"]
    [ack] = [e for e in entries if e["action"] == "holders.acknowledged"]
    assert any("locked-app" in line for line in ack["context"]["unchecked"]), ack
