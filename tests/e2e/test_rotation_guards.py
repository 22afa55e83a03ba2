"""Guards an operator relies on under stress, driven in-process on the same loopback world."""

from __future__ import annotations

import pytest

from rotui.config import load_config
from rotui.core.errors import UsageError
from rotui.core.secret import MemoryKeyring, SecretStore
from rotui.paths import Paths
from rotui.services import Services
from tests.e2e.world import KEY, NEW, OLD, World


async def through_propagation(rotation) -> None:
    """Open a run and take it up to written consumers (the manual laptop still pending)."""
    rotation.open()
    await rotation.precheck()
    await rotation.accept_new_key(NEW)
    await rotation.validate_new()
    await rotation.propagate()


async def through_verify(rotation) -> None:
    """Up to verification: the manual laptop confirmed, ci left for the operator."""
    await through_propagation(rotation)
    rotation.confirm_consumer("laptop")
    await rotation.verify()


def services(world: World) -> Services:
    keyring = MemoryKeyring()
    keyring.set_password("rotui", KEY, OLD)
    store = SecretStore(keyring, environ=world.env)
    return Services(
        config=load_config(world.config),
        paths=Paths.under(world.root / "in-process"),
        store=store,
        environ=world.env,
        trust_env=False,
    )


async def test_revoke_refused_before_verification_and_with_a_wrong_name(world: World) -> None:
    svc = services(world)
    async with svc.rotation(KEY) as rotation:
        rotation.open()
        await rotation.precheck()
        await rotation.accept_new_key(NEW)
        await rotation.validate_new()
        with pytest.raises(UsageError, match="cannot be revoked yet") as refused:
            await rotation.revoke(KEY)
        assert "consumer api is unwritten" in refused.value.message  # "pending" is the key
        await rotation.propagate()
        rotation.confirm_consumer("laptop")
        waiting = await rotation.verify()
        assert waiting == ["ci"]  # GitHub secrets cannot be read back and ci has no verify_* field
        with pytest.raises(UsageError, match="cannot be revoked yet"):
            await rotation.revoke(KEY)
        with pytest.raises(UsageError, match="reason is required"):
            rotation.skip_consumer("ci", "  ")
        rotation.skip_consumer("ci", "CI jobs paused during the incident")
        assert rotation.revoke_blockers() == []
        with pytest.raises(UsageError, match="confirmation does not match"):
            await rotation.revoke("ANTHROPIC_API_KEY_TYPO")
        assert world.anthropic.key_by_id(world.old_id).status == "active"
        await rotation.revoke(KEY)
        assert world.anthropic.key_by_id(world.old_id).status == "inactive"
        with pytest.raises(UsageError, match="too late to roll back"):
            await rotation.rollback()
        await rotation.finish()
    entries = svc.audit().entries()
    skipped = [e for e in entries if e.action == "secret.rotate.consumer.skipped"]
    assert skipped and skipped[0].context["reason"] == "CI jobs paused during the incident"


async def test_a_new_key_from_another_organization_stops_the_run(world: World) -> None:
    from rotui.demo import fake_key
    from rotui.sim.anthropic import SimKey

    stranger = fake_key("other-org")
    world.anthropic.add_key(
        SimKey(stranger, organization_id="00000000-0000-4000-8000-00000000dead")
    )
    svc = services(world)
    async with svc.rotation(KEY) as rotation:
        rotation.open()
        await rotation.precheck()
        await rotation.accept_new_key(stranger)
        with pytest.raises(Exception, match="another organization"):
            await rotation.validate_new()
        assert rotation.run.step["validate_new"].state == "failed"


async def test_a_new_key_in_the_wrong_workspace_stops_the_run(world: World) -> None:
    from rotui.demo import fake_key
    from rotui.sim.anthropic import SimKey

    elsewhere = fake_key("other-ws")
    world.anthropic.add_key(SimKey(elsewhere, workspace_id="wrkspc_01Elsewhere"))
    svc = services(world)
    async with svc.rotation(KEY) as rotation:
        rotation.open()
        await rotation.precheck()
        await rotation.accept_new_key(elsewhere)
        with pytest.raises(Exception, match="workspace"):
            await rotation.validate_new()


