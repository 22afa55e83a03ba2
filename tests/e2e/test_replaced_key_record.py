"""After a rotation the key's Admin record was still the old key's (inactive), so the emergency
screen said of the new, working key that it "already answers no one" (walk s14b 1.2)."""

from __future__ import annotations

from rotui.ui.screens.emergency.parts import already_dead
from tests.e2e.test_rotation_guards import services, through_verify
from tests.e2e.world import KEY, World


async def test_after_a_rotation_the_old_keys_record_no_longer_speaks_for_the_key(
    world: World,
) -> None:
    svc = services(world)
    async with svc.rotation(KEY) as rotation:
        await through_verify(rotation)
        rotation.skip_consumer("ci", "CI paused")
        await rotation.revoke(KEY)
        assert svc.snapshot().remote[KEY].status == "inactive"  # the old key, while it is current
        await rotation.finish()
    assert world.anthropic.key_by_id(world.old_id).status == "inactive"
    snap = svc.snapshot()
    record = snap.remote.get(KEY)
    assert record is None or record.id != world.old_id, record
    assert already_dead(snap, KEY) is None  # the key (the new one) answers: nothing says otherwise
