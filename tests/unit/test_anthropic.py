"""The Anthropic client against the simulated API over real HTTP on loopback."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from rotui.core.anthropic import AnthropicClient, match_remote, parse_retry_after
from rotui.core.errors import ProviderError
from rotui.core.model import ValidationMode
from rotui.core.model import ValidationStatus as S
from rotui.core.secret import Secret
from rotui.demo import fake_key
from rotui.sim.anthropic import Behavior, SimKey, SimulatedAnthropic

ADMIN = fake_key("admin", "sk-ant-admin01-")
NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def sim() -> Iterator[SimulatedAnthropic]:
    with SimulatedAnthropic(admin_keys=[ADMIN]) as server:
        yield server


class Sleeps:
    """Records the waits the client asks for instead of sleeping them."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def client(sleeps: Sleeps, sim: SimulatedAnthropic) -> AsyncIterator[AnthropicClient]:
    async with httpx.AsyncClient() as http:
        yield AnthropicClient(
            http,
            clock=lambda: NOW,
            sleep=sleeps,
            jitter=lambda: 1.0,
            timeout=2.0,
            admin_base_url=sim.base_url,
        )


def add(sim: SimulatedAnthropic, seed: str, behavior: Behavior = Behavior.VALID, **kw) -> Secret:
    value = fake_key(seed)
    sim.add_key(SimKey(value=value, behavior=behavior, **kw))
    return Secret(value)


async def test_valid_key_carries_the_response_details(sim, client) -> None:
    secret = add(sim, "ok", organization_id="org-1", workspace_id="wrkspc_1")
    result = await client.validate("K", secret, base_url=sim.base_url)
    assert result.status is S.VALID and result.http_status == 200
    assert result.organization_id == "org-1" and result.workspace_id == "wrkspc_1"
    assert result.request_id and result.request_id.startswith("req_")
    assert "anthropic-ratelimit-requests-limit" in result.ratelimits
    assert result.hint == secret.hint and result.attempts == 1
    assert result.latency_ms is not None and result.checked_at == NOW
    [request] = sim.requests()
    assert (request.method, request.path) == ("GET", "/v1/models")
    assert request.auth_scheme == "x-api-key" and request.api_version == "2023-06-01"


@pytest.mark.parametrize(
    ("behavior", "status", "http", "error_type"),
    [
        (Behavior.INVALID, S.INVALID, 401, "authentication_error"),
        (Behavior.FORBIDDEN, S.FORBIDDEN, 403, "permission_error"),
        (Behavior.BILLING, S.NO_CREDIT, 402, "billing_error"),
        (Behavior.NO_CREDIT, S.NO_CREDIT, 400, "invalid_request_error"),
        (Behavior.SPEND_CAP, S.SPEND_LIMIT, 429, "rate_limit_error"),  # its code says so
        (Behavior.SPEND_LIMIT, S.SPEND_LIMIT, 400, "invalid_request_error"),  # the customer's
        # 400s whose code says more (SDK _error_classes.py): a dead key, an org on hold
        (Behavior.CREATOR_LEFT, S.INVALID, 400, "invalid_request_error"),
        (Behavior.ON_HOLD, S.FORBIDDEN, 400, "invalid_request_error"),
        (Behavior.OVERLOADED, S.OVERLOADED, 529, "overloaded_error"),
        (Behavior.SERVER_ERROR, S.SERVER_ERROR, 500, "api_error"),
        (Behavior.BAD_RESPONSE, S.SERVER_ERROR, 502, None),
        (Behavior.MALFORMED_JSON, S.BAD_RESPONSE, 200, None),
    ],
)
async def test_each_outcome_is_mapped(sim, client, behavior, status, http, error_type) -> None:
    secret = add(sim, f"k-{behavior}", behavior)
    result = await client.validate("K", secret, base_url=sim.base_url)
    assert (result.status, result.http_status, result.error_type) == (status, http, error_type)
    assert result.message
    assert secret.reveal() not in result.message


