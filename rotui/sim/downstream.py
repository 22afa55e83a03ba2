"""Loopback JSON servers for tests and the demo: a base shared by the Heroku and Infisical fakes,
and a downstream app whose health endpoint answers whatever a test decides at request time.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from rotui.sim._http import LoopbackServer, LoopbackSim, QuietHandler

Answer = tuple[int, Any]


class _Server(LoopbackServer):
    sim: LoopbackJsonSim


class _Handler(QuietHandler):
    """Thin HTTP layer: read the request, let the simulator decide, write JSON back."""

    server_version = "sim-loopback"

    def do_GET(self) -> None:
        method, target, headers, raw = self.read_request()
        status, payload = cast(_Server, self.server).sim._handle(method, target, headers, raw)
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET


class LoopbackJsonSim(LoopbackSim):
    """Serve JSON on 127.0.0.1 from daemon threads; subclasses decide in :meth:`_answer`.

    The request log keeps only the method and the path, never a query, header or body, so a test
    can hand it around without holding a token or a key value.
    """

    server_class = _Server
    handler_class = _Handler

    def __init__(self, latency: float = 0.0) -> None:
        super().__init__()
        self.latency = latency
        self._lock = threading.Lock()
        self._log: list[tuple[str, str]] = []
        self._failures: list[int] = []

    def requests(self) -> list[tuple[str, str]]:
        """(method, path) of every request received, in order."""
        with self._lock:
            return list(self._log)

    def fail_next(self, n: int, status: int = 503) -> None:
        """Answer the next ``n`` requests with ``status``, whatever they ask."""
        with self._lock:
            self._failures.extend([status] * n)

    def _handle(self, method: str, target: str, headers: Mapping[str, str], raw: bytes) -> Answer:
        """Log, apply scripted failures and latency, then let the subclass answer."""
        url = urlsplit(target)
        with self._lock:
            self._log.append((method, url.path))
            failure = self._failures.pop(0) if self._failures else None
        if self.latency > 0:
            time.sleep(self.latency)
        if failure is not None:
            return failure, {"id": "unavailable", "message": f"scripted failure {failure}"}
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            return 400, {"id": "bad_request", "message": "request body is not valid JSON"}
        query = {name: values[-1] for name, values in parse_qs(url.query).items()}
        return self._answer(method, url.path, query, headers, body)

    def _answer(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: Any,
    ) -> Answer:
        raise NotImplementedError


class DownstreamSim(LoopbackJsonSim):
    """A downstream app: every path answers the status and JSON ``answer()`` returns right now."""

    thread_name = "sim-downstream"

    def __init__(self, answer: Callable[[], Answer], latency: float = 0.0) -> None:
        super().__init__(latency)
        self.answer = answer

    @property
    def url(self) -> str:
        """The health-check URL, as a consumer's ``verify_url`` would name it."""
        return f"{self.base_url}/health"

    def hits(self) -> int:
        with self._lock:
            return len(self._log)

    def _answer(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: Any,
    ) -> Answer:
        return self.answer()


def bearer(headers: Mapping[str, str]) -> str:
    """The token of an ``Authorization: Bearer`` header, or "" when there is none."""
    scheme, _, token = (headers.get("authorization") or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