async def test_no_rollback_once_the_deactivation_started(world: World) -> None:
    svc = services(world)
    svc.revoke_poll_seconds = 0.0
    world.anthropic.set_behavior(
        OLD, __import__("rotui.sim.anthropic", fromlist=["Behavior"]).Behavior.VALID
    )
    async with svc.rotation(KEY) as rotation:
        await through_verify(rotation)
        rotation.skip_consumer("ci", "paused")
        rotation.deps.revoke_poll_attempts = 1
        rotation.deps.client.validate = _always_valid(
            rotation.deps.client.validate
        )  # the 401 never comes
        with pytest.raises(Exception, match="still works"):
            await rotation.revoke(KEY)
        with pytest.raises(UsageError, match="too late to roll back"):
            await rotation.rollback()
    assert world.heroku.config_vars("raxx-api-prod")[KEY] == NEW  # nothing put the dead key back


def _always_valid(validate):
    async def wrapped(name, secret, **kwargs):
        result = await validate(name, secret, **kwargs)
        from dataclasses import replace

        from rotui.core.model import ValidationStatus

        return replace(result, status=ValidationStatus.VALID)

    return wrapped


async def test_a_failing_verification_cannot_be_confirmed_by_hand(world: World) -> None:
    world.healthy[0] = False
    svc = services(world)
    async with svc.rotation(KEY) as rotation:
        await through_verify(rotation)
        with pytest.raises(UsageError, match="verified by rotui, not by hand"):
            rotation.confirm_consumer("api")


async def test_revoke_now_cannot_finish_before_the_consumers_are_repaired(world: World) -> None:
    svc = services(world)
    async with svc.rotation(KEY, kind="emergency", mode="now") as rotation:
        rotation.open()
        await rotation.deactivate(KEY)
        await rotation.accept_new_key(NEW)
        with pytest.raises(UsageError, match="not done yet"):
            await rotation.finish()


def test_report_cells_never_break_the_table() -> None:
    from rotui.core.report import _cell

    assert _cell("a|b\nc") == "a\\|b c"


async def test_a_rotation_opened_without_the_lock_cannot_write(world: World) -> None:
    """lock=False looks without locking; its first write asks for the lock, held by the driver."""
    from rotui.core.locks import KeyHeld

    svc = services(world)
    async with svc.rotation(KEY) as driver:
        driver.open()
        await driver.precheck()
        await driver.accept_new_key(NEW)
        async with svc.rotation(KEY, lock=False) as viewer:  # no 'being driven' refusal
            viewer.open()  # reading the journal is fine
            assert viewer.run is not None and driver.run is not None
            assert viewer.run.run_id == driver.run.run_id
            with pytest.raises(KeyHeld, match="being driven by another rotui") as held:
                await viewer.validate_new()  # its first write needs the lock: refused
            assert held.value.holder is not None and held.value.holder.pid > 0
        await driver.validate_new()  # the driver is unaffected
    assert svc.runs().active(KEY) is not None


async def test_looking_and_a_failed_precheck_leave_no_run_no_lock_no_audit(world: World) -> None:
    from rotui.core.locks import KeyLock
    from rotui.sim.anthropic import Behavior

    world.anthropic.set_behavior(OLD, Behavior.INVALID)
    svc = services(world)
    async with svc.rotation(KEY, lock=False) as looking:
        assert looking.open() is None
        with pytest.raises(Exception, match="answers invalid"):
            await looking.precheck()
        assert KeyLock(svc.paths.state_dir, KEY).live_holder() is None
    assert svc.runs().all() == []
    assert svc.audit().entries() == []


async def test_the_core_keeps_a_revoke_now_run_in_its_order(world: World) -> None:
    """No driver can put the new key anywhere before the old one is confirmed dead."""
    svc = services(world)
    async with svc.rotation(KEY, kind="emergency", mode="now") as rotation:
        assert rotation.open() is None
        await rotation.precheck()
        with pytest.raises(UsageError, match="deactivates the old key first"):
            await rotation.accept_new_key(NEW)
        assert svc.runs().all() == [] and svc.audit().entries() == []
        await rotation.deactivate(KEY)
        run = rotation.run
        assert run is not None
        run.facts.revoked_at = None  # as if the 401 was never confirmed
        with pytest.raises(UsageError, match="needs the old key confirmed dead"):
            await rotation.accept_new_key(NEW)
        with pytest.raises(UsageError, match="cannot run now"):
            await rotation.propagate()
    assert world.heroku.config_vars("raxx-api-prod")[KEY] == OLD