async def test_an_organization_on_hold_names_where_to_appeal(sim, client) -> None:
    secret = add(sim, "hold", Behavior.ON_HOLD)
    result = await client.validate("K", secret, base_url=sim.base_url)
    assert result.error_code == "organization_on_hold"
    assert "appeal: https://" in result.message


async def test_html_from_a_proxy_is_named_as_such(sim, client) -> None:
    secret = add(sim, "html", Behavior.BAD_RESPONSE)
    result = await client.validate("K", secret, base_url=sim.base_url)
    assert "proxy" in result.message and "text/html" in result.message


async def test_unknown_key_is_invalid_and_never_retried(sim, client, sleeps) -> None:
    secret = Secret(fake_key("never-created"))
    result = await client.validate("K", secret, base_url=sim.base_url)
    assert result.status is S.INVALID and result.attempts == 1 and sleeps.waits == []


@pytest.mark.parametrize(
    "behavior", [Behavior.INVALID, Behavior.FORBIDDEN, Behavior.BILLING, Behavior.NO_CREDIT]
)
async def test_client_errors_are_not_retried(sim, client, sleeps, behavior) -> None:
    secret = add(sim, f"nr-{behavior}", behavior)
    result = await client.validate("K", secret, base_url=sim.base_url)
    assert result.attempts == 1 and sim.attempts(secret.reveal()) == 1 and sleeps.waits == []


async def test_429_with_retry_after_is_retried_after_waiting(sim, client, sleeps) -> None:
    secret = add(sim, "rl", Behavior.RATE_LIMITED, retry_after="7", fail_times=1)
    result = await client.validate("K", secret, base_url=sim.base_url)
    assert result.status is S.VALID and result.attempts == 2
    assert sleeps.waits == [7.0]


async def test_429_retries_at_most_twice(sim, client, sleeps) -> None:
    secret = add(sim, "rl2", Behavior.RATE_LIMITED, retry_after="3")
    result = await client.validate("K", secret, base_url=sim.base_url)
    assert result.status is S.RATE_LIMITED and result.attempts == 3
    assert result.retry_after == 3.0 and sleeps.waits == [3.0, 3.0]
    assert sim.attempts(secret.reveal()) == 3


async def test_429_with_a_long_retry_after_is_not_waited_for(sim, client, sleeps) -> None:
    secret = add(sim, "rl3", Behavior.RATE_LIMITED, retry_after="120")
    result = await client.validate("K", secret, base_url=sim.base_url)
    assert result.status is S.RATE_LIMITED and result.attempts == 1 and sleeps.waits == []
    assert result.retry_after == 120.0


async def test_429_without_retry_after_is_a_spend_cap_and_not_retried(sim, client, sleeps) -> None:
    secret = add(sim, "cap", Behavior.SPEND_CAP)
    result = await client.validate("K", secret, base_url=sim.base_url)
    # SDK 2.14.0 types/shared/enforced_spend_limit_reached_error.py: a 429 with this code
    assert result.status is S.SPEND_LIMIT and result.retry_after is None
    assert result.error_code == "enforced_spend_limit_reached"
    assert result.attempts == 1 and sleeps.waits == []


@pytest.mark.parametrize("behavior", [Behavior.OVERLOADED, Behavior.SERVER_ERROR])
async def test_5xx_and_529_back_off_exponentially(sim, client, sleeps, behavior) -> None:
    secret = add(sim, f"b-{behavior}", behavior)
    result = await client.validate("K", secret, base_url=sim.base_url)
    assert result.attempts == 3 and sleeps.waits == [0.5, 1.0]


async def test_transient_overload_recovers(sim, client, sleeps) -> None:
    secret = add(sim, "flaky", Behavior.OVERLOADED, fail_times=2)
    result = await client.validate("K", secret, base_url=sim.base_url)
    assert result.status is S.VALID and result.attempts == 3


