"""Fail closed, in the right order: no audit entry, no step (issue 15).

A manual confirmation, a skip, the source update and the start of a revoke are journaled only
after their audit entry is written. Here the audit log refuses every write (as a full or
read-only disk does) at the moment the operator acts: the step does not happen, the run file
on disk says so, and once the audit works again the rollback still puts the old key back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rotui.core.errors import StateError
from rotui.core.rotation.deps import previous_name
from rotui.core.runs import ConsumerState
from tests.e2e.test_rotation_guards import services, through_propagation, through_verify
from tests.e2e.world import KEY, OLD, World


def break_audit(rotation: Any) -> Callable[[], None]:
    """Make every audit write fail; returns what mends it."""
    audit = rotation.deps.audit
    original = audit.append

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise StateError("cannot write the audit log", "the disk is full")

    audit.append = refuse
    return lambda: setattr(audit, "append", original)


def on_disk(svc: Any, rotation: Any) -> Any:
    return svc.runs().load(rotation.run.run_id)


async def roll_back_restores_the_old_key(
    world: World, rotation: Any, mend: Callable[[], None]
) -> None:
    mend()
    await rotation.rollback()
    assert world.heroku.config_vars("raxx-api-prod")[KEY] == OLD
    assert world.anthropic.key_by_id(world.old_id).status == "active"


async def test_a_confirmation_without_its_audit_entry_does_not_happen(world: World) -> None:
    svc = services(world)
    async with svc.rotation(KEY) as rotation:
        await through_propagation(rotation)
        mend = break_audit(rotation)
        with pytest.raises(StateError):
            rotation.confirm_consumer("laptop")
        assert on_disk(svc, rotation).consumers["laptop"].state is ConsumerState.PENDING
        assert rotation.run.consumers["laptop"].state is ConsumerState.PENDING
        await roll_back_restores_the_old_key(world, rotation, mend)


async def test_a_skip_without_its_audit_entry_does_not_happen(world: World) -> None:
    svc = services(world)
    async with svc.rotation(KEY) as rotation:
        await through_verify(rotation)
        mend = break_audit(rotation)
        with pytest.raises(StateError):
            rotation.skip_consumer("ci", "paused")
        assert on_disk(svc, rotation).consumers["ci"].state is not ConsumerState.SKIPPED
        assert rotation.run.consumers["ci"].state is not ConsumerState.SKIPPED
        await roll_back_restores_the_old_key(world, rotation, mend)


async def test_a_revoke_without_its_audit_entry_does_not_start(world: World) -> None:
    svc = services(world)
    svc.revoke_poll_seconds = 0.0
    async with svc.rotation(KEY) as rotation:
        await through_verify(rotation)
        rotation.skip_consumer("ci", "paused")
        mend = break_audit(rotation)
        with pytest.raises(StateError):
            await rotation.revoke(KEY)
        assert on_disk(svc, rotation).facts.revoke_started is None
        assert rotation.run.facts.revoke_started is None
        assert world.anthropic.key_by_id(world.old_id).status == "active"
        previous = previous_name(KEY)
        assert (
            await rotation.deps.store.aread("keyring", previous) is not None
        )  # kept for the revoke
        await roll_back_restores_the_old_key(world, rotation, mend)
        assert await rotation.deps.store.aread("keyring", previous) is None  # PREVIOUS removed too
