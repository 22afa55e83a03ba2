"""A simulated Anthropic HTTP API on loopback, so the demo and tests exercise real httpx code.

Shapes come from the official Python SDK, anthropic 2.14.0 (the version pinned in the ``test``
extra; ``tests/unit/test_sdk_contract.py`` parses every answer with it in strict validation on both
API versions). Where a comment cites ``SDK …/x.py`` it means ``src/anthropic/x.py`` of that release.
"""

# Over 400 lines: a test double of a whole API (messages, models, Admin keys, workspaces, usage),
# one handler per endpoint, each citing the upstream shape it follows.

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import re
import secrets
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from rotui.sim._http import LoopbackServer, QuietHandler

API_VERSIONS = ("2023-06-01", "2026-10-21")
NO_SAMPLING_VERSION = "2026-10-21"
DEFAULT_ORG_ID = "8f1c2e0a-0000-4000-8000-000000000001"
CREDIT_MESSAGE = (
    "Your credit balance is too low to access the Anthropic API. "
    "Please go to Plans & Billing to upgrade or purchase credits."
)
# The documented 400 for a spend limit the customer set (platform.claude.com/docs/en/api/errors,
# "spend limit reached"): no error code in SDK 2.14.0, the message says when access resumes.
SPEND_LIMIT_MESSAGE = (
    "You have reached your specified API usage limits. "
    "You will regain access on 2026-12-01 at 00:00 UTC."
)
# An identity-linked (organization-scoped) key must name the workspace it acts in; the SDK's
# `workspace_id` parameter ("only needed for credentials that can act on more than one Workspace",
# SDK types/beta/agent_list_params.py) is sent as this header (SDK _client.py
# _CLIENT_LEVEL_HEADER_PARAMS). The message is the API's, as /work/shared/reference records it.
WORKSPACE_HEADER = "anthropic-workspace-id"
WORKSPACE_REQUIRED_MESSAGE = (
    "anthropic-workspace-id is required when authenticating with an identity-linked API key; "
    "send the id of the workspace this request acts in."
)
DEFAULT_WORKSPACE_ID = "wrkspc_01SimDefaultWorkspace0"
KEY_STATUSES = ("active", "inactive", "archived", "expired")
# SDK types/model_info.py: `lifecycle` is required ("active" | "deprecated" | "retired").
MODELS: tuple[dict[str, str], ...] = tuple(
    {
        "id": model_id,
        "type": "model",
        "display_name": name,
        "created_at": created,
        "lifecycle": "active",
    }
    for model_id, name, created in (
        ("claude-opus-4-5", "Claude Opus 4.5", "2025-11-24T00:00:00Z"),
        ("claude-haiku-4-5", "Claude Haiku 4.5", "2025-10-15T00:00:00Z"),
        ("claude-sonnet-4-5", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"),
    )
)
# bucket_width → (bucket length, default limit, max limit), as the usage report documents them
BUCKET_WIDTHS: dict[str, tuple[dt.timedelta, int, int]] = {
    "1m": (dt.timedelta(minutes=1), 60, 1440),
    "1h": (dt.timedelta(hours=1), 24, 168),
    "1d": (dt.timedelta(days=1), 7, 31),
}
_BAD_GATEWAY_HTML = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
_INVALID_BODY = object()


class Behavior(enum.StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    FORBIDDEN = "forbidden"
    NO_CREDIT = "no_credit"
    BILLING = "billing"
    RATE_LIMITED = "rate_limited"
    SPEND_CAP = "spend_cap"
    SPEND_LIMIT = "spend_limit"
    OVERLOADED = "overloaded"
    SERVER_ERROR = "server_error"
    BAD_RESPONSE = "bad_response"
    MALFORMED_JSON = "malformed_json"
    RESET = "reset"


# error.details.error_code where the SDK defines one (SDK _exceptions.py extract_error_code reads
# `error.details.error_code`; SDK types/shared/enforced_spend_limit_reached_error.py is a 429).
_ERROR_CODES: dict[Behavior, str] = {Behavior.SPEND_CAP: "enforced_spend_limit_reached"}
_FAILURES: dict[Behavior, tuple[int, str, str]] = {
    Behavior.INVALID: (401, "authentication_error", "invalid x-api-key"),
    Behavior.FORBIDDEN: (403, "permission_error", "Key lacks permission for this resource."),
    Behavior.NO_CREDIT: (400, "invalid_request_error", CREDIT_MESSAGE),
    Behavior.BILLING: (402, "billing_error", "There is an issue with your billing information."),
    Behavior.RATE_LIMITED: (429, "rate_limit_error", "This request would exceed your rate limit."),
    Behavior.SPEND_CAP: (429, "rate_limit_error", "You have reached your API usage limits."),
    Behavior.SPEND_LIMIT: (400, "invalid_request_error", SPEND_LIMIT_MESSAGE),
    Behavior.OVERLOADED: (529, "overloaded_error", "Overloaded"),
    Behavior.SERVER_ERROR: (500, "api_error", "Internal server error"),
}


def key_hint(value: str) -> str:
    """Mask a key for logs: enough to tell keys apart, never enough to use one."""
    if len(value) <= 24:
        return value[:4] + "…" if value else ""
    return f"{value[:16]}…{value[-4:]}"


def partial_key_hint(value: str) -> str:
    """Build the Admin API's `partial_key_hint`, e.g. ``sk-ant-api03-R2D...igAA``."""
    match = re.match(r"sk-ant-[a-z]+\d*-", value)
    cut = match.end() + 3 if match else 3
    return f"{value[:cut]}...{value[-4:]}"


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class SimKey:
    """One API key the simulator knows, and how it should answer; repr never shows the value."""

    value: str = field(repr=False)
    behavior: Behavior = Behavior.VALID
    id: str = ""
    name: str = ""
    status: str = "active"
    workspace_id: str | None = None  # None: the organization's default workspace
    organization_id: str = DEFAULT_ORG_ID
    # "workspace", or "organization" for an identity-linked key bound to a user (SDK
    # types/organization/api_key_organization_scope.py: "Only a principal-bound API key can have
    # this scope"); such a key acts in the workspace its request names.
    scope: str = "workspace"
    user_id: str | None = None
    created_at: str = "2026-01-01T00:00:00Z"
    retry_after: str | None = "1"
    fail_times: int | None = None
    requests_limit: int = 4000
    tokens_limit: int = 400000

    def __post_init__(self) -> None:
        self.behavior = Behavior(self.behavior)
        if not self.id:
            self.id = "apikey_01" + hashlib.sha256(self.value.encode()).hexdigest()[:22]

    def to_api(self, version: str = "2023-06-01") -> dict[str, Any]:
        """Render the Admin API key object, which carries only the partial hint.

        SDK types/organization/api_key.py: `scope` is `{"type": "workspace", "workspace_id"}` with
        the workspace's real id even for the default workspace, or `{"type": "organization"}`;
        `principal` is a user or service-account actor, or null. The deprecated top-level
        `workspace_id` (null for the default workspace) is sent on 2023-06-01 only: the 2.14.0
        type has no such field, and the reference notes it is gone on 2026-10-21.
        """
        if self.scope == "organization":
            scope: dict[str, Any] = {"type": "organization"}
        else:
            scope = {"type": "workspace", "workspace_id": self.workspace_id or DEFAULT_WORKSPACE_ID}
        principal = (
            {"type": "user_actor", "user_id": self.user_id or "user_sim"}
            if self.scope == "organization" or self.user_id
            else None
        )
        item: dict[str, Any] = {
            "id": self.id,
            "type": "api_key",
            "name": self.name,
            "created_at": self.created_at,
            "created_by": {"id": "user_sim", "type": "user"},
            "partial_key_hint": partial_key_hint(self.value),
            "principal": principal,
            "scope": scope,
            "status": self.status,
            "expires_at": None,
        }
        if version != NO_SAMPLING_VERSION:
            item["workspace_id"] = self.workspace_id if self.scope == "workspace" else None
        return item

    @property
    def real_workspace_id(self) -> str | None:
        """The id in ``scope``: the default workspace's real id, or None for organization scope."""
        if self.scope == "organization":
            return None
        return self.workspace_id or DEFAULT_WORKSPACE_ID


@dataclass
class SimWorkspace:
    """One workspace of the organization (SDK types/organization/workspace.py)."""

    id: str
    name: str
    created_at: str = "2025-06-01T00:00:00Z"
    archived_at: str | None = None
    default: bool = False

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "workspace",
            "name": self.name,
            "created_at": self.created_at,
            "archived_at": self.archived_at,
            "display_color": "#6C5BB9",
            "compartment_id": "cmpt_" + hashlib.sha256(self.id.encode()).hexdigest()[:20],
            # SDK types/organization/data_residency.py
            "data_residency": {
                "allowed_inference_geos": "unrestricted",
                "default_inference_geo": "global",
                "workspace_geo": "us",
            },
            "external_key_id": None,
            "tags": {},
            "user_profile_id": None,
        }


@dataclass(frozen=True)
class RecordedRequest:
    """What a test may inspect about a request; the key appears only as a masked hint."""

    method: str
    path: str
    query: dict[str, list[str]]
    key_hint: str
    api_version: str | None
    auth_scheme: str
    json: Any | None


@dataclass
class _Response:
    """A response before serialisation, so request-id and key headers are added in one place."""

    status: int
    payload: Any = None
    raw: bytes | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False


@dataclass
class _Call:
    """A request that passed routing and authentication, as endpoints see it."""

    query: dict[str, list[str]]
    body: Any
    version: str
    key: SimKey | None
    path_id: str
    workspace: str = ""  # the anthropic-workspace-id request header, if sent


_Endpoint = Callable[[_Call], _Response]


def _error(status: int, kind: str, message: str) -> _Response:
    return _Response(status, {"type": "error", "error": {"type": kind, "message": message}})


def _bad(message: str) -> _Response:
    return _error(400, "invalid_request_error", message)


def _params(query: Mapping[str, list[str]], name: str) -> list[str]:
    """Read an array parameter in either bracket (`x[]=`) or plain (`x=`) form."""
    return [*query.get(name + "[]", []), *query.get(name, [])]


def _first(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _limit(query: Mapping[str, list[str]], default: int, high: int) -> int | _Response:
    raw = _first(query, "limit")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= high:
        return _bad(f"limit: Input should be an integer between 1 and {high}")
    return int(raw)


def _page(
    items: list[Any],
    query: Mapping[str, list[str]],
    render: Callable[[Any], dict[str, Any]] | None = None,
) -> _Response:
    """Apply the id-cursor paging that /v1/models and the Admin API lists share.

    With ``render``, ``items`` are objects with an ``id`` and only the page is rendered (an
    organisation of 10,000 keys is paged without rendering every key for every page).
    """
    limit = _limit(query, 20, 1000)
    if isinstance(limit, _Response):
        return limit
    ids = list(map(attrgetter("id") if render else itemgetter("id"), items))
    after, before = _first(query, "after_id"), _first(query, "before_id")
    if before:
        end = _position(ids, before, 0)
        start = max(0, end - limit)
        page, has_more = items[start:end], start > 0
    else:
        start = _position(ids, after, len(ids) - 1) + 1 if after else 0
        page, has_more = items[start : start + limit], start + limit < len(items)
    if render is not None:
        page = [render(item) for item in page]
    first, last = (page[0]["id"], page[-1]["id"]) if page else (None, None)
    return _Response(200, {"data": page, "has_more": has_more, "first_id": first, "last_id": last})


def _position(ids: list[str], cursor: str, unknown: int) -> int:
    """Where ``cursor`` is in ``ids`` (one scan), or ``unknown`` for an id not listed."""
    try:
        return ids.index(cursor)
    except ValueError:
        return unknown


def _parse_time(raw: str) -> dt.datetime | None:
    """Parse an RFC 3339 timestamp as UTC; a value without offset is taken as UTC."""
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _snap(moment: dt.datetime, width: dt.timedelta) -> dt.datetime:
    """The start of the UTC minute, hour or day that holds ``moment``."""
    moment = moment.astimezone(dt.UTC)
    if width >= dt.timedelta(days=1):
        return dt.datetime.combine(moment.date(), dt.time(), dt.UTC)
    if width >= dt.timedelta(hours=1):
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(second=0, microsecond=0)


def _usage_minute(when: str | dt.date | dt.datetime) -> dt.datetime:
    """The UTC minute usage is filed under: a day means its midnight, a naive moment is UTC."""
    if isinstance(when, str):
        parsed = _parse_time(when)
        if parsed is None:
            raise ValueError(f"not a date or an RFC 3339 time: {when!r}")
        when = parsed
    if not isinstance(when, dt.datetime):
        when = dt.datetime.combine(when, dt.time(), dt.UTC)
    elif when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return _snap(when, dt.timedelta(minutes=1))


class SimulatedAnthropic:
    """An in-process fake of api.anthropic.com with scriptable per-key failures."""

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
        self.latency = latency
        self._port = port
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
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._base_url = ""
        for key in keys:
            self.add_key(key)

    def start(self) -> str:
        """Serve in a daemon thread and return the base URL clients should use."""
        if self._server is None:
            self._server = _Server(("127.0.0.1", self._port), _Handler)
            self._server.sim = self
            self._base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name="sim-anthropic",
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

    def __enter__(self) -> SimulatedAnthropic:
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

    def _find(self, key_id: str, *, by_value: bool = False) -> SimKey | None:
        """Look a key up by id (or also by value); the caller holds the lock."""
        found = self._by_id.get(key_id)
        return found if found is not None or not by_value else self._by_value.get(key_id)

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

    def _list_keys(self, call: _Call) -> _Response:
        """GET /v1/organizations/api_keys: newest first, filtered by status and workspace."""
        status, workspace = _first(call.query, "status"), _first(call.query, "workspace_id")
        if status is not None and status not in KEY_STATUSES:
            return _bad(f"status: {status!r} is not one of {', '.join(KEY_STATUSES)}")
        with self._lock:
            if self._newest_first is None:
                self._newest_first = sorted(
                    self._keys, key=lambda k: (k.created_at, k.id), reverse=True
                )
            items = self._newest_first
            if status is not None or workspace is not None:
                items = [
                    k
                    for k in items
                    if status in (None, k.status)
                    and (workspace is None or workspace in (k.workspace_id, k.real_workspace_id))
                ]
            return _page(items, call.query, lambda k: k.to_api(call.version))

    def _list_workspaces(self, call: _Call) -> _Response:
        """GET /v1/organizations/workspaces (SDK types/organization/workspace_list_params.py).

        ``include_archived`` and ``include_default`` are false unless sent as true: the default
        workspace is listed only when asked for.
        """
        flags = {}
        for name in ("include_archived", "include_default"):
            raw = (_first(call.query, name) or "false").lower()
            if raw not in ("true", "false"):
                return _bad(f"{name}: Input should be a valid boolean")
            flags[name] = raw == "true"
        with self._lock:
            items = [
                w.to_api()
                for w in sorted(self._workspaces, key=lambda w: (w.created_at, w.id))
                if (flags["include_default"] or not w.default)
                and (flags["include_archived"] or w.archived_at is None)
            ]
        return _page(items, call.query)

    def _get_key(self, call: _Call) -> _Response:
        with self._lock:
            key = self._find(call.path_id)
        if key is None:
            return _error(404, "not_found_error", "Not found")
        return _Response(200, key.to_api(call.version))

    def _update_key(self, call: _Call) -> _Response:
        """POST /v1/organizations/api_keys/{id}: rename or change status; archiving is one-way."""
        body = call.body
        if not isinstance(body, dict):
            return _bad("request body must be a JSON object")
        name, status = body.get("name"), body.get("status")
        if name is not None and not isinstance(name, str):
            return _bad("name: Input should be a valid string")
        if status not in (None, "active", "inactive", "archived"):
            return _bad("status: Input should be 'active', 'inactive' or 'archived'")
        with self._lock:
            key = self._find(call.path_id)
            if key is None:
                return _error(404, "not_found_error", "Not found")
            if key.status == "archived" and status not in (None, "archived"):
                return _bad("An archived API key cannot change status.")
            key.name = key.name if name is None else name
            key.status = key.status if status is None else status
            return _Response(200, key.to_api(call.version))

    def _usage_report(self, call: _Call) -> _Response:
        """GET /v1/organizations/usage_report/messages: 1m, 1h or 1d buckets, paged by next_page."""
        query = call.query
        raw_start, raw_end = _first(query, "starting_at"), _first(query, "ending_at")
        if not raw_start:
            return _bad("starting_at: Field required")
        width_name = _first(query, "bucket_width")
        width_name = "1d" if width_name is None else width_name
        if width_name not in BUCKET_WIDTHS:
            return _bad("bucket_width: Input should be '1m', '1h' or '1d'")
        width, default_limit, max_limit = BUCKET_WIDTHS[width_name]
        limit = _limit(query, default_limit, max_limit)
        if isinstance(limit, _Response):
            return limit
        groups = set(_params(query, "group_by"))
        if not groups <= {"api_key_id", "workspace_id"}:
            return _bad("group_by: the simulator supports only api_key_id and workspace_id")
        start_at = _parse_time(raw_start)
        end_at = _parse_time(raw_end) if raw_end else dt.datetime.now(dt.UTC)
        page = _first(query, "page")
        if page:
            start_at = _parse_time(page.removeprefix("page_")) if page.startswith("page_") else None
        if start_at is None or end_at is None:
            return _bad("starting_at, ending_at or page: invalid value")
        start, end = _snap(start_at, width), _snap(end_at, width)
        end += width if end_at > end else dt.timedelta()
        count = min(limit, max(0, -(-(end - start) // width)))
        following = start + count * width
        key_ids = set(_params(query, "api_key_ids"))
        with self._lock:
            workspaces = {k.id: k.workspace_id for k in self._keys}
            usage = [
                (kid, minute, tally[0], tally[1])
                for (kid, minute), tally in self._usage.items()
                if (not key_ids or kid in key_ids) and start <= minute < following
            ]
        data = []
        for offset in range(count):
            bucket = start + offset * width
            totals: dict[tuple[str | None, str | None], list[int]] = {}
            for kid, minute, tokens_in, tokens_out in usage:
                if bucket <= minute < bucket + width:
                    group = (
                        kid if "api_key_id" in groups else None,
                        workspaces.get(kid) if "workspace_id" in groups else None,
                    )
                    tally = totals.setdefault(group, [0, 0])
                    tally[0], tally[1] = tally[0] + tokens_in, tally[1] + tokens_out
            order = sorted(totals, key=lambda group: (group[0] or "", group[1] or ""))
            results = [_usage_result(group, totals[group]) for group in order]
            data.append(
                {
                    "starting_at": _rfc3339(bucket),
                    "ending_at": _rfc3339(bucket + width),
                    "results": results,
                }
            )
        more = following < end
        return _Response(
            200,
            {
                "data": data,
                "has_more": more,
                "next_page": f"page_{_rfc3339(following)}" if more else None,
            },
        )

    def _organization(self, call: _Call) -> _Response:
        return _Response(
            200, {"id": DEFAULT_ORG_ID, "type": "organization", "name": "Simulated Org"}
        )


def _presented_key(headers: Mapping[str, str]) -> tuple[str, str]:
    """Read the key from x-api-key or a Bearer header, as both API versions accept."""
    value = (headers.get("x-api-key") or "").strip()
    if value:
        return value, "x-api-key"
    scheme, _, token = (headers.get("authorization") or "").strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip(), "bearer"
    return "", "none"


def _key_headers(key: SimKey, status: int, workspace: str = "") -> dict[str, str]:
    """Organization, workspace and rate-limit headers the API adds for a known key."""
    reset = _rfc3339(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
    headers = {"anthropic-organization-id": key.organization_id}
    for kind, limit in (("requests", key.requests_limit), ("tokens", key.tokens_limit)):
        headers[f"anthropic-ratelimit-{kind}-limit"] = str(limit)
        headers[f"anthropic-ratelimit-{kind}-remaining"] = "0" if status == 429 else str(limit - 1)
        headers[f"anthropic-ratelimit-{kind}-reset"] = reset
    if key.scope == "organization" and workspace and status < 400:
        headers[WORKSPACE_HEADER] = workspace  # the workspace the request acted in
    elif key.scope != "organization" and key.workspace_id:
        headers[WORKSPACE_HEADER] = key.workspace_id
    return headers


def _misbehave(behavior: Behavior, key: SimKey) -> _Response:
    """The response of a key scripted to fail."""
    if behavior is Behavior.BAD_RESPONSE:
        return _Response(502, raw=_BAD_GATEWAY_HTML, content_type="text/html")
    if behavior is Behavior.MALFORMED_JSON:
        return _Response(200, raw=b'{"data": [{"id": "claude-opus-4-5", "type": "mod')
    if behavior is Behavior.RESET:
        return _Response(200, {"data": list(MODELS), "has_more": False}, reset=True)
    status, kind, message = _FAILURES[behavior]
    response = _error(status, kind, message)
    if behavior in _ERROR_CODES:
        response.payload["error"]["details"] = {"error_code": _ERROR_CODES[behavior]}
    if behavior is Behavior.RATE_LIMITED and key.retry_after is not None:
        response.headers["retry-after"] = key.retry_after
    return response


def _message_problem(body: Any, version: str) -> _Response | None:
    """Validate a Messages request body the way the API does, naming the bad field."""
    if not isinstance(body, dict):
        return _bad("request body must be a JSON object")
    missing = [name for name in ("model", "max_tokens", "messages") if name not in body]
    if missing:
        return _bad(f"{missing[0]}: Field required")
    max_tokens, messages = body["max_tokens"], body["messages"]
    if not isinstance(body["model"], str):
        return _bad("model: Input should be a valid string")
    if type(max_tokens) is not int or max_tokens < 1:
        return _bad("max_tokens: Input should be an integer greater than or equal to 1")
    if not isinstance(messages, list) or not messages:
        return _bad("messages: at least one message is required")
    sampling = [name for name in ("temperature", "top_p", "top_k") if name in body]
    if version == NO_SAMPLING_VERSION and sampling:
        return _bad(f"{sampling[0]}: not supported with anthropic-version {NO_SAMPLING_VERSION}")
    if body["model"] not in {m["id"] for m in MODELS}:
        return _error(404, "not_found_error", f"model: {body['model']}")
    return None


def _usage_result(group: tuple[str | None, str | None], tally: list[int]) -> dict[str, Any]:
    return {
        "uncached_input_tokens": tally[0],
        "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
        "cache_read_input_tokens": 0,
        "output_tokens": tally[1],
        "server_tool_use": {"web_search_requests": 0},
        "api_key_id": group[0],
        "workspace_id": group[1],
        "model": None,
        "service_tier": None,
        "context_window": None,
    }


class _Server(LoopbackServer):
    sim: SimulatedAnthropic


class _Handler(QuietHandler):
    """Thin HTTP layer: read the request, let the simulator decide, write the answer."""

    server_version = "sim-anthropic"

    def do_GET(self) -> None:
        method, target, headers, raw = self.read_request()
        self._write(cast(_Server, self.server).sim._handle(method, target, headers, raw))

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _write(self, response: _Response) -> None:
        """Send the response, or break off mid-body to imitate a connection reset."""
        request_id = response.headers.pop("request-id", None) or "req_" + secrets.token_hex(12)
        if isinstance(response.payload, dict) and response.payload.get("type") == "error":
            response.payload["request_id"] = request_id
        body = response.raw if response.raw is not None else json.dumps(response.payload).encode()
        self.send_response(response.status, "Overloaded" if response.status == 529 else None)
        self.send_header("request-id", request_id)
        self.send_header("content-type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        promised = len(body) + (4096 if response.reset else 0)
        self.send_header("content-length", str(promised))
        self.end_headers()
        if not response.reset:
            self.wfile.write(body)
            return
        self.wfile.write(body[: len(body) // 2])
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)
