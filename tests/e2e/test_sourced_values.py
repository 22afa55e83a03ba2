"""Values from ``env:``/``command:`` sources that no header can carry are refused first (issue 15).

Validation already refused them; every other step that reads a source (the pre-check, an
emergency's deactivation, the Admin key, a consumer's token) used to send the value on, where a
space broke the request and a non-ASCII character became an "internal error". Now the source
read itself refuses, with a message that says what and where but shows none of the value.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rotui.config import load_config
from rotui.core.errors import RotuiError, SecretError
from rotui.core.rotation.deps import previous_name
from rotui.core.secret import MemoryKeyring, SecretStore
from rotui.paths import Paths
from rotui.services import Services
from tests.e2e.test_rotation_guards import through_propagation
from tests.e2e.world import ADMIN, KEY, OLD, World

BAD_VALUES = {
    "space": OLD[:40] + " " + OLD[40:],
    "tab": OLD[:40] + "\t" + OLD[40:],
    "line break": OLD + "\nTOTP-123456",
    "non-ASCII": OLD[:-1] + "é",
    "quote": '"' + OLD,
}


def assert_masked(message: str, value: str) -> None:
    assert "unusable value" in message
    for part in (value, value.strip(), OLD, OLD[20:40], "TOTP"):
        assert part not in message


@pytest.mark.parametrize("bad", list(BAD_VALUES))
def test_env_and_command_sources_refuse_what_no_header_carries(bad: str, tmp_path: Path) -> None:
    value = BAD_VALUES[bad]
    (tmp_path / "value").write_text(value)
    store = SecretStore(MemoryKeyring(), environ={"K": value})
    with pytest.raises(SecretError) as raised:
        store.read("env:K", "K")
    assert_masked(str(raised.value), value)
    with pytest.raises(SecretError) as raised:
        store.read(f"command:cat {tmp_path / 'value'}", "K")
    assert_masked(str(raised.value), value)
    assert store.read("env:GOOD", "K") is None  # an unset variable still gives nothing


def sourced(world: World, value: str, env: dict[str, str] | None = None) -> Services:
    """The world's key read from ``env:CURRENT_KEY``, holding ``value``."""
    text = world.config.read_text().replace('source = "keyring"', 'source = "env:CURRENT_KEY"')
    world.config.write_text(text)
    environ = {**world.env, "CURRENT_KEY": value, **(env or {})}
    return Services(
        config=load_config(world.config),
        paths=Paths.under(world.root / "in-process"),
        store=SecretStore(MemoryKeyring(), environ=environ),
        environ=environ,
        trust_env=False,
    )


def nothing_sent(world: World) -> None:
    # The simulator records only a masked hint of each key: none of the requests carried one.
    assert [r for r in world.anthropic.requests() if r.path == "/v1/models"] == []


@pytest.mark.parametrize("bad", ["space", "non-ASCII"])
async def test_the_precheck_refuses_before_sending(world: World, bad: str) -> None:
    svc = sourced(world, BAD_VALUES[bad])
    async with svc.rotation(KEY) as rotation:
        rotation.open()
        with pytest.raises(RotuiError) as raised:
            await rotation.precheck()
    assert_masked(str(raised.value), BAD_VALUES[bad])
    nothing_sent(world)


@pytest.mark.parametrize("bad", ["line break", "non-ASCII"])
async def test_an_emergency_deactivation_refuses_before_sending(world: World, bad: str) -> None:
    svc = sourced(world, BAD_VALUES[bad])
    async with svc.rotation(KEY, kind="emergency", mode="now") as rotation:
        rotation.open()
        with pytest.raises(RotuiError) as raised:
            await rotation.deactivate(KEY)
    assert_masked(str(raised.value), BAD_VALUES[bad])
    assert world.anthropic.key_by_id(world.old_id).status == "active"


async def test_a_malformed_admin_key_is_refused_masked(world: World) -> None:
    bad_admin = ADMIN[:30] + "\u00a0" + ADMIN[30:]
    svc = sourced(world, OLD, env={"ROTUI_ADMIN": bad_admin})
    with pytest.raises(RotuiError) as raised:
        async with svc.rotation(KEY):
            pass
    assert "unusable value" in str(raised.value)
    assert ADMIN[:30] not in str(raised.value) and ADMIN[31:] not in str(raised.value)
    assert [r for r in world.anthropic.requests() if r.path.startswith("/v1/organizations")] == []


async def test_a_rollback_says_why_the_source_cannot_give_the_old_key(world: World) -> None:
    svc = sourced(world, OLD)
    async with svc.rotation(KEY) as rotation:
        await through_propagation(rotation)
        svc.store._environ["CURRENT_KEY"] = BAD_VALUES["non-ASCII"]  # type: ignore[index]
        svc.store.delete_keyring(previous_name(KEY))  # only the source is left to ask
        with pytest.raises(RotuiError) as raised:
            await rotation.rollback()
    assert "not at hand" in str(raised.value) and "unusable value" in str(raised.value)
    assert_masked(str(raised.value), BAD_VALUES["non-ASCII"])