async def test_ping_mode_sends_a_one_token_message(sim, client) -> None:
    secret = add(sim, "ping")
    result = await client.validate(
        "K", secret, base_url=sim.base_url, mode=ValidationMode.PING, ping_model="claude-haiku-4-5"
    )
    assert result.status is S.VALID and result.mode is ValidationMode.PING
    [request] = sim.requests()
    assert (request.method, request.path) == ("POST", "/v1/messages")
    assert request.json["max_tokens"] == 1 and request.json["model"] == "claude-haiku-4-5"
    assert not {"temperature", "top_p", "top_k"} & set(request.json)


async def test_newer_api_version_works_with_x_api_key(sim, sleeps) -> None:
    secret = add(sim, "v2")
    async with httpx.AsyncClient() as http:
        client = AnthropicClient(http, api_version="2026-10-21", sleep=sleeps)
        result = await client.validate("K", secret, base_url=sim.base_url, mode=ValidationMode.PING)
    assert result.status is S.VALID
    assert sim.requests()[0].api_version == "2026-10-21"


async def test_no_secret(client) -> None:
    result = await client.validate("K", None, base_url="http://127.0.0.1:9")
    assert result.status is S.NO_SECRET and result.attempts == 0


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_connection_refused_is_a_network_error(client, sleeps) -> None:
    result = await client.validate(
        "K", Secret(fake_key("x")), base_url=f"http://127.0.0.1:{_closed_port()}"
    )
    assert result.status is S.NETWORK_ERROR and result.error_type == "connect"
    assert "refused" in result.message and result.attempts == 3


async def test_timeout_is_a_network_error(sim, sleeps) -> None:
    secret = add(sim, "slow")
    sim.latency = 1.0
    async with httpx.AsyncClient() as http:
        client = AnthropicClient(http, timeout=0.2, sleep=sleeps, max_retries=0)
        result = await client.validate("K", secret, base_url=sim.base_url)
    assert result.status is S.NETWORK_ERROR and result.error_type == "timeout"
    assert "0.2 s" in result.message


async def test_connection_reset_mid_body_is_a_network_error(sim, client) -> None:
    secret = add(sim, "reset", Behavior.RESET)
    result = await client.validate("K", secret, base_url=sim.base_url)
    assert result.status is S.NETWORK_ERROR and result.error_type == "reset"


async def test_dns_failure_is_named_and_not_retried(sleeps) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(fail)) as http:
        client = AnthropicClient(http, sleep=sleeps)
        result = await client.validate(
            "K", Secret(fake_key("x")), base_url="https://api.anthropic.invalid"
        )
    assert result.status is S.NETWORK_ERROR and result.error_type == "dns"
    assert "DNS" in result.message and result.attempts == 1


async def test_concurrency_is_bounded_per_api(sim, sleeps) -> None:
    import asyncio

    secrets = [add(sim, f"c{i}") for i in range(12)]
    sim.latency = 0.05
    in_flight = peak = 0

    class Counting(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request):
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                return await super().handle_async_request(request)
            finally:
                in_flight -= 1

    async with httpx.AsyncClient(transport=Counting()) as http:
        client = AnthropicClient(http, max_concurrency=3, sleep=sleeps)
        results = await asyncio.gather(
            *(client.validate(f"K{i}", s, base_url=sim.base_url) for i, s in enumerate(secrets))
        )
    assert all(r.status is S.VALID for r in results)
    assert peak == 3


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after({"retry-after": "2"}) == 2.0
    assert parse_retry_after({"retry-after": "1.5"}) == 1.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({"retry-after": "Thu, 26 Nov 2026 12:00:30 GMT"}, NOW) == 30.0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


async def test_admin_lists_every_page_and_matches_local_keys(sim, client) -> None:
    secrets = [
        add(sim, f"a{i}", name=f"key-{i}", created_at=f"2026-0{i + 1}-01T00:00:00Z")
        for i in range(5)
    ]
    remote = await client.list_api_keys(Secret(ADMIN))
    assert len(remote) == 5 and len({r.id for r in remote}) == 5
    record = match_remote(secrets[2], remote)
    assert record is not None and record.name == "key-2"
    assert record.created_at == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert match_remote(Secret(fake_key("elsewhere")), remote) is None


