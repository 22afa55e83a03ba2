"""Issue 12, Infisical and Heroku: approvals, write-only tokens, wrong folders, 406, refusals.

The doubles follow Infisical/infisical's v3 raw-secrets router, its auth plugins and error
handler, and Heroku's Platform API Reference and schema.json (see the docstrings of
``rotui/sim/infisical.py`` and ``rotui/sim/heroku.py``, which cite each shape).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from rotui.core.consumers.heroku import HerokuConsumer
from rotui.core.consumers.infisical import InfisicalConsumer
from rotui.core.errors import AwaitingApproval, ConfigError, RotuiError
from rotui.core.secret import Secret
from rotui.sim.heroku import HerokuSim
from rotui.sim.infisical import InfisicalSim
from tests.unit.test_consumers import NEW, OLD, VAR, context, heroku_spec, infisical_spec


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def heroku_sim() -> Iterator[HerokuSim]:
    with HerokuSim(tokens=("tok",), apps={"raxx-api-prod": {VAR: OLD}}) as sim:
        yield sim


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
    with pytest.raises(RotuiError) as caught:
        await adapter.write(Secret(NEW), context(http))
    assert infisical.value("proj", "prod", "/nowhere", VAR) is None
    # the 404 said "Folder with path …": no POST that cannot succeed, and the path is named
    assert [m for m, _ in infisical.requests()] == ["PATCH"]
    assert "path “/nowhere”" in caught.value.title


@pytest.mark.parametrize("kind", ["expired", "malformed"])
async def test_an_expired_or_malformed_infisical_token_is_named_not_called_a_permission(
    http: httpx.AsyncClient, kind: str
) -> None:
    # Infisical answers a token jwt.verify rejects with 403 TokenError, not 401
    # (plugins/auth/inject-identity.ts, plugins/error-handler.ts).
    with InfisicalSim(
        tokens=("good",), expired_tokens=("itok",) if kind == "expired" else ()
    ) as sim:
        sim.put("proj", "prod", "/", VAR, OLD)
        adapter = InfisicalConsumer(infisical_spec(sim))
        problems = await adapter.preflight(context(http))
        with pytest.raises(RotuiError) as caught:
            await adapter.write(Secret(NEW), context(http))
        assert sim.value("proj", "prod", "/", VAR) == OLD
    assert caught.value.title == "Infisical token refused"
    assert "INFISICAL_TOKEN" in caught.value.message
    said = "has expired" if kind == "expired" else "malformed"
    assert said in caught.value.message
    assert (
        len(problems) == 1 and "token refused" in problems[0] and "write access" not in problems[0]
    )


async def test_a_masked_read_back_is_not_a_mismatch() -> None:
    # reshapeBridgeSecret masks a value the token may not read: secretValue
    # "<hidden-by-infisical>" with secretValueHidden true (secret-v2-bridge-fns.ts).
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            return httpx.Response(200, json={"secret": {"secretKey": VAR, "version": 2}})
        hidden = {
            "secretKey": VAR,
            "secretValue": "<hidden-by-infisical>",
            "secretValueHidden": True,
        }
        return httpx.Response(200, json={"secret": hidden})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        adapter = InfisicalConsumer(infisical_spec(None, api_url="http://infisical.invalid"))
        outcome = await adapter.write(Secret(NEW), context(client))
        holds = await adapter.holds(Secret(NEW), context(client))
    assert outcome.matches is None and "read-back not permitted" in outcome.detail
    assert holds is None


async def test_heroku_errors_carry_what_heroku_said(
    heroku_sim: HerokuSim, http: httpx.AsyncClient
) -> None:
    adapter = HerokuConsumer(heroku_spec(heroku_sim))
    with pytest.raises(RotuiError) as caught:
        await adapter.write(Secret(NEW), context(http, HEROKU_API_KEY="revoked"))
    # {"id": "unauthorized", "message": "Invalid credentials provided."} (Platform API "Errors")
    assert caught.value.title == "Heroku token refused"
    assert "Invalid credentials provided." in caught.value.message
    problems = await adapter.preflight(context(http, HEROKU_API_KEY="revoked"))
    assert "Invalid credentials provided." in problems[0]


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


CLIENTS = {"INFISICAL_CLIENT_ID": "ci-1", "INFISICAL_CLIENT_SECRET": "cs-1"}


def universal_spec(sim: InfisicalSim) -> Any:
    return infisical_spec(
        sim, client_id="env:INFISICAL_CLIENT_ID", client_secret="env:INFISICAL_CLIENT_SECRET"
    )


async def test_universal_auth_logs_in_once_and_writes_with_the_token_it_got(
    http: httpx.AsyncClient,
) -> None:
    # POST /api/v1/auth/universal-auth/login (identity-universal-auth-router.ts); the static
    # INFISICAL_TOKEN ("itok") is not accepted by this server, only the token the login gives.
    with InfisicalSim(tokens=(), clients={"ci-1": "cs-1"}) as sim:
        sim.put("proj", "prod", "/", VAR, OLD)
        adapter = InfisicalConsumer(universal_spec(sim))
        assert await adapter.preflight(context(http, **CLIENTS)) == []
        outcome = await adapter.write(Secret(NEW), context(http, **CLIENTS))
        assert outcome.matches is True and sim.value("proj", "prod", "/", VAR) == NEW
        assert sim.logins() == 1  # one login serves the preflight, the write and the read-back
        assert "cs-1" not in repr(adapter.login) and "ua-token" not in repr(adapter.login)


async def test_universal_auth_logs_in_again_when_the_token_expires(
    http: httpx.AsyncClient,
) -> None:
    with InfisicalSim(tokens=(), clients={"ci-1": "cs-1"}, token_ttl=7200) as sim:
        sim.put("proj", "prod", "/", VAR, OLD)
        adapter = InfisicalConsumer(universal_spec(sim))
        now = [0.0]
        assert adapter.login is not None
        adapter.login.clock = lambda: now[0]
        await adapter.write(Secret(NEW), context(http, **CLIENTS))
        now[0] = 7200.0 - 30  # inside the last minute of expiresIn: renewed before use
        await adapter.write(Secret(OLD), context(http, **CLIENTS))
        assert sim.logins() == 2
        sim.expire_issued()  # refused early (403 TokenError): the next try logs in again
        with pytest.raises(RotuiError) as caught:
            await adapter.write(Secret(NEW), context(http, **CLIENTS))
        assert "logs in again" in caught.value.message
        await adapter.write(Secret(NEW), context(http, **CLIENTS))
        assert sim.logins() == 3 and sim.value("proj", "prod", "/", VAR) == NEW


async def test_a_wrong_client_secret_is_named(http: httpx.AsyncClient) -> None:
    with InfisicalSim(tokens=(), clients={"ci-1": "right"}) as sim:
        adapter = InfisicalConsumer(universal_spec(sim))
        problems = await adapter.preflight(context(http, **CLIENTS))
        with pytest.raises(RotuiError) as caught:
            await adapter.write(Secret(NEW), context(http, **CLIENTS))
        assert sim.writes() == 0
    # identity-ua-service.ts login: 401 UnauthorizedError "Invalid credentials"
    assert caught.value.title == "Infisical universal-auth login refused"
    assert "Invalid credentials" in caught.value.message and "cs-1" not in caught.value.message
    assert "client_secret (env:INFISICAL_CLIENT_SECRET)" in caught.value.message
    assert len(problems) == 1 and "login refused" in problems[0]


def test_universal_auth_needs_both_client_id_and_client_secret() -> None:
    with pytest.raises(ConfigError, match="needs client_secret too"):
        infisical_spec(None, client_id="env:INFISICAL_CLIENT_ID")
