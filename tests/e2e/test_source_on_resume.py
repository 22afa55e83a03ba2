"""An ``env:`` key source updated while rotui was closed is accepted on resume (issue 13, walk 21).

An ``env:`` value cannot change inside a running process: the operator quits, updates the
variable and resumes. The resumed process reads the source once; when it gives PENDING's
fingerprint the "update the key's own source" step is done without `u`, a paste or
``--confirm-manual``, and audited as the operator's `u` would be.
"""

from __future__ import annotations

from rotui.config import load_config
from rotui.core.headless import HeadlessOptions, drive
from rotui.core.rotation import Action, Step
from rotui.core.secret import MemoryKeyring, SecretStore
from rotui.paths import Paths
from rotui.services import Services
from tests.e2e.test_rotation_guards import through_verify
from tests.e2e.world import KEY, NEW, OLD, World


def sourced(world: World, keyring: MemoryKeyring, value: str) -> Services:
    """A process whose environment gives ``value`` for the key's ``env:CURRENT_KEY`` source."""
    text = world.config.read_text().replace('source = "keyring"', 'source = "env:CURRENT_KEY"')
    world.config.write_text(text)
    environ = {**world.env, "CURRENT_KEY": value}
    return Services(
        config=load_config(world.config),
        paths=Paths.under(world.root / "in-process"),
        store=SecretStore(keyring, environ=environ),
        environ=environ,
        trust_env=False,
    )


async def up_to_the_source_step(world: World, keyring: MemoryKeyring) -> None:
    """The first process: every consumer written and confirmed; it stops at the source step."""
    async with sourced(world, keyring, OLD).rotation(KEY) as rotation:
        await through_verify(rotation)
        rotation.confirm_consumer("ci")
        upcoming = await rotation.advance()
        assert (upcoming.action, upcoming.step) == (Action.UPDATE_SOURCE, Step.SOURCE_UPDATE)


async def test_resume_accepts_a_source_that_already_gives_the_new_key(world: World) -> None:
    keyring = MemoryKeyring()
    await up_to_the_source_step(world, keyring)
    svc = sourced(world, keyring, NEW)  # the operator updated CURRENT_KEY, then resumed
    async with svc.rotation(KEY) as rotation:
        rotation.open()
        upcoming = await rotation.advance()
        assert upcoming.action is Action.CONFIRM_REVOKE, upcoming
        assert rotation.run.step[Step.SOURCE_UPDATE].state == "done"
    assert [e for e in svc.audit().entries() if e.action.endswith(".source_updated")]


async def test_resume_still_waits_while_the_source_gives_the_old_key(world: World) -> None:
    keyring = MemoryKeyring()
    await up_to_the_source_step(world, keyring)
    svc = sourced(world, keyring, OLD)  # resumed without updating the variable
    async with svc.rotation(KEY) as rotation:
        rotation.open()
        upcoming = await rotation.advance()
        assert upcoming.action is Action.UPDATE_SOURCE
        assert rotation.run.step[Step.SOURCE_UPDATE].state != "failed"  # nothing was refused
    assert not [e for e in svc.audit().entries() if e.action.endswith(".source_updated")]


async def test_headless_resume_goes_past_the_updated_source_without_confirm_manual(
    world: World,
) -> None:
    keyring = MemoryKeyring()
    await up_to_the_source_step(world, keyring)
    said: list[str] = []
    svc = sourced(world, keyring, NEW)
    async with svc.rotation(KEY) as rotation:
        code = await drive(rotation, lambda: "", HeadlessOptions(), said.append)
    text = "\n".join(said)
    assert "✓ Update the key's own source: env:CURRENT_KEY now gives the new key" in text, text
    assert code == 1 and "waiting — the revoke runs only with --revoke" in text, text
    assert "--confirm-manual" not in text, text
    assert rotation.run.step[Step.SOURCE_UPDATE].state == "done"
