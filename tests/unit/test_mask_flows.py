"""Tokens a service echoes back stay masked through the real flows: a Heroku consumer refused, an
Infisical universal-auth login refused, both against a small server on loopback that echoes the
credential it was sent in its error body (services do: "Invalid credentials provided: …").

The simulators in rotui/sim do not echo credentials; this file's own server does, to prove the
point without changing them.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from rotui.core.consumers.base import ConsumerContext
from rotui.core.consumers.fields import consumer_spec
from rotui.core.consumers.heroku import HerokuConsumer
from rotui.core.consumers.infisical import InfisicalConsumer
from rotui.core.errors import RotuiError
from rotui.core.model import Consumer, ConsumerKind
from rotui.core.safetext import printable
from rotui.core.secret import MemoryKeyring, Secret, SecretStore
from rotui.demo import fake_key

NEW = fake_key("mask-flows-new")


def _token(seed: str, n: int) -> str:
    return (hashlib.sha256(seed.encode()).hexdigest() * 3)[:n]


HRKU = "HRKU-AA" + _token("hrku-flow", 58)
HEROKU_UUID = (
    f"{_token('u1', 8)}-{_token('u2', 4)}-4{_token('u3', 3)}-a{_token('u4', 3)}-{_token('u5', 12)}"
)
CLIENT_ID = (
    f"{_token('c1', 8)}-{_token('c2', 4)}-4{_token('c3', 3)}-8{_token('c4', 3)}-{_token('c5', 12)}"
)
CLIENT_SECRET = _token("client-secret", 64)  # universal auth: 64 hex characters, no prefix


class Echo(BaseHTTPRequestHandler):
    """Refuses every request with a body that quotes the credential it got."""

    def _refuse(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        said = f"Invalid credentials provided: {self.headers.get('Authorization', '')} {body}"
        payload = json.dumps({"id": "unauthorized", "message": said}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_PATCH = do_POST = _refuse

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def context(http: httpx.AsyncClient, **environ: str) -> ConsumerContext:
    env = {"PATH": os.environ.get("PATH", os.defpath), **environ}
    store = SecretStore(MemoryKeyring(), environ=env)
    return ConsumerContext(
        http=http, store=store, fingerprint=lambda s: s.fingerprint(b"k"), environ=env, timeout=5
    )


def spec(kind: ConsumerKind, **fields: str) -> Any:
    consumer = Consumer("c", kind, {"name": "c", "kind": kind.value, **fields})
    return consumer_spec(consumer, "ANTHROPIC_API_KEY", "keys[0].consumers[0]", "<config>")


async def refused(adapter: Any, ctx: ConsumerContext) -> str:
    with pytest.raises(RotuiError) as caught:
        await adapter.write(Secret(NEW), ctx)
    error = caught.value
    assert "Invalid credentials provided" in error.message  # the echo did reach the message
    return printable(f"{error.title}: {error.message}")


@pytest.mark.parametrize("token", [HRKU, HEROKU_UUID], ids=["HRKU", "bare UUID"])
async def test_a_heroku_error_echoing_the_token_shows_its_hint(echo: str, token: str) -> None:
    async with httpx.AsyncClient() as http:
        adapter = HerokuConsumer(spec(ConsumerKind.HEROKU, app="app", api_url=echo))
        shown = await refused(adapter, context(http, HEROKU_API_KEY=token))
    assert token not in shown and token[:-4] not in shown, shown
    assert Secret(token).hint in shown


async def test_an_infisical_login_refusal_echoing_the_client_secret_shows_no_secret(
    echo: str,
) -> None:
    async with httpx.AsyncClient() as http:
        adapter = InfisicalConsumer(
            spec(
                ConsumerKind.INFISICAL,
                project_id="p",
                environment="prod",
                api_url=echo,
                client_id="env:INFISICAL_CLIENT_ID",
                client_secret="env:INFISICAL_CLIENT_SECRET",
            )
        )
        ctx = context(http, INFISICAL_CLIENT_ID=CLIENT_ID, INFISICAL_CLIENT_SECRET=CLIENT_SECRET)
        shown = await refused(adapter, ctx)
    assert "universal-auth login refused" in shown
    assert CLIENT_SECRET not in shown and CLIENT_SECRET[:-4] not in shown, shown
    assert CLIENT_ID not in shown
