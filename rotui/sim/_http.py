"""The HTTP plumbing every loopback simulator shares: a threaded server and a silent handler."""

from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


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
