"""What the simulated Anthropic API sends: its constants, keys, workspaces and error bodies.

Shapes come from the official Python SDK, anthropic 2.14.0; ``SDK …/x.py`` means
``src/anthropic/x.py`` of that release (see :mod:`rotui.sim.anthropic`).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import re
import secrets
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

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
    CREATOR_LEFT = "creator_left"  # a Claude Code key whose creator left: dead
    ON_HOLD = "on_hold"  # the organization is on hold (trust and safety)


# error.details.error_code where the SDK defines one (SDK _exceptions.py extract_error_code reads
# `error.details.error_code`; SDK types/shared/enforced_spend_limit_reached_error.py is a 429).
# SDK _error_classes.py ERROR_CLASSES keys the exception by (status, error_code):
# types/shared/claude_code_key_creator_not_member_error.py and organization_on_hold_error.py
# (details.appeal_url optional) are 400s.
_ERROR_CODES: dict[Behavior, str] = {
    Behavior.SPEND_CAP: "enforced_spend_limit_reached",
    Behavior.CREATOR_LEFT: "claude_code_key_creator_not_member",
    Behavior.ON_HOLD: "organization_on_hold",
}
APPEAL_URL = "https://support.claude.com/appeal"  # [INFER] no source gives the real address
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
    # [INFER] the messages: the SDK types give the codes and meanings, not the API's wording
    Behavior.CREATOR_LEFT: (
        400,
        "invalid_request_error",
        "This API key's creator is no longer a member of the organization or its workspace.",
    ),
    Behavior.ON_HOLD: (400, "invalid_request_error", "This organization has been disabled."),
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
        details: dict[str, Any] = {"error_code": _ERROR_CODES[behavior]}
        if behavior is Behavior.ON_HOLD:
            details["appeal_url"] = APPEAL_URL
        response.payload["error"]["details"] = details
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


class _Server(LoopbackServer):
    """The loopback server; ``sim`` is the SimulatedAnthropic that answers."""

    sim: Any


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
