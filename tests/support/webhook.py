"""A webhook receiver on 127.0.0.1: what apprise's ``json://`` target posts, recorded."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from rotui.sim._http import LoopbackServer, QuietHandler

# The secret part of every test webhook URL: it must never appear in what rotui prints or writes.
TOKEN = "hooktoken-5f1c2e9a7b3d"


@dataclass
class Receiver:
    """Records each JSON body posted to it; ``status`` is what it answers (500: a broken hook)."""

    status: int = 200
    messages: list[dict[str, Any]] = field(default_factory=list)
    _server: LoopbackServer | None = None

    def __enter__(self) -> Receiver:
        self._server = LoopbackServer(("127.0.0.1", 0), _Handler)
        self._server.sim = self
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        """apprise's generic JSON target (``json://`` posts with http), the token in the path."""
        assert self._server is not None
        return f"json://127.0.0.1:{self._server.server_address[1]}/hooks/{TOKEN}"


class _Handler(QuietHandler):
    def do_POST(self) -> None:
        receiver: Receiver = self.server.sim  # type: ignore[attr-defined]
        _method, path, _headers, raw = self.read_request()
        if receiver.status == 200 and path == f"/hooks/{TOKEN}":
            receiver.messages.append(json.loads(raw or b"{}"))
        body = b"{}"
        self.send_response(receiver.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
