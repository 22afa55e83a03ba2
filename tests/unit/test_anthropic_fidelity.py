"""Issue 12, Anthropic: identity-linked keys, workspaces as the API means them, coded 400s.

Every double here is the simulator derived from the official SDK 2.14.0 (see
``tests/unit/test_sdk_contract.py``, which proves the SDK parses it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from rotui.core.anthropic import (
    AnthropicClient,
    WorkspaceDirectory,
    classify_error,
    in_configured_workspace,
    match_remote,
    remote_key,
    same_workspace,
)
from rotui.core.model import ManagedKey, RemoteKey
from rotui.core.model import ValidationStatus as S
from rotui.core.secret import Secret
from rotui.core.troubleshoot import diagnose_key, diagnose_workspace
from rotui.demo import fake_key
from rotui.sim.anthropic import (
    API_VERSIONS,
    DEFAULT_WORKSPACE_ID,
    Behavior,
    SimKey,
    SimulatedAnthropic,
    SimWorkspace,
)
from tests.unit.test_troubleshoot import NAME, VALUE, build, text

ADMIN = fake_key("doctor-admin", "sk-ant-admin01-")  # the admin key test_troubleshoot.build uses
IDENTITY = fake_key("identity-linked")
TEAM = SimWorkspace("wrkspc_01Team", "team")
NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def sim() -> Iterator[SimulatedAnthropic]:
    keys = [SimKey(IDENTITY, name="me", scope="organization", user_id="user_01Me")]
    with SimulatedAnthropic(keys, admin_keys=[ADMIN], workspaces=[TEAM]) as server:
        yield server


@pytest.fixture
async def client(sim: SimulatedAnthropic) -> AsyncIterator[AnthropicClient]:
    async with httpx.AsyncClient() as http:
        yield AnthropicClient(http, clock=lambda: NOW, timeout=2.0, admin_base_url=sim.base_url)


# Identity-linked keys -------------------------------------------------------------------------


async def test_an_identity_linked_key_sends_its_configured_workspace_id(sim, client) -> None:
    result = await client.validate("K", Secret(IDENTITY), base_url=sim.base_url, workspace=TEAM.id)
    assert result.status is S.VALID and result.workspace_id == TEAM.id
    assert sim.requests()[-1].path == "/v1/models"


async def test_a_workspace_name_is_resolved_once_through_the_workspaces_list(sim, client) -> None:
    admin = Secret(ADMIN)
    for _ in range(3):
        result = await client.validate(
            "K", Secret(IDENTITY), base_url=sim.base_url, workspace="team", admin=admin
        )
        assert result.status is S.VALID and result.workspace_id == TEAM.id
    listed = [r for r in sim.requests() if r.path == "/v1/organizations/workspaces"]
    assert len(listed) == 2  # with and without the default workspace, then cached for the run


async def test_without_a_workspace_an_identity_linked_key_is_told_exactly_that(sim, client) -> None:
    result = await client.validate("K", Secret(IDENTITY), base_url=sim.base_url)
    assert result.status is S.WORKSPACE_REQUIRED and result.http_status == 400
    assert "identity-linked" in result.message and "anthropic-workspace-id" in result.message
    assert 'workspace = "wrkspc_…"' in result.message
    unknown = await client.validate(
        "K", Secret(IDENTITY), base_url=sim.base_url, workspace="nowhere", admin=Secret(ADMIN)
    )
    assert unknown.status is S.WORKSPACE_REQUIRED
    assert "no workspace named “nowhere”" in unknown.message and "team" in unknown.message


async def test_doctor_names_the_missing_workspace_header_not_a_spend_limit(sim, tmp_path) -> None:
    services = build(tmp_path, sim.base_url, values={NAME: IDENTITY})
    diagnosis = await diagnose_key(services, NAME)
    shown = text(diagnosis)
    assert diagnosis.severity == "problem"
    assert "identity-linked" in diagnosis.cause and "anthropic-workspace-id" in diagnosis.cause
    assert "spend limit you set" not in shown
    assert any("wrkspc_" in step for step in diagnosis.next_steps)


# Workspaces the way the API means them --------------------------------------------------------


@pytest.mark.parametrize("version", API_VERSIONS)
async def test_a_default_workspace_key_is_not_a_workspace_problem(sim, tmp_path, version) -> None:
    sim.add_key(SimKey(VALUE))  # in the default workspace, configured as such
    services = build(tmp_path, sim.base_url)
    settings = dataclasses.replace(services.config.settings, api_version=version)
    services = dataclasses.replace(
        services, config=dataclasses.replace(services.config, settings=settings)
    )
    diagnosis = await diagnose_workspace(services, NAME)
    assert diagnosis.severity == "ok", text(diagnosis)


@pytest.mark.parametrize("version", API_VERSIONS)
async def test_a_key_in_another_workspace_is_still_a_problem(sim, tmp_path, version) -> None:
    sim.add_key(SimKey(VALUE, workspace_id=TEAM.id))
    keys = [ManagedKey(NAME, environment="prod", workspace="default", base_url=sim.base_url)]
    services = build(tmp_path, sim.base_url, keys=keys)
    settings = dataclasses.replace(services.config.settings, api_version=version)
    services = dataclasses.replace(
        services, config=dataclasses.replace(services.config, settings=settings)
    )
    diagnosis = await diagnose_workspace(services, NAME)
    assert diagnosis.severity == "problem"
    assert f"is in workspace {TEAM.id}, configured as the default workspace" in diagnosis.cause


@pytest.mark.parametrize("version", API_VERSIONS)
async def test_remote_keys_compare_by_scope_on_both_versions(sim, client, version) -> None:
    client.api_version = version
    default_key, team_key = fake_key("in-default"), fake_key("in-team")
    sim.add_key(SimKey(default_key))
    sim.add_key(SimKey(team_key, workspace_id=TEAM.id))
    admin = Secret(ADMIN)
    remote = await client.list_api_keys(admin)
    directory = await client.workspace_directory(admin)
    assert directory == WorkspaceDirectory({"team": TEAM.id}, DEFAULT_WORKSPACE_ID)
    mine = match_remote(Secret(default_key), remote)
    theirs = match_remote(Secret(team_key), remote)
    linked = match_remote(Secret(IDENTITY), remote)
    assert mine and theirs and linked
    assert mine.scope_workspace_id == DEFAULT_WORKSPACE_ID and linked.scope == "organization"
    assert in_configured_workspace("default", mine, directory) is True
    assert in_configured_workspace(DEFAULT_WORKSPACE_ID, mine, directory) is True
    assert in_configured_workspace("team", mine, directory) is False
    assert in_configured_workspace("default", theirs, directory) is False
    assert in_configured_workspace("team", theirs, directory) is True
    assert in_configured_workspace(TEAM.id, theirs, directory) is True
    assert in_configured_workspace("team", linked, directory) is True  # acts where it is told
    assert in_configured_workspace("elsewhere", theirs, directory) is None  # cannot tell
    assert same_workspace(mine, mine) and not same_workspace(mine, theirs)
    assert not same_workspace(mine, linked) and same_workspace(linked, linked)


def test_without_the_workspaces_list_only_the_deprecated_field_tells_the_default() -> None:
    legacy = {"id": "apikey_01", "scope": {"type": "workspace", "workspace_id": "wrkspc_01D"}}
    on_2023 = remote_key({**legacy, "workspace_id": None})
    on_2026 = remote_key(legacy)
    assert in_configured_workspace("default", on_2023) is True
    assert in_configured_workspace("default", on_2026) is None  # not "another workspace"
    assert on_2026.workspace_id == "wrkspc_01D" and on_2023.workspace_id is None
    round_trip = RemoteKey.from_dict(on_2023.to_dict())
    assert round_trip == on_2023


# Other 400s ---------------------------------------------------------------------------------------


async def test_a_customer_spend_limit_is_a_spend_limit_not_a_bad_response(sim, client) -> None:
    value = fake_key("spent")
    sim.add_key(SimKey(value, behavior=Behavior.SPEND_LIMIT))
    result = await client.validate("K", Secret(value), base_url=sim.base_url)
    assert (result.status, result.http_status) == (S.SPEND_LIMIT, 400)


@pytest.mark.parametrize(
    ("http", "message", "code", "status"),
    [
        # by code first (SDK 2.14.0 types/shared/*_error.py) ...
        (
            429,
            "You have reached your API usage limits.",
            "enforced_spend_limit_reached",
            S.SPEND_LIMIT,
        ),
        (429, "Contract limit.", "contract_spend_limit_reached", S.SPEND_LIMIT),
        (402, "Linked organization.", "linked_organization_spend_limit_reached", S.NO_CREDIT),
        # ... by message only when there is no code
        (400, "Your credit balance is too low to access the Anthropic API.", None, S.NO_CREDIT),
        (400, "Your credit balance is too low (but coded)", "cmek_key_disabled", S.BAD_RESPONSE),
        (400, "Your credit balance is too low (but coded)", "organization_on_hold", S.FORBIDDEN),
        (400, "Anything.", "claude_code_key_creator_not_member", S.INVALID),
        (400, "You have reached your specified workspace API usage limits.", None, S.SPEND_LIMIT),
        (400, "messages: Field required", None, S.BAD_RESPONSE),
        (429, "This request would exceed your rate limit.", None, S.RATE_LIMITED),
    ],
)
def test_errors_are_recognised_by_code_before_message(http, message, code, status) -> None:
    kind = {400: "invalid_request_error", 402: "billing_error", 429: "rate_limit_error"}[http]
    assert classify_error(http, kind, message, code) == status


async def test_doctor_describes_an_identity_linked_key_by_its_scope(sim, tmp_path) -> None:
    keys = [ManagedKey(NAME, environment="prod", workspace=TEAM.id, base_url=sim.base_url)]
    services = build(tmp_path, sim.base_url, keys=keys, values={NAME: IDENTITY})
    diagnosis = await diagnose_key(services, NAME)
    assert diagnosis.severity == "ok", text(diagnosis)  # the header was sent
    assert any("organization scope (identity-linked" in line for line in diagnosis.evidence)
