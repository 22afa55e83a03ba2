"""The Admin API key goes to ``settings.admin_base_url`` and nowhere else (issue 15).

A key's ``base_url`` (or ``$ANTHROPIC_BASE_URL``) may be a gateway or a proxy someone else runs.
Here it is a recording gateway that forwards to the simulated API: the key's own requests pass
through it, and after a whole rotation, a validation, a doctor and a usage refresh, it has never
seen the Admin key nor an Admin API path.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import cast

import httpx
import pytest

from rotui.sim._http import LoopbackServer, QuietHandler
from tests.e2e.world import ADMIN, KEY, NEW, World, build_world


class _Gateway(LoopbackServer):
    upstream: str
    seen: list[tuple[str, dict[str, str]]]


class _Forward(QuietHandler):
    def _forward(self) -> None:
        server = cast(_Gateway, self.server)
        method, path, headers, body = self.read_request()
        server.seen.append((path, headers))
        keep = {k: v for k, v in headers.items() if k not in ("host", "content-length")}
        with httpx.Client(trust_env=False, timeout=10) as client:
            answer = client.request(method, server.upstream + path, headers=keep, content=body)
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name not in (
                "content-length",
                "transfer-encoding",
                "connection",
                "content-encoding",
            ):
                self.send_header(name, value)
        self.send_header("content-length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = _forward


class Gateway:
    """A loopback gateway in front of the simulated API that records every request's headers."""

    def __init__(self, upstream: str) -> None:
        self.server = _Gateway(("127.0.0.1", 0), cast(type[BaseHTTPRequestHandler], _Forward))
        self.server.upstream = upstream
        self.server.seen = []
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def seen(self) -> list[tuple[str, dict[str, str]]]:
        return self.server.seen

    def __enter__(self) -> Gateway:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gated(tmp_path: Path, child_env: dict[str, str]) -> Iterator[tuple[World, Gateway]]:
    with build_world(tmp_path, child_env) as world, Gateway(world.anthropic.base_url) as gateway:
        text = world.config.read_text()
        key_base = f'base_url = "{world.anthropic.base_url}"\n\n  [[keys.consumers]]'
        assert text.count(key_base) == 1
        world.config.write_text(
            text.replace(key_base, f'base_url = "{gateway.url}"\n\n  [[keys.consumers]]')
        )
        yield world, gateway


def assert_admin_key_never_seen(gateway: Gateway) -> None:
    assert gateway.seen, "the key's own requests go through its gateway"
    for path, headers in gateway.seen:
        assert not path.startswith("/v1/organizations"), path
        assert ADMIN not in " ".join(headers.values()), path


def test_a_whole_rotation_never_sends_the_admin_key_to_the_keys_gateway(
    gated: tuple[World, Gateway],
) -> None:
    world, gateway = gated
    checked = world.rotui("validate", KEY, "--json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert '"remote": {' in checked.stdout  # matched through the Admin API
    done = world.rotui(
        "rotate", KEY, "--headless", "--confirm-manual", "--revoke", stdin=NEW + "\n"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert world.anthropic.key_by_id(world.old_id).status == "inactive"  # via the Admin API
    world.rotui("doctor", KEY)
    assert_admin_key_never_seen(gateway)


def test_anthropic_base_url_is_no_destination_for_the_admin_key(
    gated: tuple[World, Gateway],
) -> None:
    world, gateway = gated
    text = world.config.read_text().replace(f'base_url = "{gateway.url}"\n', "")
    world.config.write_text(text)
    env = {**world.env, "ANTHROPIC_BASE_URL": gateway.url}
    checked = world.rotui("validate", KEY, "--json", env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert_admin_key_never_seen(gateway)
