"""The HTTP plumbing every loopback simulator shares: a threaded server, a silent handler, and
the lifecycle that serves them on 127.0.0.1 from a daemon thread."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self


class LoopbackServer(ThreadingHTTPServer):
    """One daemon thread per request, so latency overlaps and a stuck client never blocks exit."""

    daemon_threads = True
    request_queue_size = 64
    sim: Any  # the simulator that answers; set by whoever starts the server
    connections = 0  # TCP connections accepted, so tests can see whether clients reuse them

    def process_request(self, request: Any, client_address: Any) -> None:
        """Count the connection, then serve it in its own thread as usual."""
        self.connections += 1  # the accept loop runs in one thread: no lock needed
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that hang up; report real faults as usual."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 without Nagle's delay, and no request line or header ever logged."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    sys_version = ""
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent: request lines and headers must never reach a log."""

    def read_request(self) -> tuple[str, str, dict[str, str], bytes]:
        """Method, target, lower-cased headers and body of the request being served."""
        length = self.headers.get("content-length") or "0"
        raw = self.rfile.read(int(length)) if length.isdigit() else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        return self.command, self.path, headers, raw


class LoopbackSim:
    """Serve ``handler_class`` on 127.0.0.1 from a daemon thread; start and stop are idempotent.

    Subclasses name their handler (and, for typing, their server class) and answer requests; the
    server's ``sim`` is the simulator itself.
    """

    server_class: ClassVar[type[LoopbackServer]] = LoopbackServer
    handler_class: ClassVar[type[BaseHTTPRequestHandler]]
    thread_name: ClassVar[str] = "sim-loopback"

    def __init__(self, port: int = 0) -> None:
        self._port = port
        self._server: LoopbackServer | None = None
        self._thread: threading.Thread | None = None
        self._base_url = ""

    def start(self) -> str:
        """Serve in a daemon thread and return the base URL clients should use."""
        if self._server is None:
            self._server = self.server_class(("127.0.0.1", self._port), self.handler_class)
            self._server.sim = self
            self._base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name=self.thread_name,
                daemon=True,
            )
            self._thread.start()
        return self._base_url

    def stop(self) -> None:
        """Stop serving and free the port; safe to call twice."""
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The http://127.0.0.1:PORT address, known once started."""
        if not self._base_url:
            raise RuntimeError("the simulator has not been started")
        return self._base_url

    @property
    def connections(self) -> int:
        """TCP connections accepted so far (a client that keeps its connections opens few)."""
        return self._server.connections if self._server is not None else 0
