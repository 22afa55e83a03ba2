"""Issue 12, Infisical and Heroku: approvals, write-only tokens, wrong folders, 406.

The doubles follow Infisical/infisical's v3 raw-secrets router and Heroku's Platform API Reference
(see the docstrings of ``rotui/sim/infisical.py`` and ``rotui/sim/heroku.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from rotui.core.consumers.heroku import HerokuConsumer
from rotui.core.consumers.infisical import InfisicalConsumer
from rotui.core.errors import AwaitingApproval, RotuiError
from rotui.core.secret import Secret
from rotui.sim.heroku import HerokuSim
from rotui.sim.infisical import InfisicalSim
from tests.unit.test_consumers import NEW, OLD, VAR, context, heroku_spec, infisical_spec


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def infisical() -> Iterator[InfisicalSim]:
    with InfisicalSim(tokens=("itok",)) as sim:
        yield sim
    assert NEW not in repr(sim.requests()) and NEW not in repr(sim.approvals())


async def test_a_write_under_an_approval_policy_is_waiting_not_written_nor_failed(
    infisical: InfisicalSim, http: httpx.AsyncClient
) -> None:
    infisical.put("proj", "prod", "/", VAR, OLD)
    infisical.require_approval("proj", "prod", "/")
    adapter = InfisicalConsumer(infisical_spec(infisical))
    with pytest.raises(AwaitingApproval) as caught:
        await adapter.write(Secret(NEW), context(http))
    assert isinstance(caught.value, RotuiError)  # an engine that knows no better stops there
    assert caught.value.title.startswith("waiting for approval")
    assert "resume" in caught.value.message and NEW not in str(caught.value)
    assert infisical.value("proj", "prod", "/", VAR) == OLD  # nothing changed
    assert infisical.writes() == 0 and len(infisical.approvals()) == 1
    assert [m for m, _ in infisical.requests()] == ["PATCH"]  # no read-back of an unchanged value


async def test_a_write_only_token_writes_and_says_read_back_is_not_permitted(
    http: httpx.AsyncClient,
) -> None:
    with InfisicalSim(tokens=(), write_only_tokens=("itok",)) as sim:
        sim.put("proj", "prod", "/", VAR, OLD)
        adapter = InfisicalConsumer(infisical_spec(sim))
        assert await adapter.preflight(context(http)) == []  # it may write: ready
        outcome = await adapter.write(Secret(NEW), context(http))
        assert sim.value("proj", "prod", "/", VAR) == NEW
    assert outcome.matches is None  # not compared, and not a failure
    assert "written; read-back not permitted" in outcome.detail
    assert "write access" not in outcome.detail


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"environment": "production"}, "no environment “production” or path “/”"),
        ({"path": "/apps/api"}, "or path “/apps/api”"),
    ],
)
async def test_preflight_catches_a_wrong_environment_or_path(
    infisical: InfisicalSim, http: httpx.AsyncClient, fields: dict[str, str], says: str
) -> None:
    adapter = InfisicalConsumer(infisical_spec(infisical, **fields))
    problems = await adapter.preflight(context(http))
    assert len(problems) == 1 and says in problems[0]
    infisical.add_folder("proj", fields.get("environment", "prod"), fields.get("path", "/"))
    assert await adapter.preflight(context(http)) == []  # a missing secret is created later
    assert infisical.writes() == 0


async def test_a_write_to_a_missing_folder_is_not_created_silently(
    infisical: InfisicalSim, http: httpx.AsyncClient
) -> None:
    adapter = InfisicalConsumer(infisical_spec(infisical, path="/nowhere"))
    with pytest.raises(RotuiError):
        await adapter.write(Secret(NEW), context(http))
    assert infisical.value("proj", "prod", "/nowhere", VAR) is None


async def test_heroku_answers_406_to_a_wrong_accept_and_rotui_names_it() -> None:
    with HerokuSim(tokens=("tok",), apps={"raxx-api-prod": {VAR: OLD}}) as sim:

        async def proxy_rewrites_accept(request: httpx.Request) -> None:
            request.headers["Accept"] = "application/json"

        async with httpx.AsyncClient(event_hooks={"request": [proxy_rewrites_accept]}) as http:
            adapter = HerokuConsumer(heroku_spec(sim))
            problems = await adapter.preflight(context(http))
            with pytest.raises(RotuiError) as caught:
                await adapter.write(Secret(NEW), context(http))
        assert sim.config_vars("raxx-api-prod")[VAR] == OLD
    assert caught.value.title == "Heroku refused the Accept header (406)"
    assert "Accept: application/vnd.heroku+json; version=3" in caught.value.message
    assert problems and "406" in problems[0]