async def test_admin_pages_are_followed(sim, client, monkeypatch) -> None:
    for i in range(7):
        add(sim, f"p{i}")
    from rotui.core import anthropic

    original = anthropic.AnthropicClient._admin

    async def small_pages(self, method, path, admin, **kwargs):
        params = kwargs.get("params")
        if params and "limit" in params and path.endswith("api_keys"):
            kwargs["params"] = {**params, "limit": 2}
        return await original(self, method, path, admin, **kwargs)

    monkeypatch.setattr(anthropic.AnthropicClient, "_admin", small_pages)
    remote = await client.list_api_keys(Secret(ADMIN))
    assert len({r.id for r in remote}) == 7
    assert sum(1 for r in sim.requests() if r.path == "/v1/organizations/api_keys") == 4


async def test_admin_status_update_deactivates_a_key(sim, client) -> None:
    secret = add(sim, "deact")
    [record] = await client.list_api_keys(Secret(ADMIN))
    updated = await client.set_api_key_status(Secret(ADMIN), record.id, "inactive")
    assert updated.status == "inactive"
    assert (await client.get_api_key(Secret(ADMIN), record.id)).status == "inactive"
    result = await client.validate("K", secret, base_url=sim.base_url)
    assert result.status is S.INVALID


async def test_admin_errors_are_clear(sim, client) -> None:
    with pytest.raises(ProviderError, match="Admin API key was refused"):
        await client.list_api_keys(Secret(fake_key("not-admin", "sk-ant-admin01-")))


async def test_daily_usage_per_key(sim, client) -> None:
    add(sim, "u1")
    add(sim, "u2")
    remote = {r.partial_key_hint: r for r in await client.list_api_keys(Secret(ADMIN))}
    id1 = remote[Secret(fake_key("u1")).partial_key_hint].id
    id2 = remote[Secret(fake_key("u2")).partial_key_hint].id
    sim.add_usage(id1, "2026-11-24", 100, 20)
    sim.add_usage(id1, "2026-11-25", 1000, 5)
    sim.add_usage(id2, "2026-11-25", 7, 3)
    usage = await client.daily_usage(
        Secret(ADMIN),
        dt.datetime(2026, 11, 19, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 26, tzinfo=dt.UTC),
    )
    assert usage[id1] == {dt.date(2026, 11, 24): 120, dt.date(2026, 11, 25): 1005}
    assert usage[id2] == {dt.date(2026, 11, 25): 10}


