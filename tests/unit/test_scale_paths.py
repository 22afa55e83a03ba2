"""What an organisation's inventory needs beyond correctness: few connections, no needless work.

Each test names the cost it guards (make bench, figure 8); none of them times anything.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rotui.config import parse_config
from rotui.core.anthropic import AnthropicClient
from rotui.core.http_lanes import LaneClient, LaneTransport
from rotui.core.inventory import fetch_inventory
from rotui.core.model import ValidationResult, ValidationStatus
from rotui.core.secret import MemoryKeyring, Secret, SecretStore
from rotui.core.secret import store as secret_module
from rotui.core.validation import ValidationRun
from rotui.demo import fake_key
from rotui.paths import Paths
from rotui.services import Services
from rotui.sim.anthropic import SimKey, SimulatedAnthropic, SimWorkspace

ADMIN = fake_key("scale-admin", "sk-ant-admin01-")
COUNT = 90
CONCURRENCY = 30


def _values() -> dict[str, str]:
    return {f"SCALE_KEY_{i:03d}": fake_key(f"scale-{i}") for i in range(COUNT)}


@pytest.fixture
def sim() -> Iterator[SimulatedAnthropic]:
    with SimulatedAnthropic(latency=0.02, admin_keys=[ADMIN]) as server:
        for name, value in _values().items():
            server.add_key(SimKey(value, name=name.lower()))
        yield server


def _services(tmp_path: Path, base_url: str) -> Services:
    lines = [f"[settings]\nmax_concurrency = {CONCURRENCY}\n"]
    for name in _values():
        lines.append(f'[[keys]]\nname = "{name}"\nsource = "env:{name}"\nbase_url = "{base_url}"\n')
    config = parse_config("".join(lines), "scale.toml")
    return Services(
        config=config,
        paths=Paths.under(tmp_path),
        store=SecretStore(MemoryKeyring(), environ=_values()),
        environ=_values(),
    )


def test_validating_many_keys_goes_through_lanes_and_keeps_its_connections(
    tmp_path: Path, sim: SimulatedAnthropic
) -> None:
    """At max_concurrency 30, three waves of 30 keys open about 30 connections, not 90.

    The requests go through lanes (small pools): httpcore's one pool re-examined every
    connection it held twice per request, over half of validate's CPU at 10,000 keys.
    """
    services = _services(tmp_path, sim.base_url)
    http, _ = services.client()
    assert isinstance(http._transport, LaneTransport)
    asyncio.run(http.aclose())
    run = asyncio.run(services.validate())
    assert len(run.results) == COUNT and run.all_valid
    assert sim.connections <= CONCURRENCY + 5, sim.connections


def test_a_lane_is_reused_after_its_answer_is_read(sim: SimulatedAnthropic) -> None:
    """One request after another goes through one lane and one connection."""

    async def go() -> int:
        transport = LaneTransport(8)
        async with httpx.AsyncClient(transport=transport) as http:
            for _ in range(5):
                response = await http.get(sim.base_url + "/v1/models")
                assert response.status_code == 400  # no version header: answered all the same
            return len(transport._lanes)

    assert asyncio.run(go()) == 1
    assert sim.connections == 1


def test_a_failed_request_gives_its_lane_back() -> None:
    """A refused connection frees the lane: the next request takes it, not a new one."""

    async def go() -> tuple[int, list[int]]:
        transport = LaneTransport(8)
        async with httpx.AsyncClient(transport=transport) as http:
            for _ in range(3):
                with pytest.raises(httpx.ConnectError):
                    await http.get("http://127.0.0.1:9/")
            return len(transport._lanes), list(transport._free)

    assert asyncio.run(go()) == (1, [0])


def test_the_lane_client_still_reads_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx ignores the proxy variables when a transport is passed: lanes must not be passed."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    client = LaneClient(trust_env=True)
    assert isinstance(client._transport, LaneTransport)
    assert any(transport is not None for transport in client._mounts.values())
    asyncio.run(client.aclose())


def test_an_env_source_is_read_without_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading $VAR is a dictionary look-up: 10,000 keys started 10,000 threads for it."""

    async def no_thread(*_: object) -> None:
        raise AssertionError("env: read through a thread")

    monkeypatch.setattr(secret_module, "_off_loop", no_thread)
    store = SecretStore(MemoryKeyring(), environ={"K": fake_key("env-no-thread")})
    found = asyncio.run(store.aread("env:K", "K"))
    assert isinstance(found, Secret) and found.reveal() == fake_key("env-no-thread")


def test_a_validation_run_repr_leaves_out_its_results() -> None:
    """asyncio.run formats the finished task's result; 10,000 results made a 32 MB string."""
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    results = [
        ValidationResult(key=f"K{i}", status=ValidationStatus.VALID, checked_at=now)
        for i in range(1000)
    ]
    assert len(repr(ValidationRun(results=results))) < 300


def test_the_admin_key_list_is_newest_first_after_more_keys_arrive() -> None:
    """The simulator keeps the list's order between pages, and a key added later is seen."""
    with SimulatedAnthropic(admin_keys=[ADMIN]) as server:
        server.add_key(SimKey(fake_key("old"), name="old", created_at="2026-01-01T00:00:00Z"))
        headers = {"x-api-key": ADMIN, "anthropic-version": "2023-06-01"}
        url = server.base_url + "/v1/organizations/api_keys"
        first = httpx.get(url, headers=headers).json()["data"]
        server.add_key(SimKey(fake_key("new"), name="new", created_at="2026-02-01T00:00:00Z"))
        second = httpx.get(url, headers=headers).json()["data"]
    assert [k["name"] for k in first] == ["old"]
    assert [k["name"] for k in second] == ["new", "old"]


def test_import_lists_keys_while_it_lists_workspaces() -> None:
    """The workspace lists do not hold back the key pages (two round trips fewer)."""
    workspace = SimWorkspace("wrkspc_01ScaleTeam000000000000", "team")
    with SimulatedAnthropic(latency=0.05, admin_keys=[ADMIN], workspaces=[workspace]) as server:
        server.add_key(SimKey(fake_key("imported"), name="imported"))

        async def go() -> None:
            async with httpx.AsyncClient() as http:
                client = AnthropicClient(http, admin_base_url=server.base_url)
                keys, directory = await fetch_inventory(client, Secret(ADMIN))
                assert [k.name for k in keys] == ["imported"] and directory.by_name

        asyncio.run(go())
        paths = [r.path for r in server.requests()]
    assert paths[:2].count("/v1/organizations/api_keys") == 1, paths
