"""Issue 12, dry run: a current key that already answers 401 and a missing keyring are ✗."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from rotui.core.anthropic import AnthropicClient
from rotui.core.errors import KeyringUnavailable
from rotui.core.model import ManagedKey, Settings
from rotui.core.preflight_checks import current_key_problems, keyring_problems
from rotui.core.secret import NO_KEYRING_HELP, MemoryKeyring, Secret, SecretStore
from rotui.demo import fake_key
from rotui.sim.anthropic import Behavior, SimKey, SimulatedAnthropic, SimWorkspace

NAME = "ANTHROPIC_API_KEY"
LIVE, DEAD, LINKED = fake_key("pf-live"), fake_key("pf-dead"), fake_key("pf-linked")
TEAM = SimWorkspace("wrkspc_01PfTeam", "team")


@pytest.fixture
def sim() -> Iterator[SimulatedAnthropic]:
    keys = [
        SimKey(LIVE),
        SimKey(DEAD, behavior=Behavior.INVALID),
        SimKey(LINKED, scope="organization"),
    ]
    with SimulatedAnthropic(keys, workspaces=[TEAM]) as server:
        yield server


@pytest.fixture
async def client() -> AsyncIterator[AnthropicClient]:
    async with httpx.AsyncClient() as http:
        yield AnthropicClient(http, clock=lambda: dt.datetime(2026, 11, 30, tzinfo=dt.UTC))


async def test_a_current_key_that_answers_401_is_a_problem(sim, client) -> None:
    key = ManagedKey(NAME, base_url=sim.base_url)
    [problem] = await current_key_problems(client, key, Secret(DEAD), Settings())
    assert "answers invalid (HTTP 401)" in problem and "stop at step 1" in problem
    assert f"rotui key set {NAME}" in problem and DEAD not in problem
    assert await current_key_problems(client, key, Secret(LIVE), Settings()) == []
    assert await current_key_problems(client, key, None, Settings()) == []


async def test_the_check_sends_the_workspace_like_the_rotation_will(sim, client) -> None:
    linked = ManagedKey(NAME, base_url=sim.base_url, workspace=TEAM.id)
    assert await current_key_problems(client, linked, Secret(LINKED), Settings()) == []
    unnamed = ManagedKey(NAME, base_url=sim.base_url)
    [problem] = await current_key_problems(client, unnamed, Secret(LINKED), Settings())
    assert "workspace_required" in problem and "identity-linked" in problem


async def test_a_missing_keyring_is_mentioned() -> None:
    def no_keyring() -> MemoryKeyring:
        raise KeyringUnavailable("keyring unavailable", NO_KEYRING_HELP)

    [problem] = await keyring_problems(SecretStore(no_keyring, environ={}))
    assert problem.startswith("keyring unavailable") and "pasting the new key again" in problem
    assert await keyring_problems(SecretStore(MemoryKeyring(), environ={})) == []
