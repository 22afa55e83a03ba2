"""A simulated Anthropic HTTP API on loopback, so the demo and tests exercise real httpx code.

Shapes come from the official Python SDK, anthropic 2.14.0 (the version pinned in the ``test``
extra; ``tests/unit/test_sdk_contract.py`` parses every answer with it in strict validation on both
API versions). Where a comment cites ``SDK …/x.py`` it means ``src/anthropic/x.py`` of that release.
The parts: ``anthropic_shapes`` (constants, keys, workspaces, error bodies, the HTTP handler),
``anthropic_queries`` (parameters, paging, usage windows), ``anthropic_admin`` (the Admin API's
endpoints); this module is the simulator itself: routing, authentication, Messages and Models.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rotui.sim._http import LoopbackSim
from rotui.sim.anthropic_admin import AdminEndpoints
from rotui.sim.anthropic_queries import _page, _usage_minute
from rotui.sim.anthropic_shapes import (
    _INVALID_BODY,
    API_VERSIONS,
    BUCKET_WIDTHS,
    CREDIT_MESSAGE,
    DEFAULT_ORG_ID,
    DEFAULT_WORKSPACE_ID,
    KEY_STATUSES,
    MODELS,
    NO_SAMPLING_VERSION,
    SPEND_LIMIT_MESSAGE,
    WORKSPACE_HEADER,
    WORKSPACE_REQUIRED_MESSAGE,
    Behavior,
    RecordedRequest,
    SimKey,
    SimWorkspace,
    _bad,
    _Call,
    _Endpoint,
    _error,
    _Handler,
    _key_headers,
    _message_problem,
    _misbehave,
    _presented_key,
    _Response,
    _Server,
    key_hint,
    partial_key_hint,
)

__all__ = [
    "API_VERSIONS",
    "BUCKET_WIDTHS",
    "CREDIT_MESSAGE",
    "DEFAULT_ORG_ID",
    "DEFAULT_WORKSPACE_ID",
    "KEY_STATUSES",
    "MODELS",
    "NO_SAMPLING_VERSION",
    "SPEND_LIMIT_MESSAGE",
    "WORKSPACE_HEADER",
    "WORKSPACE_REQUIRED_MESSAGE",
    "Behavior",
    "RecordedRequest",
    "SimKey",
    "SimWorkspace",
    "SimulatedAnthropic",
    "key_hint",
    "partial_key_hint",
]


class SimulatedAnthropic(AdminEndpoints, LoopbackSim):
    """An in-process fake of api.anthropic.com with scriptable per-key failures."""

    server_class = _Server
    handler_class = _Handler
    thread_name = "sim-anthropic"

    def __init__(
        self,
        keys: Iterable[SimKey] = (),
        admin_keys: Iterable[str] = (),
        latency: float = 0.0,
        workspaces: Iterable[SimWorkspace] = (),
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if host not in ("127.0.0.1", "localhost"):
            raise ValueError("the simulator binds to 127.0.0.1 only")
        super().__init__(port)
        self.latency = latency
        self._lock = threading.Lock()
        self._keys: list[SimKey] = []
        # Indexes, so a request costs the same with 10 keys or 10,000 (make bench, figure 8):
        # by presented value, by Admin id, and the Admin list's order (newest first), rebuilt
        # only when a key is added.
        self._by_value: dict[str, SimKey] = {}
        self._by_id: dict[str, SimKey] = {}
        self._newest_first: list[SimKey] | None = None
        self._workspaces: list[SimWorkspace] = [
            SimWorkspace(DEFAULT_WORKSPACE_ID, "Default", "2024-01-01T00:00:00Z", default=True),
            *workspaces,
        ]
        self._admin_keys = frozenset(admin_keys)
        self._log: list[RecordedRequest] = []
        self._attempts: Counter[str] = Counter()
        self._served = 0
        self._failures: Counter[str] = Counter()
        self._usage: dict[tuple[str, dt.datetime], list[int]] = {}  # (key id, UTC minute)
        for key in keys:
            self.add_key(key)

    def add_key(self, key: SimKey) -> SimKey:
        """Register a key, replacing any key with the same value."""
        with self._lock:
            replaced = self._by_value.pop(key.value, None)
            if replaced is not None:
                self._keys.remove(replaced)
                self._by_id.pop(replaced.id, None)
            self._keys.append(key)
            self._by_value[key.value] = key
            self._by_id.setdefault(key.id, key)
            self._newest_first = None
        return key

    def add_workspace(self, workspace: SimWorkspace) -> SimWorkspace:
        """Register a workspace of the organization (the default one always exists)."""
        with self._lock:
            self._workspaces = [w for w in self._workspaces if w.id != workspace.id] + [workspace]
        return workspace

    def key_by_id(self, key_id: str) -> SimKey:
        with self._lock:
            found = self._find(key_id)
        if found is None:
            raise KeyError(key_id)
        return found

    def set_behavior(self, value_or_id: str, behavior: Behavior) -> None:
        """Change how a key answers, restarting its fail_times count."""
        with self._lock:
            key = self._find(value_or_id, by_value=True)
            if key is None:
                raise KeyError("no such key")
            key.behavior = Behavior(behavior)
            self._failures.pop(key.id, None)

    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._log)

    def attempts(self, key_value: str) -> int:
        """Count requests that presented this key, whatever path they hit and however they ended."""
        with self._lock:
            return self._attempts[key_value]

    def add_usage(
        self,
        key_id: str,
        when: str | dt.date | dt.datetime,
        input_tokens: int,
        output_tokens: int,
    ) -> None:
        """Add token usage for a key, as the usage report will show it.

        ``when`` is a UTC day (a ``date`` or ``"YYYY-MM-DD"``: the usage lands at midnight, in that
        day's first hour) or a moment (a ``datetime`` or an RFC 3339 string: the usage lands in
        that minute, so in that hour's and that day's buckets too). A naive datetime is UTC.
        """
        self.key_by_id(key_id)
        minute = _usage_minute(when)
        with self._lock:
            self._tally(key_id, minute, input_tokens, output_tokens)

    def _tally(self, key_id: str, minute: dt.datetime, tokens_in: int, tokens_out: int) -> None:
        """Add to a key's usage in one minute; the caller holds the lock."""
        tally = self._usage.setdefault((key_id, minute), [0, 0])
        tally[0] += tokens_in
        tally[1] += tokens_out

    def _handle(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        raw: bytes,
    ) -> _Response:
        """Turn one HTTP request into a response: record, wait, route, authenticate, answer."""
        url = urlsplit(target)
        query = parse_qs(url.query, keep_blank_values=True)
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = _INVALID_BODY
        presented, scheme = _presented_key(headers)
        version = headers.get("anthropic-version")
        with self._lock:
            key = self._by_value.get(presented) if presented else None
            recorded = None if body is _INVALID_BODY else body
            self._log.append(
                RecordedRequest(
                    method, url.path, query, key_hint(presented), version, scheme, recorded
                )
            )
            if presented:
                self._attempts[presented] += 1
            self._served += 1
            # Derived from what was asked, not from timing, so demo screenshots are reproducible.
            seed = (
                f"{presented}|{self._attempts[presented]}|{method} {url.path}"
                if presented
                else str(self._served)
            )
        request_id = "req_" + hashlib.sha256(seed.encode()).hexdigest()[:24]
        if self.latency > 0:
            time.sleep(self.latency)
        call = _Call(query, body, version or "", key, "", headers.get(WORKSPACE_HEADER, ""))
        response = self._route(method, url.path, call, version, presented)
        if key is not None:
            response.headers.update(_key_headers(key, response.status, call.workspace))
        response.headers["request-id"] = request_id
        return response

    def _route(
        self,
        method: str,
        path: str,
        call: _Call,
        version: str | None,
        presented: str,
    ) -> _Response:
        routes: list[tuple[str, bool, dict[str, _Endpoint]]] = [
            (r"/v1/models", False, {"GET": self._list_models}),
            (r"/v1/models/(?P<id>[^/]+)", False, {"GET": self._get_model}),
            (r"/v1/messages", False, {"POST": self._create_message}),
            (r"/v1/organizations/api_keys", True, {"GET": self._list_keys}),
            (
                r"/v1/organizations/api_keys/(?P<id>[^/]+)",
                True,
                {"GET": self._get_key, "POST": self._update_key},
            ),
            (r"/v1/organizations/usage_report/messages", True, {"GET": self._usage_report}),
            (r"/v1/organizations/workspaces", True, {"GET": self._list_workspaces}),
            (r"/v1/organizations/me", True, {"GET": self._organization}),
        ]
        for pattern, admin, endpoints in routes:
            match = re.fullmatch(pattern, path)
            if match is None:
                continue
            if method not in endpoints:
                refused = _error(405, "invalid_request_error", f"Method {method} not allowed")
                refused.headers["allow"] = ", ".join(endpoints)
                return refused
            if version is None:
                return _bad("anthropic-version: header is required")
            if version not in API_VERSIONS:
                return _bad(f"anthropic-version: {version!r} is not a valid version")
            refused_auth = self._authenticate(admin, presented, call.key, call.workspace)
            if refused_auth is not None:
                return refused_auth
            call.path_id = match.groupdict().get("id") or ""
            response = endpoints[method](call)
            if admin:
                response.headers["anthropic-organization-id"] = DEFAULT_ORG_ID
            return response
        return _error(404, "not_found_error", "The requested resource could not be found.")

    def _authenticate(
        self, admin: bool, presented: str, key: SimKey | None, workspace: str = ""
    ) -> _Response | None:
        """Refuse unless the right kind of key is present and scripted to answer."""
        if not presented:
            return _error(401, "authentication_error", "x-api-key header is required")
        if admin or key is None or key.status != "active":
            if admin and presented in self._admin_keys:
                return None
            return _error(401, "authentication_error", "invalid x-api-key")
        if key.scope == "organization":
            if not workspace:
                return _bad(WORKSPACE_REQUIRED_MESSAGE)
            with self._lock:
                known = {w.id for w in self._workspaces if w.archived_at is None}
            if workspace not in known:
                # [INFER] no source names this answer; a workspace the key cannot act in is a
                # permission problem (403 permission_error per the errors page).
                return _error(
                    403, "permission_error", f"The key cannot act in workspace {workspace}."
                )
        with self._lock:
            behavior = key.behavior
            if behavior is not Behavior.VALID and key.fail_times is not None:
                if self._failures[key.id] >= key.fail_times:
                    behavior = Behavior.VALID
                else:
                    self._failures[key.id] += 1
        return None if behavior is Behavior.VALID else _misbehave(behavior, key)

    def _list_models(self, call: _Call) -> _Response:
        return _page(list(MODELS), call.query)

    def _get_model(self, call: _Call) -> _Response:
        model = next((m for m in MODELS if m["id"] == call.path_id), None)
        return (
            _Response(200, model)
            if model
            else _error(404, "not_found_error", f"model: {call.path_id}")
        )

    def _create_message(self, call: _Call) -> _Response:
        """POST /v1/messages: validate like the API, answer "pong" and bill the tokens."""
        body, key = call.body, call.key
        problem = _message_problem(body, call.version)
        if problem is not None:
            return problem
        assert key is not None
        with self._lock:
            self._tally(key.id, _usage_minute(dt.datetime.now(dt.UTC)), 8, 1)
        usage = {
            "input_tokens": 8,
            "output_tokens": 1,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        }
        return _Response(
            200,
            {
                "id": "msg_01" + secrets.token_hex(11),
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": [{"type": "text", "text": "pong"}],
                "stop_reason": "max_tokens",
                "stop_sequence": None,
                "usage": usage,
            },
        )
