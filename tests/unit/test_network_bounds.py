"""Every HTTP exchange has a total deadline and a size limit (issue 15, network bounds).

Loopback servers misbehave on purpose: one trickles its answer a byte at a time (each read is
quick, so httpx's per-read timeout never fires), one trickles its headers, and one streams a body
far larger than anything rotui reads. Each server stops by itself (a bounded loop) and counts what
it sent, so "rotui hung up early" is observed by the server, not by a clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from rotui.core.bounded_http import MAX_RESPONSE_BYTES
from rotui.core.consumers.base import ConsumerContext, verify_url
from rotui.core.consumers.fields import ConsumerSpec
from rotui.core.consumers.http import exchange
from rotui.core.errors import RotuiError
from rotui.core.model import Config, ConsumerKind, ManagedKey, Settings, ValidationStatus
from rotui.core.secret import SecretStore
from rotui.paths import Paths
from rotui.services import Services
from rotui.sim._http import LoopbackServer, QuietHandler

KEY = "sk-ant-api03-" + "b" * 93 + "AA"
TRICKLE_BYTES = 200  # at 0.1 s a byte: 20 s if nobody hangs up
HUGE_BYTES = 1536 * 1024 * 1024  # 1.5 GB announced
CHUNK = 1024 * 1024
SENT_AT_MOST = 4 * MAX_RESPONSE_BYTES  # what the huge server sends before it gives up by itself


class _Handler(QuietHandler):
    def do_GET(self) -> None:
        owner = cast(_Server, self.server).owner
        self.read_request()
        try:
            getattr(self, "_" + owner.mode)(owner)
        except OSError:
            owner.hung_up.set()
        self.close_connection = True

    do_POST = do_GET

    def _trickle_body(self, owner: BadServer) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(TRICKLE_BYTES))
        self.end_headers()
        for _ in range(TRICKLE_BYTES):
            self.wfile.write(b" ")
            self.wfile.flush()
            owner.sent += 1
            time.sleep(0.1)

    def _trickle_headers(self, owner: BadServer) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(TRICKLE_BYTES):
            self.wfile.write(b"x")
            self.wfile.flush()
            owner.sent += 1
            time.sleep(0.1)

    def _huge(self, owner: BadServer) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        if owner.announce:
            self.send_header("content-length", str(HUGE_BYTES))
        self.end_headers()
        block = b"[" * CHUNK
        while owner.sent < SENT_AT_MOST:
            self.wfile.write(block)
            owner.sent += CHUNK


class _Server(LoopbackServer):
    owner: BadServer


class BadServer:
    def __init__(self, mode: str, *, announce: bool = False) -> None:
        self.mode, self.announce = mode, announce
        self.sent = 0
        self.hung_up = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> BadServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=30)


@pytest.fixture(params=["trickle_body", "trickle_headers"])
def trickler(request: pytest.FixtureRequest) -> Iterator[BadServer]:
    with BadServer(request.param) as server:
        yield server


@pytest.fixture(params=[False, True], ids=["chunked", "announced"])
def huge(request: pytest.FixtureRequest) -> Iterator[BadServer]:
    with BadServer("huge", announce=request.param) as server:
        yield server


def services(tmp_path: Path, base_url: str) -> Services:
    settings = Settings(timeout_seconds=1.0)
    config = Config(settings=settings, keys=(ManagedKey("K", source="env:K", base_url=base_url),))
    env = {"K": KEY}
    return Services(
        config=config,
        paths=Paths.under(tmp_path / "rotui"),
        store=SecretStore(None, environ=env),
        environ=env,
        trust_env=False,
    )


def context(http: Any) -> ConsumerContext:
    return ConsumerContext(
        http=http, store=SecretStore(None, environ={}), fingerprint=str, timeout=1.0
    )


def wait_for_hang_up(server: BadServer) -> None:
    for _ in range(200):
        if server.hung_up.is_set():
            return
        time.sleep(0.05)


async def test_a_trickling_api_ends_in_network_error(tmp_path: Path, trickler: BadServer) -> None:
    run = await services(tmp_path, trickler.url).validate(["K"])
    [result] = run.results
    assert result.status is ValidationStatus.NETWORK_ERROR, result
    assert "1 s" in result.message
    wait_for_hang_up(trickler)
    assert trickler.sent < TRICKLE_BYTES


async def test_a_trickling_consumer_and_verify_url_end_early(
    tmp_path: Path, trickler: BadServer
) -> None:
    http, _ = services(tmp_path, trickler.url).client()
    async with http:
        ctx = context(http)
        with pytest.raises(RotuiError, match="cannot reach Heroku"):
            await exchange(ctx, "Heroku", "GET", trickler.url + "/config-vars", read=True)
        spec = ConsumerSpec("app", ConsumerKind.MANUAL, 0, "K", {}, verify_url=trickler.url)
        outcome = await verify_url(spec, ctx)
    assert not outcome.ok
    wait_for_hang_up(trickler)
    assert trickler.sent < TRICKLE_BYTES


async def test_a_huge_api_answer_is_a_bad_response(tmp_path: Path, huge: BadServer) -> None:
    run = await services(tmp_path, huge.url).validate(["K"])
    [result] = run.results
    assert result.status is ValidationStatus.BAD_RESPONSE, result
    assert "larger than" in result.message or "announces" in result.message
    wait_for_hang_up(huge)
    assert huge.sent <= 2 * MAX_RESPONSE_BYTES


async def test_a_huge_consumer_answer_is_refused(tmp_path: Path, huge: BadServer) -> None:
    http, _ = services(tmp_path, huge.url).client()
    async with http:
        ctx = context(http)
        with pytest.raises(RotuiError) as raised:
            await exchange(ctx, "Infisical", "GET", huge.url + "/api/v3/secrets", read=True)
        spec = ConsumerSpec("app", ConsumerKind.MANUAL, 0, "K", {}, verify_url=huge.url)
        outcome = await verify_url(spec, ctx)
    assert "MiB" in str(raised.value)
    assert not outcome.ok and "MiB" in outcome.detail
    wait_for_hang_up(huge)
    assert huge.sent <= 2 * MAX_RESPONSE_BYTES + 2 * CHUNK * 8
