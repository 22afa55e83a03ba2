"""The simulated Anthropic API answers like the real one, over real HTTP, in every case."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import string
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from rotui.sim.anthropic import (
    CREDIT_MESSAGE,
    DEFAULT_WORKSPACE_ID,
    Behavior,
    SimKey,
    SimulatedAnthropic,
)

ALPHABET = string.ascii_letters + string.digits + "_-"
VERSION = "2023-06-01"
NEW_VERSION = "2026-10-21"
PING = {
    "model": "claude-haiku-4-5",
    "max_tokens": 1,
    "messages": [{"role": "user", "content": "hi"}],
}


def fake_key(seed: int, prefix: str = "sk-ant-api03-") -> str:
    """A deterministic key with the real shape, so masking and hints are exercised realistically."""
    rng = random.Random(seed)
    return prefix + "".join(rng.choice(ALPHABET) for _ in range(93)) + "AA"


KEY = fake_key(1)
ADMIN = fake_key(2, "sk-ant-admin01-")


def headers(key: str | None = KEY, version: str | None = VERSION) -> dict[str, str]:
    result = {}
    if key is not None:
        result["x-api-key"] = key
    if version is not None:
        result["anthropic-version"] = version
    return result


def assert_error(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert set(body) == {"type", "error", "request_id"}
    assert body["type"] == "error"
    assert body["error"]["type"] == kind
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert body["request_id"] == response.headers["request-id"]
    return body


@pytest.fixture
def sim() -> Iterator[SimulatedAnthropic]:
    with SimulatedAnthropic([SimKey(KEY, name="main")], admin_keys=[ADMIN]) as server:
        yield server


@pytest.fixture
def client(sim: SimulatedAnthropic) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, timeout=5, trust_env=False) as http:
        yield http


def test_binds_loopback_on_an_os_chosen_port(sim: SimulatedAnthropic) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sim.base_url)
    assert not sim.base_url.endswith(":0")
    with pytest.raises(ValueError):
        SimulatedAnthropic(host="0.0.0.0")


def test_stop_is_idempotent() -> None:
    server = SimulatedAnthropic()
    server.start()
    server.stop()
    server.stop()


def test_valid_key_lists_models_with_request_org_and_rate_limit_headers(
    client: httpx.Client,
) -> None:
    response = client.get("/v1/models", headers=headers())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert re.fullmatch(r"req_[0-9a-f]{24}", response.headers["request-id"])
    assert response.headers["anthropic-organization-id"] == "8f1c2e0a-0000-4000-8000-000000000001"
    assert "anthropic-workspace-id" not in response.headers
    for kind, limit in (("requests", 4000), ("tokens", 400000)):
        assert response.headers[f"anthropic-ratelimit-{kind}-limit"] == str(limit)
        assert response.headers[f"anthropic-ratelimit-{kind}-remaining"] == str(limit - 1)
        reset = response.headers[f"anthropic-ratelimit-{kind}-reset"]
        assert dt.datetime.fromisoformat(reset).tzinfo is not None
    body = response.json()
    assert body["data"][0]["id"] == body["first_id"] == "claude-opus-4-5"
    assert body["last_id"] == body["data"][-1]["id"] and body["has_more"] is False
    assert all(
        set(m) == {"id", "type", "display_name", "created_at", "lifecycle"} for m in body["data"]
    )


def test_request_ids_are_unique(client: httpx.Client) -> None:
    ids = {client.get("/v1/models", headers=headers()).headers["request-id"] for _ in range(5)}
    assert len(ids) == 5


def test_models_paging_and_single_model(client: httpx.Client) -> None:
    first = client.get("/v1/models", params={"limit": 2}, headers=headers()).json()
    assert len(first["data"]) == 2 and first["has_more"] is True
    after = {"after_id": first["last_id"]}
    rest = client.get("/v1/models", params=after, headers=headers()).json()
    assert [m["id"] for m in rest["data"]] == ["claude-sonnet-4-5"] and rest["has_more"] is False
    before = {"before_id": rest["first_id"]}
    back = client.get("/v1/models", params=before, headers=headers()).json()
    assert back["data"] == first["data"]
    one = client.get("/v1/models/claude-haiku-4-5", headers=headers())
    assert one.json()["display_name"] == "Claude Haiku 4.5"
    assert_error(client.get("/v1/models/claude-nope", headers=headers()), 404, "not_found_error")


def test_workspace_header_when_the_key_has_a_workspace(
    sim: SimulatedAnthropic,
    client: httpx.Client,
) -> None:
    key = sim.add_key(SimKey(fake_key(3), workspace_id="wrkspc_01Sim"))
    response = client.get("/v1/models", headers=headers(key.value))
    assert response.headers["anthropic-workspace-id"] == "wrkspc_01Sim"


ERRORS = [
    (Behavior.INVALID, 401, "authentication_error"),
    (Behavior.FORBIDDEN, 403, "permission_error"),
    (Behavior.NO_CREDIT, 400, "invalid_request_error"),
    (Behavior.BILLING, 402, "billing_error"),
    (Behavior.RATE_LIMITED, 429, "rate_limit_error"),
    (Behavior.SPEND_CAP, 429, "rate_limit_error"),
    (Behavior.OVERLOADED, 529, "overloaded_error"),
    (Behavior.SERVER_ERROR, 500, "api_error"),
]


@pytest.mark.parametrize(("behavior", "status", "kind"), ERRORS)
@pytest.mark.parametrize("path", ["/v1/models", "/v1/messages"])
def test_scripted_errors_use_the_api_envelope(
    sim: SimulatedAnthropic,
    client: httpx.Client,
    behavior: Behavior,
    status: int,
    kind: str,
    path: str,
) -> None:
    sim.set_behavior(KEY, behavior)
    if path == "/v1/models":
        response = client.get(path, headers=headers())
    else:
        response = client.post(path, headers=headers(), json=PING)
    body = assert_error(response, status, kind)
    assert response.headers["anthropic-organization-id"]
    assert ("retry-after" in response.headers) == (behavior is Behavior.RATE_LIMITED)
    if behavior is Behavior.RATE_LIMITED:
        assert response.headers["retry-after"] == "1"
    if behavior is Behavior.NO_CREDIT:
        assert body["error"]["message"] == CREDIT_MESSAGE
    if behavior is Behavior.INVALID:
        assert body["error"]["message"] == "invalid x-api-key"


def test_bad_response_is_an_html_502(sim: SimulatedAnthropic, client: httpx.Client) -> None:
    sim.set_behavior(KEY, Behavior.BAD_RESPONSE)
    response = client.get("/v1/models", headers=headers())
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "<html>" in response.text


def test_malformed_json_is_a_200_that_does_not_parse(
    sim: SimulatedAnthropic,
    client: httpx.Client,
) -> None:
    sim.set_behavior(KEY, Behavior.MALFORMED_JSON)
    response = client.get("/v1/models", headers=headers())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_reset_breaks_the_connection_mid_body(
    sim: SimulatedAnthropic,
    client: httpx.Client,
) -> None:
    sim.set_behavior(KEY, Behavior.RESET)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.get("/v1/models", headers=headers())
    sim.set_behavior(SimKey(KEY).id, Behavior.VALID)
    assert client.get("/v1/models", headers=headers()).status_code == 200


def test_bearer_and_x_api_key_are_both_accepted(
    sim: SimulatedAnthropic,
    client: httpx.Client,
) -> None:
    bearer = {"authorization": f"Bearer {KEY}", "anthropic-version": NEW_VERSION}
    assert client.get("/v1/models", headers=bearer).status_code == 200
    assert client.get("/v1/models", headers=headers()).status_code == 200
    assert [r.auth_scheme for r in sim.requests()] == ["bearer", "x-api-key"]


def test_anthropic_version_is_required_and_checked(client: httpx.Client) -> None:
    missing = assert_error(
        client.get("/v1/models", headers=headers(version=None)), 400, "invalid_request_error"
    )
    assert missing["error"]["message"] == "anthropic-version: header is required"
    unknown = assert_error(
        client.get("/v1/models", headers=headers(version="2024-01-01")),
        400,
        "invalid_request_error",
    )
    assert "2024-01-01" in unknown["error"]["message"]
    assert client.get("/v1/models", headers=headers(version=NEW_VERSION)).status_code == 200


def test_missing_and_unknown_keys_are_401(client: httpx.Client) -> None:
    missing = assert_error(
        client.get("/v1/models", headers=headers(key=None)), 401, "authentication_error"
    )
    assert missing["error"]["message"] == "x-api-key header is required"
    unknown = assert_error(
        client.get("/v1/models", headers=headers(fake_key(99))), 401, "authentication_error"
    )
    assert unknown["error"]["message"] == "invalid x-api-key"
    anonymous = client.get("/v1/models", headers=headers(None))
    assert "anthropic-organization-id" not in anonymous.headers


def test_admin_endpoints_need_an_admin_key(client: httpx.Client) -> None:
    path = "/v1/organizations/api_keys"
    assert_error(client.get(path, headers=headers(key=None)), 401, "authentication_error")
    assert_error(client.get(path, headers=headers(KEY)), 401, "authentication_error")
    assert client.get(path, headers=headers(ADMIN)).status_code == 200
    assert_error(client.get("/v1/models", headers=headers(ADMIN)), 401, "authentication_error")
    assert_error(
        client.post("/v1/messages", headers=headers(ADMIN), json=PING), 401, "authentication_error"
    )
    org = client.get("/v1/organizations/me", headers=headers(ADMIN)).json()
    assert org == {
        "id": "8f1c2e0a-0000-4000-8000-000000000001",
        "type": "organization",
        "name": "Simulated Org",
    }


def test_unknown_path_is_404_and_wrong_method_is_405(client: httpx.Client) -> None:
    assert_error(client.get("/v1/nothing", headers=headers()), 404, "not_found_error")
    refused = client.delete("/v1/models", headers=headers())
    assert_error(refused, 405, "invalid_request_error")
    assert refused.headers["allow"] == "GET"
    assert_error(
        client.post("/v1/organizations/api_keys", headers=headers(ADMIN), json={}),
        405,
        "invalid_request_error",
    )


def test_api_key_object_shape(sim: SimulatedAnthropic, client: httpx.Client) -> None:
    key = sim.key_by_id(SimKey(KEY).id)
    response = client.get(f"/v1/organizations/api_keys/{key.id}", headers=headers(ADMIN))
    body = response.json()
    assert body == {
        "id": key.id,
        "type": "api_key",
        "name": "main",
        "created_at": "2026-01-01T00:00:00Z",
        "created_by": {"id": "user_sim", "type": "user"},
        "partial_key_hint": f"sk-ant-api03-{KEY[13:16]}...{KEY[-4:]}",
        "status": "active",
        "workspace_id": None,
        "expires_at": None,
        # SDK 2.14.0 types/organization/api_key.py: the default workspace's real id in `scope`
        "scope": {"type": "workspace", "workspace_id": DEFAULT_WORKSPACE_ID},
        "principal": None,
    }
    assert key.id.startswith("apikey_01") and key.id == SimKey(KEY).id
    missing = client.get("/v1/organizations/api_keys/apikey_01nope", headers=headers(ADMIN))
    assert_error(missing, 404, "not_found_error")


def test_api_keys_paginate_newest_first_without_repeats(
    sim: SimulatedAnthropic,
    client: httpx.Client,
) -> None:
    for day in range(2, 6):
        sim.add_key(SimKey(fake_key(10 + day), created_at=f"2026-02-0{day}T00:00:00Z"))
    seen: list[dict[str, Any]] = []
    pages, params = 0, {"limit": 2}
    while True:
        page = client.get("/v1/organizations/api_keys", params=params, headers=headers(ADMIN))
        body = page.json()
        seen += body["data"]
        pages += 1
        assert body["first_id"] == body["data"][0]["id"]
        assert body["last_id"] == body["data"][-1]["id"]
        if not body["has_more"]:
            break
        params = {"limit": 2, "after_id": body["last_id"]}
    assert pages == 3
    assert len(seen) == 5 == len({k["id"] for k in seen})
    assert [k["created_at"] for k in seen] == sorted((k["created_at"] for k in seen), reverse=True)
    back = client.get(
        "/v1/organizations/api_keys",
        headers=headers(ADMIN),
        params={"limit": 2, "before_id": seen[4]["id"]},
    ).json()
    assert [k["id"] for k in back["data"]] == [seen[2]["id"], seen[3]["id"]]
    assert back["has_more"] is True


@pytest.mark.parametrize("limit", ["0", "1001", "many"])
def test_api_keys_limit_out_of_range_is_400(client: httpx.Client, limit: str) -> None:
    response = client.get(
        "/v1/organizations/api_keys", params={"limit": limit}, headers=headers(ADMIN)
    )
    assert_error(response, 400, "invalid_request_error")


def test_api_keys_filter_by_status_and_workspace(
    sim: SimulatedAnthropic,
    client: httpx.Client,
) -> None:
    sim.add_key(SimKey(fake_key(4), status="inactive", workspace_id="wrkspc_01A"))
    url = "/v1/organizations/api_keys"
    inactive = client.get(url, params={"status": "inactive"}, headers=headers(ADMIN)).json()
    assert [k["workspace_id"] for k in inactive["data"]] == ["wrkspc_01A"]
    in_ws = client.get(url, params={"workspace_id": "wrkspc_01A"}, headers=headers(ADMIN)).json()
    assert len(in_ws["data"]) == 1
    bad = client.get(url, params={"status": "deleted"}, headers=headers(ADMIN))
    assert_error(bad, 400, "invalid_request_error")


def test_deactivating_a_key_makes_it_answer_401(
    sim: SimulatedAnthropic,
    client: httpx.Client,
) -> None:
    key_id = SimKey(KEY).id
    url = f"/v1/organizations/api_keys/{key_id}"
    assert client.post("/v1/messages", headers=headers(), json=PING).status_code == 200
    updated = client.post(url, headers=headers(ADMIN), json={"status": "inactive", "name": "old"})
    assert updated.json()["status"] == "inactive" and updated.json()["name"] == "old"
    assert_error(client.get("/v1/models", headers=headers()), 401, "authentication_error")
    assert_error(
        client.post("/v1/messages", headers=headers(), json=PING), 401, "authentication_error"
    )
    assert client.post(url, headers=headers(ADMIN), json={"status": "active"}).status_code == 200
    assert client.get("/v1/models", headers=headers()).status_code == 200


def test_archived_keys_cannot_be_reactivated(client: httpx.Client) -> None:
    url = f"/v1/organizations/api_keys/{SimKey(KEY).id}"
    assert client.post(url, headers=headers(ADMIN), json={"status": "archived"}).status_code == 200
    again = client.post(url, headers=headers(ADMIN), json={"status": "active"})
    assert_error(again, 400, "invalid_request_error")
    expired = client.post(url, headers=headers(ADMIN), json={"status": "expired"})
    assert_error(expired, 400, "invalid_request_error")
    assert client.get(url, headers=headers(ADMIN)).json()["status"] == "archived"
    assert_error(client.get("/v1/models", headers=headers()), 401, "authentication_error")


def test_message_success_shape(client: httpx.Client) -> None:
    body = client.post("/v1/messages", headers=headers(), json=PING).json()
    assert re.fullmatch(r"msg_01[0-9a-f]+", body["id"])
    assert body["type"] == "message" and body["role"] == "assistant"
    assert body["model"] == "claude-haiku-4-5"
    assert body["content"] == [{"type": "text", "text": "pong"}]
    assert body["stop_reason"] == "max_tokens" and body["stop_sequence"] is None
    assert body["usage"] == {
        "input_tokens": 8,
        "output_tokens": 1,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"model": None}, "model"),
        ({"max_tokens": None}, "max_tokens"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"messages": None}, "messages"),
        ({"messages": []}, "messages"),
    ],
)
def test_message_validation_names_the_field(
    client: httpx.Client,
    change: dict[str, Any],
    field: str,
) -> None:
    body = {**PING, **change}
    body = {k: v for k, v in body.items() if v is not None}
    error = assert_error(
        client.post("/v1/messages", headers=headers(), json=body), 400, "invalid_request_error"
    )
    assert error["error"]["message"].startswith(field)


def test_message_unknown_model_and_sampling_on_the_new_version(client: httpx.Client) -> None:
    unknown = client.post("/v1/messages", headers=headers(), json={**PING, "model": "claude-0"})
    assert_error(unknown, 404, "not_found_error")
    sampled = {**PING, "temperature": 0}
    new = client.post("/v1/messages", headers=headers(version=NEW_VERSION), json=sampled)
    assert "temperature" in assert_error(new, 400, "invalid_request_error")["error"]["message"]
    assert client.post("/v1/messages", headers=headers(), json=sampled).status_code == 200


def test_usage_report_grouped_by_key_shows_message_tokens(
    sim: SimulatedAnthropic,
    client: httpx.Client,
) -> None:
    other = sim.add_key(SimKey(fake_key(5), workspace_id="wrkspc_01B"))
    for _ in range(2):
        assert client.post("/v1/messages", headers=headers(), json=PING).status_code == 200
    sim.add_usage(other.id, dt.datetime.now(dt.UTC).date().isoformat(), 100, 10)
    today = dt.datetime.now(dt.UTC).replace(hour=5)
    params = {"starting_at": today.isoformat(), "group_by[]": "api_key_id"}
    url = "/v1/organizations/usage_report/messages"
    report = client.get(url, params=params, headers=headers(ADMIN)).json()
    assert report["has_more"] is False and report["next_page"] is None
    [bucket] = report["data"]
    assert bucket["starting_at"] == today.strftime("%Y-%m-%dT00:00:00Z")
    by_key = {r["api_key_id"]: r for r in bucket["results"]}
    mine = by_key[SimKey(KEY).id]
    assert (mine["uncached_input_tokens"], mine["output_tokens"]) == (16, 2)
    assert mine["cache_creation"] == {
        "ephemeral_1h_input_tokens": 0,
        "ephemeral_5m_input_tokens": 0,
    }
    assert mine["server_tool_use"] == {"web_search_requests": 0}
    assert (mine["model"], mine["service_tier"], mine["context_window"]) == (None, None, None)
    assert by_key[other.id]["uncached_input_tokens"] == 100
    total = client.get(url, params={"starting_at": today.isoformat()}, headers=headers(ADMIN))
    [row] = total.json()["data"][0]["results"]
    assert row["api_key_id"] is None
    assert (row["uncached_input_tokens"], row["output_tokens"]) == (116, 12)
    only = client.get(
        url,
        headers=headers(ADMIN),
        params={
            "starting_at": today.isoformat(),
            "group_by": "api_key_id",
            "api_key_ids[]": other.id,
        },
    )
    assert [r["api_key_id"] for r in only.json()["data"][0]["results"]] == [other.id]


def test_usage_report_pages_by_next_page(sim: SimulatedAnthropic, client: httpx.Client) -> None:
    key_id = SimKey(KEY).id
    for day in (1, 9):
        sim.add_usage(key_id, f"2026-03-{day:02d}", 5, 1)
    url = "/v1/organizations/usage_report/messages"
    params = {
        "starting_at": "2026-03-01T10:00:00Z",
        "ending_at": "2026-03-11T00:00:00Z",
        "group_by[]": "api_key_id",
    }
    first = client.get(url, params=params, headers=headers(ADMIN)).json()
    assert len(first["data"]) == 7 and first["has_more"] is True
    assert first["data"][0]["starting_at"] == "2026-03-01T00:00:00Z"
    assert first["data"][0]["results"][0]["uncached_input_tokens"] == 5
    assert first["data"][1]["results"] == []
    second = client.get(
        url, params={**params, "page": first["next_page"]}, headers=headers(ADMIN)
    ).json()
    assert [b["starting_at"][:10] for b in second["data"]] == [
        "2026-03-08",
        "2026-03-09",
        "2026-03-10",
    ]
    assert second["has_more"] is False and second["next_page"] is None
    assert second["data"][1]["results"][0]["api_key_id"] == key_id


def test_usage_report_requires_starting_at_and_checks_limit(client: httpx.Client) -> None:
    url = "/v1/organizations/usage_report/messages"
    assert_error(client.get(url, headers=headers(ADMIN)), 400, "invalid_request_error")
    too_many = {"starting_at": "2026-03-01T00:00:00Z", "limit": "32"}
    assert_error(
        client.get(url, params=too_many, headers=headers(ADMIN)), 400, "invalid_request_error"
    )


def test_fail_times_fails_first_then_succeeds(
    sim: SimulatedAnthropic,
    client: httpx.Client,
) -> None:
    key = sim.add_key(SimKey(fake_key(6), behavior=Behavior.OVERLOADED, fail_times=2))
    codes = [client.get("/v1/models", headers=headers(key.value)).status_code for _ in range(4)]
    assert codes == [529, 529, 200, 200]
    assert sim.attempts(key.value) == 4


def test_latency_overlaps_across_concurrent_requests(
    sim: SimulatedAnthropic,
    client: httpx.Client,
) -> None:
    sim.latency = 0.2
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=10) as pool:
        codes = list(
            pool.map(lambda _: client.get("/v1/models", headers=headers()).status_code, range(10))
        )
    elapsed = time.perf_counter() - started
    assert codes == [200] * 10
    assert 0.2 <= elapsed < 1.0


def test_request_log_keeps_hints_never_values(
    sim: SimulatedAnthropic,
    client: httpx.Client,
) -> None:
    client.get("/v1/models", params={"limit": "1"}, headers=headers())
    client.post("/v1/messages", headers=headers(), json=PING)
    client.get("/v1/organizations/api_keys", headers=headers(ADMIN))
    client.get("/v1/models", headers=headers(key=None))
    log = sim.requests()
    assert [(r.method, r.path) for r in log] == [
        ("GET", "/v1/models"),
        ("POST", "/v1/messages"),
        ("GET", "/v1/organizations/api_keys"),
        ("GET", "/v1/models"),
    ]
    assert log[0].key_hint == f"{KEY[:16]}…{KEY[-4:]}" and log[0].query == {"limit": ["1"]}
    assert log[0].api_version == VERSION and log[0].json is None
    assert log[1].json == PING
    assert log[3].key_hint == "" and log[3].auth_scheme == "none"
    text = repr(log) + repr(sim.key_by_id(SimKey(KEY).id))
    assert KEY not in text and ADMIN not in text
    assert sim.attempts(KEY) == 2 and sim.attempts(ADMIN) == 1


def test_server_writes_nothing_to_the_console(
    client: httpx.Client,
    capfd: pytest.CaptureFixture[str],
) -> None:
    client.get("/v1/models", headers=headers())
    client.get("/v1/nothing", headers=headers(fake_key(7)))
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""
