"""Test doubles that misbehave on purpose, for the fault-injection suite (tests/e2e/test_faults.py).

:class:`FaultServer` is a loopback HTTP server for the faults the Anthropic simulator does not
script: a server that accepts the request and never answers (a timeout), a TCP reset in the
middle of the body, and an HTML page from a proxy or captive portal with any status.

:class:`SlowKeyring` and :class:`HungKeyring` are keyring backends for child processes, chosen
with ``PYTHON_KEYRING_BACKEND=tests.support.fault_server.SlowKeyring`` (or ``HungKeyring``); they
store entries in the JSON file named by ``ROTUI_TEST_KEYRING``, like
:class:`tests.support.file_keyring.FileKeyring`.
"""

from __future__ import annotations

import enum
import os
import socket
import struct
import threading
import time
from typing import Any, cast

from rotui.sim._http import LoopbackServer, QuietHandler
from tests.support.file_keyring import FileKeyring

PROXY_BLOCK_PAGE = (
    b"<!DOCTYPE html><html><head><title>Access denied</title></head>"
    b"<body><h1>Blocked by corporate proxy</h1><p>Contact the service desk.</p></body></html>"
)
TRUNCATED_MODELS = b'{"data": [{"id": "claude-opus-4-5", "type": "model", "display_na'


class Fault(enum.StrEnum):
    HANG = "hang"  # read the request, never answer (until the server stops)
    RESET = "reset"  # headers and half a body, then a TCP RST (SO_LINGER 0)
    HTML = "html"  # an HTML page with ``html_status``, as a proxy or captive portal sends


class _Server(LoopbackServer):
    fault_server: FaultServer


class _Handler(QuietHandler):
    server_version = "fault-proxy"

    def do_GET(self) -> None:
        owner = cast(_Server, self.server).fault_server
        self.read_request()
        owner._count()
        fault = owner.fault
        if fault is Fault.HANG:
            owner.released.wait(60)
            self.close_connection = True
            return
        if fault is Fault.HTML:
            self.send_response(owner.html_status)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(PROXY_BLOCK_PAGE)))
            self.end_headers()
            self.wfile.write(PROXY_BLOCK_PAGE)
            return
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", "4096")
        self.end_headers()
        self.wfile.write(TRUNCATED_MODELS)
        self.wfile.flush()
        time.sleep(0.05)  # let the client read the headers and part of the body first
        # SO_LINGER with a zero timeout: close() sends RST instead of FIN, as a middlebox does.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    do_POST = do_GET


class FaultServer:
    """A loopback server that answers every request with one fault; counts the requests."""

    def __init__(self, fault: Fault, *, html_status: int = 403) -> None:
        self.fault = Fault(fault)
        self.html_status = html_status
        self.released = threading.Event()
        self._lock = threading.Lock()
        self._requests = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def _count(self) -> None:
        with self._lock:
            self._requests += 1

    @property
    def requests(self) -> int:
        with self._lock:
            return self._requests

    def requests_seen(self, expected: int, within: float = 10.0) -> int:
        """The count once it reaches ``expected`` (or ``within`` seconds pass): a request the
        client sent is counted when a handler thread has read it, which a loaded host delays
        past the moment the client gave up and exited."""
        deadline = time.monotonic() + within
        while self.requests < expected and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.requests

    @property
    def base_url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FaultServer:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fault_server = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"fault-{self.fault}",
            daemon=True,
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()  # hung handlers return
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


# Keyring backends for child processes ------------------------------------------------------------


class SlowKeyring(FileKeyring):
    """Every call takes ``ROTUI_TEST_KEYRING_DELAY`` seconds (default 0.3), then works."""

    def _pause(self) -> None:
        time.sleep(float(os.environ.get("ROTUI_TEST_KEYRING_DELAY", "0.3")))

    def get_password(self, service: str, username: str) -> str | None:
        self._pause()
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._pause()
        super().set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self._pause()
        super().delete_password(service, username)


class HungKeyring(FileKeyring):
    """Opens fine, then never answers a read, a write or a delete (a locked Secret Service)."""

    def _hang(self) -> Any:
        threading.Event().wait()

    def get_password(self, service: str, username: str) -> str | None:
        return cast("str | None", self._hang())

    def set_password(self, service: str, username: str, password: str) -> None:
        self._hang()

    def delete_password(self, service: str, username: str) -> None:
        self._hang()