def _mock(handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def _error(status: int, kind: str, **headers: str) -> httpx.Response:
    body = {"type": "error", "error": {"type": kind, "message": "m"}}
    return httpx.Response(status, json=body, headers=headers)


async def test_x_should_retry_never_overrides_a_client_error(sleeps) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return _error(401, "authentication_error", **{"x-should-retry": "true"})

    async with _mock(handler) as http:
        result = await AnthropicClient(http, sleep=sleeps).validate(
            "K", Secret(fake_key("x")), base_url="http://sim"
        )
    assert result.status is S.INVALID and len(calls) == 1 and sleeps.waits == []


async def test_x_should_retry_false_stops_a_5xx_retry(sleeps) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return _error(500, "api_error", **{"x-should-retry": "false"})

    async with _mock(handler) as http:
        result = await AnthropicClient(http, sleep=sleeps).validate(
            "K", Secret(fake_key("x")), base_url="http://sim"
        )
    assert result.status is S.SERVER_ERROR and len(calls) == 1


async def test_retry_after_ms_and_http_date_are_honoured(sleeps) -> None:
    answers = [
        _error(429, "rate_limit_error", **{"retry-after-ms": "1500", "retry-after": "9"}),
        _error(529, "overloaded_error", **{"retry-after": "Thu, 26 Nov 2026 12:00:04 GMT"}),
        httpx.Response(200, json={"data": [], "has_more": False}),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    async with _mock(handler) as http:
        client = AnthropicClient(http, sleep=sleeps, clock=lambda: NOW)
        result = await client.validate("K", Secret(fake_key("x")), base_url="http://sim")
    assert result.status is S.VALID and result.attempts == 3
    assert sleeps.waits == [1.5, 4.0]


async def test_a_header_breaking_value_is_never_echoed(sim, sleeps) -> None:
    async with httpx.AsyncClient() as http:
        client = AnthropicClient(http, sleep=sleeps)
        result = await client.validate(
            "K", Secret("sk-ant-api03-abc\nTOTP-SEED-123"), base_url=sim.base_url
        )
    assert result.status is S.NETWORK_ERROR and result.error_type == "local"
    assert "TOTP" not in result.message and result.attempts == 1


async def test_usage_report_pages_are_followed(sim, client) -> None:
    add(sim, "long")
    [record] = await client.list_api_keys(Secret(ADMIN))
    sim.add_usage(record.id, "2026-09-20", 10, 1)
    sim.add_usage(record.id, "2026-11-01", 20, 2)
    usage = await client.daily_usage(
        Secret(ADMIN),
        dt.datetime(2026, 9, 15, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 26, tzinfo=dt.UTC),
    )
    assert usage[record.id] == {dt.date(2026, 9, 20): 11, dt.date(2026, 11, 1): 22}
    assert sum(1 for r in sim.requests() if r.path.endswith("usage_report/messages")) >= 3


async def test_the_raw_probe_goes_once_without_a_key_or_with_it_as_bearer(
    sim, client, sleeps
) -> None:
    """probe_models: what troubleshooting asks instead of sending its own requests."""
    anonymous = await client.probe_models(sim.base_url)
    assert (anonymous.status, anonymous.http_status) == (S.INVALID, 401)
    assert anonymous.headers.get("date")  # the clock check reads it
    secret = add(sim, "bearer")
    bearer = await client.probe_models(sim.base_url, bearer=secret)
    assert (bearer.status, bearer.http_status) == (S.VALID, 200)
    seen = [(r.path, r.query, r.auth_scheme) for r in sim.requests()]
    assert seen[-1] == ("/v1/models", {"limit": ["1"]}, "bearer")
    assert len(seen) == 2 and sleeps.waits == []
    assert "sk-ant" not in repr(bearer) + repr(seen)


async def test_the_raw_probe_names_a_network_failure(client) -> None:
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    down = await client.probe_models(f"http://127.0.0.1:{port}")
    assert down.status is S.NETWORK_ERROR and down.http_status is None
    assert down.error_type and down.message


def _scripted(*answers: httpx.Response) -> tuple[httpx.AsyncClient, list[httpx.Request]]:
    """An httpx client whose transport answers ``answers`` in order and records the requests."""
    seen: list[httpx.Request] = []
    queue = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return httpx.AsyncClient(transport=httpx.MockTransport(answer)), seen


MODELS_PAGE = httpx.Response(200, json={"data": [], "has_more": False})


@pytest.mark.parametrize(
    ("first", "waits"),
    [
        # x-should-retry: true is obeyed before the status rules (SDK _base_client.py
        # _should_retry): a 429 without retry-after is then transient, not a spend cap
        (_error(429, "rate_limit_error", **{"x-should-retry": "true"}), [0.5]),
        # retry-after: 0 is "now": the SDK honours only a positive value, else backs off
        # (_calculate_retry_timeout); a 429 that says "now" is retried, not taken for a cap
        (_error(429, "rate_limit_error", **{"retry-after": "0"}), [0.5]),
        (_error(529, "overloaded_error", **{"retry-after": "0"}), [0.5]),
    ],
)
async def test_retries_follow_the_sdk(sleeps, first, waits) -> None:
    http, seen = _scripted(first, MODELS_PAGE)
    async with http:
        client = AnthropicClient(http, clock=lambda: NOW, sleep=sleeps, jitter=lambda: 1.0)
        result = await client.validate("K", Secret(fake_key("retry")))
    assert result.status is S.VALID and len(seen) == 2 and sleeps.waits == waits
