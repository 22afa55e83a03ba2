"""`rotui serve` over real HTTP on loopback: the token's life and a quiet console (issue 15).

The per-run token never reaches the access log; malformed HTTP requests and websocket messages
cost one line each at most, never a traceback (textual-serve's shows local variables), and a
malformed message does not end the session; SIGUSR1 replaces the token; the token expires when
the last session closes, unless ``--keep-token``.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

pytest.importorskip("textual_serve")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    base: str
    err: Path

    def console(self) -> str:
        return self.err.read_text()

    def urls(self) -> list[str]:
        return re.findall(rf"open ({re.escape(self.base)}/\?token=[\w-]+)", self.console())

    def wait_for(self, what: str, count: int = 1) -> None:
        for _ in range(200):
            if self.console().count(what) >= count:
                return
            time.sleep(0.1)
        raise AssertionError(f"{what!r} never printed: {self.console()}")


@pytest.fixture(params=[False, True], ids=["expiring", "keep-token"])
def served(
    request: pytest.FixtureRequest, child_env: dict[str, str], tmp_path: Path
) -> Iterator[Served]:
    config = tmp_path / "rotui.toml"
    config.write_text(
        '[[keys]]\nname = "K"\nsource = "env:K_VALUE"\nbase_url = "http://127.0.0.1:9"\n'
    )
    config.chmod(0o600)
    port = _free_port()
    err = tmp_path / "stderr.txt"
    argv = [sys.executable, "-m", "rotui", "--config", str(config), "serve", "--port", str(port)]
    if request.param:
        argv.append("--keep-token")
    with err.open("wb") as stderr:
        proc = subprocess.Popen(argv, stdout=stderr, stderr=stderr, env=child_env)
    one = Served(proc, f"http://127.0.0.1:{port}", err)
    try:
        one.wait_for("?token=")
        yield one
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def enter(client: httpx.Client, url: str) -> int:
    """Follow the printed URL as a browser does: 303 and a cookie when the token is good."""
    client.cookies.clear()
    return client.get(url).status_code


async def session(base: str, cookies: dict[str, str], garbage: list[str]) -> str:
    """Open the page's websocket, send malformed messages, then a ping; returns the pong's data."""
    import aiohttp

    async with (
        aiohttp.ClientSession(trust_env=False, cookies=cookies) as client,
        client.ws_connect(
            base.replace("http", "ws") + "/ws?width=80&height=24", headers={"Origin": base}
        ) as ws,
    ):
        for text in garbage:
            await ws.send_str(text)
        await ws.send_str('["ping", "still-here"]')
        async with asyncio.timeout(60):
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT and "pong" in message.data:
                    return str(message.data)
    return ""


MALFORMED_MESSAGES = [
    "not json",
    "{}",
    "[]",
    '["stdin"]',
    '["stdin", 5]',
    '["resize", {"width": "wide"}]',
    '["resize", {"width": -1, "height": 99999999}]',
    '["unknown", 1]',
]


def test_the_token_lives_and_dies_as_documented(served: Served) -> None:
    keep = "--keep-token" in served.proc.args  # type: ignore[operator]
    [first] = served.urls()
    token = first.split("=", 1)[1]
    with httpx.Client(trust_env=False, timeout=10) as client:
        assert enter(client, first) == 303
        referer = {"Referer": first}  # the access log's format includes the Referer
        assert client.get(served.base + "/", headers=referer).status_code == 200
        cookies = dict(client.cookies)
        assert enter(client, first.replace(token, "not-" + token)) == 403

        for raw in (b"GARBAGE\r\n\r\n", b"GET /\x00\x01 HTTP/9.9\r\n\r\n", b"\x16\x03\x01\x02\x00"):
            for _ in range(5):
                port = int(served.base.rsplit(":", 1)[1])
                with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                    sock.sendall(raw)
                    sock.recv(1024)

        pong = asyncio.run(session(served.base, cookies, MALFORMED_MESSAGES))
        assert "still-here" in pong  # the garbage did not end the session

        if keep:
            assert enter(client, first) == 303  # the session closed, the token stays
        else:
            served.wait_for("token expired")
            assert enter(client, first) == 403

        os.kill(served.proc.pid, signal.SIGUSR1)
        served.wait_for("new token")
        second = served.urls()[-1]
        assert second != first
        assert enter(client, second) == 303
        assert enter(client, first) == 403

    console = served.console()
    assert "Traceback" not in console and 'File "' not in console, console
    for url in (first, second):  # each token shows once: in the line that announced it
        assert console.count(url.split("=", 1)[1]) == 1, console
    assert len(console.splitlines()) < 60, console  # a line per request at most, no flood
