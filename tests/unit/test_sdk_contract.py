"""Contract: the official `anthropic` SDK (pinned in the `test` extra) parses every answer of the
simulator that rotui relies on, in strict validation, on both API versions.

A shape the SDK rejects raises ``APIResponseValidationError`` and fails the suite, so the simulator
cannot drift from the real API's published types (SDK 2.14.0 ``src/anthropic/types/...``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Optional

import pytest

anthropic = pytest.importorskip("anthropic", reason="pip install -e '.[test]' brings the SDK")

from anthropic import BaseModel as SDKModel  # noqa: E402
from anthropic.types.shared import ErrorResponse  # noqa: E402

from rotui.sim.anthropic import (  # noqa: E402
    API_VERSIONS,
    DEFAULT_WORKSPACE_ID,
    Behavior,
    SimKey,
    SimulatedAnthropic,
    SimWorkspace,
)
from tests.unit.test_sim_anthropic import ADMIN, KEY, fake_key  # noqa: E402

SDK_VERSION = "2.14.0"
IDENTITY = fake_key(40)
TEAM = SimWorkspace("wrkspc_01Team", "team")


class _CacheCreation(SDKModel):
    ephemeral_1h_input_tokens: int
    ephemeral_5m_input_tokens: int


class _UsageResult(SDKModel):
    uncached_input_tokens: int
    cache_creation: _CacheCreation
    cache_read_input_tokens: int
    output_tokens: int
    api_key_id: Optional[str] = None  # noqa: UP045 (the SDK's own style for its models)
    workspace_id: Optional[str] = None  # noqa: UP045


class _UsageBucket(SDKModel):
    starting_at: dt.datetime
    ending_at: dt.datetime
    results: list[_UsageResult]


class _UsageReport(SDKModel):
    """SDK 2.14.0 has no type for the legacy messages usage report: this is its documented shape
    (platform.claude.com/docs/en/api/admin/usage_report/retrieve_messages), parsed by the SDK's own
    model machinery in strict mode."""

    data: list[_UsageBucket]
    has_more: bool
    next_page: Optional[str] = None  # noqa: UP045


def test_the_pinned_sdk_is_the_one_the_doubles_cite() -> None:
    assert anthropic.__version__ == SDK_VERSION


@pytest.fixture
def sim() -> Iterator[SimulatedAnthropic]:
    keys = [
        SimKey(KEY, name="main"),
        SimKey(fake_key(41), name="team", workspace_id=TEAM.id),
        SimKey(IDENTITY, name="me", scope="organization", user_id="user_01Me"),
        SimKey(fake_key(42), behavior=Behavior.SPEND_LIMIT),
        SimKey(fake_key(43), behavior=Behavior.SPEND_CAP),
        SimKey(fake_key(44), behavior=Behavior.INVALID),
        SimKey(fake_key(45), behavior=Behavior.CREATOR_LEFT),
        SimKey(fake_key(46), behavior=Behavior.ON_HOLD),
    ]
    with SimulatedAnthropic(keys, admin_keys=[ADMIN], workspaces=[TEAM]) as server:
        yield server


def sdk(sim: SimulatedAnthropic, key: str, version: str, **kw: object) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key=key,
        base_url=sim.base_url,
        max_retries=0,
        default_headers={"anthropic-version": version, **kw},  # type: ignore[dict-item]
        _strict_response_validation=True,
    )


@pytest.mark.parametrize("version", API_VERSIONS)
def test_models_and_a_ping_parse(sim: SimulatedAnthropic, version: str) -> None:
    client = sdk(sim, KEY, version)
    page = client.models.list(limit=1)
    assert page.data[0].id and page.has_more is True
    assert [m.id for m in client.models.list(limit=1000)] == [m.id for m in page.data] + [
        m.id for m in client.models.list(after_id=page.last_id or "")
    ]
    message = client.messages.create(
        model="claude-haiku-4-5", max_tokens=1, messages=[{"role": "user", "content": "ping"}]
    )
    assert message.type == "message"


@pytest.mark.parametrize("version", API_VERSIONS)
def test_admin_api_keys_list_get_update_parse(sim: SimulatedAnthropic, version: str) -> None:
    admin = sdk(sim, ADMIN, version)
    keys = {k.name: k for k in admin.organization.api_keys.list(limit=1000)}
    assert keys["main"].scope.type == "workspace"
    assert keys["main"].scope.workspace_id == DEFAULT_WORKSPACE_ID  # type: ignore[union-attr]
    assert keys["team"].scope.workspace_id == TEAM.id  # type: ignore[union-attr]
    assert keys["me"].scope.type == "organization"
    assert keys["me"].principal is not None and keys["me"].principal.type == "user_actor"
    got = admin.organization.api_keys.retrieve(keys["main"].id)
    assert got.partial_key_hint == keys["main"].partial_key_hint
    updated = admin.organization.api_keys.update(keys["main"].id, status="inactive")
    assert updated.status == "inactive"
    raw = admin.organization.api_keys.with_raw_response.retrieve(keys["main"].id).http_response
    legacy = raw.json().get("workspace_id", "absent")
    # deprecated top-level field: null for the default workspace, gone on 2026-10-21
    assert legacy == (None if version == "2023-06-01" else "absent")


@pytest.mark.parametrize("version", API_VERSIONS)
def test_workspaces_list_parses_and_hides_the_default_unless_asked(
    sim: SimulatedAnthropic, version: str
) -> None:
    admin = sdk(sim, ADMIN, version)
    assert [w.id for w in admin.organization.workspaces.list()] == [TEAM.id]
    listed = {w.id: w.name for w in admin.organization.workspaces.list(include_default=True)}
    assert listed == {DEFAULT_WORKSPACE_ID: "Default", TEAM.id: "team"}


@pytest.mark.parametrize("version", API_VERSIONS)
def test_usage_report_parses(sim: SimulatedAnthropic, version: str) -> None:
    key_id = SimKey(KEY).id
    sim.add_usage(key_id, "2026-11-02T10:15:00Z", 100, 20)
    admin = sdk(sim, ADMIN, version)
    report = admin.get(
        "/v1/organizations/usage_report/messages",
        cast_to=_UsageReport,
        options={
            "params": {
                "starting_at": "2026-11-02T00:00:00Z",
                "ending_at": "2026-11-03T00:00:00Z",
                "bucket_width": "1h",
                "group_by[]": "api_key_id",
            }
        },
    )
    rows = [r for b in report.data for r in b.results]
    assert [(r.api_key_id, r.uncached_input_tokens, r.output_tokens) for r in rows] == [
        (key_id, 100, 20)
    ]


@pytest.mark.parametrize("version", API_VERSIONS)
def test_error_bodies_map_to_the_sdk_exceptions(sim: SimulatedAnthropic, version: str) -> None:
    cases = [
        (fake_key(44), {}, anthropic.AuthenticationError, None),
        (fake_key(42), {}, anthropic.BadRequestError, None),
        (
            fake_key(43),
            {},
            anthropic.types.shared.EnforcedSpendLimitReachedError,
            "enforced_spend_limit_reached",
        ),
        (IDENTITY, {}, anthropic.BadRequestError, None),
        (
            fake_key(45),
            {},
            anthropic.types.shared.ClaudeCodeKeyCreatorNotMemberError,
            "claude_code_key_creator_not_member",
        ),
        (fake_key(46), {}, anthropic.types.shared.OrganizationOnHoldError, "organization_on_hold"),
    ]
    for key, extra, error, code in cases:
        with pytest.raises(error) as caught:
            sdk(sim, key, version, **extra).models.list()
        assert caught.value.error_code == code
        ErrorResponse.model_validate(caught.value.body)  # the envelope is the SDK's shape
    with pytest.raises(anthropic.NotFoundError) as missing:
        sdk(sim, KEY, version).models.retrieve("claude-nope")
    ErrorResponse.model_validate(missing.value.body)


@pytest.mark.parametrize("version", API_VERSIONS)
def test_identity_linked_key_works_when_it_names_its_workspace(
    sim: SimulatedAnthropic, version: str
) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        sdk(sim, IDENTITY, version).models.list()
    assert "anthropic-workspace-id is required" in (caught.value.api_message or "")
    client = sdk(sim, IDENTITY, version, **{"anthropic-workspace-id": TEAM.id})
    response = client.models.with_raw_response.list()
    assert response.http_response.headers["anthropic-workspace-id"] == TEAM.id
    assert response.parse().data
