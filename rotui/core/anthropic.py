"""The Anthropic HTTP client: key validation, the Admin API and the usage report.

Every HTTP outcome is turned into a domain result in one place (:func:`classify`), so callers see
``ValidationResult`` and ``RotuiError``, never ``httpx``. Keys are sent as ``x-api-key``, which the
API accepts on every version (SDKs since 2026-10-21 send ``Authorization: Bearer``; both work).

Shapes and codes follow the official SDK, anthropic 2.14.0 (``src/anthropic/...``):
``types/organization/api_key.py`` (``scope``), ``types/organization/workspace.py`` and
``workspace_list_params.py`` (``include_default``), ``_exceptions.py`` (``error.details.error_code``)
and ``_client.py`` (the ``anthropic-workspace-id`` client-level header).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import json
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from sys import intern
from typing import Any

import httpx

from rotui import __version__
from rotui.core.bounded_http import DeadlineExceeded, ResponseTooLarge
from rotui.core.errors import ProviderError
from rotui.core.model import (
    DEFAULT_BASE_URL,
    RemoteKey,
    ValidationMode,
    ValidationResult,
    ValidationStatus,
)
from rotui.core.secret import Secret, redact

MAX_RETRY_AFTER = 60.0
INITIAL_BACKOFF = 0.5
MAX_BACKOFF = 8.0
RATELIMIT_PREFIXES = ("anthropic-ratelimit-", "anthropic-priority-")
# Credit exhaustion has no error code in SDK 2.14.0 (types/shared/*_error_details.py): it is
# recognised by the 402 status, by a code where the API gives one, and by its message only as a
# fallback (the 400 many clients record, see /work/shared/reference/anthropic-api.md §2).
CREDIT_MESSAGE = "credit balance is too low"
CREDIT_CODES = frozenset(
    {
        # SDK types/shared/linked_organization_spend_limit_reached_error.py (402): "has reached a
        # spend limit that it set, or lacks credit for the request"
        "linked_organization_spend_limit_reached",
        "linked_organization_billing_unavailable",
    }
)
# A spend limit: SDK types/shared/enforced_spend_limit_reached_error.py (429, the tier's monthly
# cap) and contract_spend_limit_reached_error.py (429). The customer's own limit is a documented
# 400 invalid_request_error without a code in 2.14.0; its message begins as below
# (platform.claude.com/docs/en/api/errors, "spend limit reached").
SPEND_LIMIT_CODES = frozenset({"enforced_spend_limit_reached", "contract_spend_limit_reached"})
SPEND_LIMIT_MESSAGE = "you have reached your specified"
# The 400 an identity-linked key gets without the header (reference §5); no code in 2.14.0.
WORKSPACE_REQUIRED_MESSAGE = "anthropic-workspace-id is required"
WORKSPACE_HEADER = "anthropic-workspace-id"
WORKSPACE_ID_PREFIX = "wrkspc_"
DEFAULT_WORKSPACE = "default"
NEVER_RETRIED = frozenset({400, 401, 402, 403, 404, 413, 422})
# bucket_width → the most buckets one page of the usage report may hold (the documented maxima)
USAGE_BUCKET_LIMITS = {"1m": 1440, "1h": 168, "1d": 31}

Clock = Callable[[], dt.datetime]
Sleep = Callable[[float], Awaitable[None]]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _KeyAuth(httpx.Auth):
    """Adds the key at the last moment, so no local variable or repr along the way holds it."""

    def __init__(self, secret: Secret) -> None:
        self._secret = secret

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["x-api-key"] = self._secret.reveal()
        yield request

    def __repr__(self) -> str:
        return f"_KeyAuth({self._secret!r})"


class _BearerAuth(_KeyAuth):
    """The key as ``Authorization: Bearer`` (what some gateways read), added just as late."""

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["authorization"] = "Bearer " + self._secret.reveal()
        yield request

    def __repr__(self) -> str:
        return f"_BearerAuth({self._secret!r})"


@dataclass
class Outcome:
    """The classified result of one HTTP exchange (after retries)."""

    status: ValidationStatus
    http_status: int | None = None
    error_type: str | None = None
    message: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    error_code: str | None = None
    body: Any = None
    retry_after: float | None = None
    latency_ms: float | None = None
    attempts: int = 1


def parse_retry_after(headers: Mapping[str, str], now: dt.datetime | None = None) -> float | None:
    """Seconds to wait, from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return float(raw_ms) / 1000
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max((when - (now or utcnow())).total_seconds(), 0.0)


def _error_envelope(body: Any) -> tuple[str, str, str | None] | None:
    """``error.type``, ``error.message`` and ``error.details.error_code`` (SDK _exceptions.py)."""
    if (
        isinstance(body, dict)
        and body.get("type") == "error"
        and isinstance(body.get("error"), dict)
    ):
        error = body["error"]
        details = error.get("details")
        code = details.get("error_code") if isinstance(details, dict) else None
        return (
            str(error.get("type", "")),
            redact(str(error.get("message", "")))[:500],
            code if isinstance(code, str) and code else None,
        )
    return None


def classify_error(code: int, error_type: str, message: str, error_code: str | None) -> str:
    """The status of an API error body: by its code first, by its message only as a fallback."""
    lowered = message.lower()
    if code == 401:
        return ValidationStatus.INVALID
    if error_code in SPEND_LIMIT_CODES:
        return ValidationStatus.SPEND_LIMIT
    if code == 402 or error_code in CREDIT_CODES:
        return ValidationStatus.NO_CREDIT
    if code == 403:
        return ValidationStatus.FORBIDDEN
    if code == 400:
        if WORKSPACE_REQUIRED_MESSAGE in lowered:
            return ValidationStatus.WORKSPACE_REQUIRED
        if error_code is None and lowered.startswith(SPEND_LIMIT_MESSAGE):
            return ValidationStatus.SPEND_LIMIT
        if error_code is None and CREDIT_MESSAGE in lowered:
            return ValidationStatus.NO_CREDIT
        return ValidationStatus.BAD_RESPONSE
    if code == 429:
        return ValidationStatus.RATE_LIMITED
    if code == 529:
        return ValidationStatus.OVERLOADED
    if code >= 500:
        return ValidationStatus.SERVER_ERROR
    return ValidationStatus.BAD_RESPONSE


def _describe_non_json(response: httpx.Response) -> str:
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    if "html" in kind:
        origin = "probably a proxy, gateway or captive portal, not the Anthropic API"
    else:
        origin = "not the JSON the Anthropic API sends"
    return f"HTTP {response.status_code} with a {kind} body: {origin}"


def classify(response: httpx.Response, expect: Callable[[Any], bool]) -> Outcome:
    """The one place where an HTTP response becomes a validation status."""
    code = response.status_code
    try:
        body: Any = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        if code == 529:
            return Outcome(ValidationStatus.OVERLOADED, code, None, _describe_non_json(response))
        if code >= 500:  # a gateway's error page: still the provider's side, and retried
            return Outcome(ValidationStatus.SERVER_ERROR, code, None, _describe_non_json(response))
        return Outcome(ValidationStatus.BAD_RESPONSE, code, None, _describe_non_json(response))
    envelope = _error_envelope(body)
    if code == 200:
        if expect(body):
            return Outcome(ValidationStatus.VALID, code, body=body)
        return Outcome(
            ValidationStatus.BAD_RESPONSE,
            code,
            None,
            "HTTP 200 but the body is not what the API sends",
        )
    if envelope is None:
        return Outcome(
            ValidationStatus.BAD_RESPONSE, code, None, f"HTTP {code} without the API's error body"
        )
    error_type, message, error_code = envelope
    status = ValidationStatus(classify_error(code, error_type, message, error_code))
    return Outcome(status, code, error_type, message, error_code=error_code)


def describe_transport_error(exc: httpx.TransportError, timeout: float) -> tuple[str, str]:
    """A short kind and a sentence for a network failure: DNS, refused, TLS, timeout or reset."""
    import socket
    import ssl

    if isinstance(exc, httpx.LocalProtocolError):
        # Raised while building the request, and its text can quote a header value: never show it.
        return "local", "the request could not be built (a header value is malformed)"
    causes = _causes(exc)
    texts = list(dict.fromkeys(str(c) for c in causes if str(c)))
    text = redact("; ".join(texts))
    lowered = text.lower()
    if isinstance(exc, DeadlineExceeded):
        return "timeout", f"{exc} in all (a stalled or trickling server)"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", f"no answer within {timeout:g} s ({type(exc).__name__})"
    if isinstance(exc, httpx.ProxyError):
        return "proxy", f"the proxy refused the connection: {text}"
    if any(isinstance(c, socket.gaierror) for c in causes) or any(
        s in lowered
        for s in ("name or service not known", "nodename nor servname", "name resolution")
    ):
        return "dns", f"DNS lookup failed: {text}"
    if any(isinstance(c, ssl.SSLError) for c in causes) or "certificate" in lowered:
        return "tls", f"TLS handshake failed: {text}"
    if any(isinstance(c, ConnectionRefusedError) for c in causes) or "refused" in lowered:
        return "connect", f"connection refused: {text}"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "reset", f"the connection closed mid-response: {text or type(exc).__name__}"
    return "network", f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 6:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _is_models_page(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("data"), list)


def _is_message(body: Any) -> bool:
    return isinstance(body, dict) and body.get("type") == "message"


def _ratelimits(headers: Mapping[str, str]) -> dict[str, str]:
    # Header names repeat in every result: one shared string each (validate-all of 2,000 keys).
    return {intern(k): v for k, v in headers.items() if k.startswith(RATELIMIT_PREFIXES)}


class AnthropicClient:
    """Talks to the Messages, Models and Admin APIs over one shared ``httpx.AsyncClient``."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_version: str = "2023-06-01",
        max_concurrency: int = 8,
        max_retries: int = 2,
        timeout: float = 30.0,
        admin_base_url: str = DEFAULT_BASE_URL,
        clock: Clock = utcnow,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = lambda: random.uniform(0.75, 1.0),
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._http = http
        self.api_version = api_version
        self.max_concurrency = max_concurrency
        self.max_retries = max_retries
        self.timeout = timeout
        # The Admin key goes here and nowhere else: never a key's base_url or a gateway.
        self.admin_base_url = (admin_base_url or DEFAULT_BASE_URL).rstrip("/")
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter
        self._timer = timer
        self._limits: dict[str, asyncio.Semaphore] = {}
        # base URL -> the organization's workspaces, listed once per client (one client per run)
        self._directories: dict[str, WorkspaceDirectory] = {}
        self._directory_locks: dict[str, asyncio.Lock] = {}

    def now(self) -> dt.datetime:
        return self._clock()

    def _limit(self, base_url: str) -> asyncio.Semaphore:
        """At most ``max_concurrency`` requests in flight to one API."""
        if base_url not in self._limits:
            self._limits[base_url] = asyncio.Semaphore(self.max_concurrency)
        return self._limits[base_url]

    def _backoff(self, retry: int) -> float:
        return min(INITIAL_BACKOFF * 2.0**retry, MAX_BACKOFF) * self._jitter()

    async def _exchange(
        self,
        method: str,
        base_url: str,
        path: str,
        secret: Secret,
        expect: Callable[[Any], bool],
        *,
        params: Any = None,
        payload: Any = None,
        workspace_id: str | None = None,
    ) -> Outcome:
        """Send one request with retries: 429 only with retry-after, 408/409/5xx/529 with backoff."""
        base = (base_url or DEFAULT_BASE_URL).rstrip("/")
        headers = {
            "anthropic-version": self.api_version,
            "accept": "application/json",
            "user-agent": f"rotui/{__version__}",
        }
        if workspace_id:
            headers[WORKSPACE_HEADER] = workspace_id
        attempt = 0
        while True:
            attempt += 1
            async with self._limit(base):
                started = self._timer()  # the exchange itself, not the wait for a slot
                try:
                    response = await self._http.request(
                        method,
                        base + path,
                        headers=headers,
                        params=params,
                        json=payload,
                        auth=_KeyAuth(secret),
                        timeout=self.timeout,
                    )
                except ResponseTooLarge as exc:
                    outcome = Outcome(ValidationStatus.BAD_RESPONSE, None, "too_large", str(exc))
                    response = None
                except httpx.TransportError as exc:
                    kind, message = describe_transport_error(exc, self.timeout)
                    outcome = Outcome(ValidationStatus.NETWORK_ERROR, None, kind, message)
                    response = None
                latency = (self._timer() - started) * 1000
            wait: float | None = None
            if response is not None:
                outcome = classify(response, expect)
                outcome.headers = response.headers
                outcome.retry_after = parse_retry_after(response.headers, self._clock())
                wait = self._retry_wait(response.status_code, response.headers, outcome, attempt)
            elif (
                outcome.error_type not in ("dns", "tls", "local", "too_large")
                and attempt <= self.max_retries
            ):
                wait = self._backoff(attempt - 1)
            outcome.latency_ms = round(latency, 1)
            outcome.attempts = attempt
            if wait is None:
                return outcome
            await self._sleep(wait)

    async def probe_models(self, base_url: str, *, bearer: Secret | None = None) -> Outcome:
        """One raw ``GET /v1/models?limit=1``, no retry: without a key, or with it as Bearer.

        For the diagnoses: without a key the API answers 401, which proves it is reachable (its
        ``date`` header dates the clock check); with ``Authorization: Bearer`` it tells whether a
        gateway reads the other header (the header-drift check). Never a way to validate a key.
        """
        base = (base_url or DEFAULT_BASE_URL).rstrip("/")
        headers = {
            "anthropic-version": self.api_version,
            "accept": "application/json",
            "user-agent": f"rotui/{__version__}",
        }
        async with self._limit(base):
            try:
                response = await self._http.get(
                    base + "/v1/models",
                    params={"limit": 1},
                    headers=headers,
                    auth=_BearerAuth(bearer) if bearer is not None else httpx.USE_CLIENT_DEFAULT,
                    timeout=self.timeout,
                )
            except httpx.TransportError as exc:
                kind, message = describe_transport_error(exc, self.timeout)
                return Outcome(ValidationStatus.NETWORK_ERROR, None, kind, message)
        outcome = classify(response, _is_models_page)
        outcome.headers = response.headers
        return outcome

    def _retry_wait(
        self, code: int, headers: Mapping[str, str], outcome: Outcome, attempt: int
    ) -> float | None:
        if attempt > self.max_retries or code in NEVER_RETRIED:
            return None
        should = headers.get("x-should-retry")
        if should == "false":
            return None
        after = outcome.retry_after
        if code == 429:
            # A 429 without retry-after is a spend cap: it keeps failing until access resumes.
            if after is not None and 0 <= after <= MAX_RETRY_AFTER:
                return after
            return None
        if code in (408, 409) or code >= 500 or should == "true":
            if after is not None and 0 <= after <= MAX_RETRY_AFTER:
                return after
            return self._backoff(attempt - 1)
        return None

    async def validate(
        self,
        name: str,
        secret: Secret | None,
        *,
        base_url: str | None = None,
        mode: ValidationMode = ValidationMode.AUTH,
        ping_model: str = "claude-haiku-4-5",
        workspace: str | None = None,
        admin: Secret | None = None,
    ) -> ValidationResult:
        """Check one key: ``auth`` lists models (no tokens), ``ping`` sends a 1-token message (billed).

        ``workspace`` is the key's configured workspace: an id (``wrkspc_…``) is sent as
        ``anthropic-workspace-id``, as the SDK's ``workspace_id`` client parameter does; a name is
        first resolved through the Admin API's workspaces list (with ``admin``, once per client).
        A workspace-bound key ignores the header; an identity-linked key cannot work without it.
        """
        if secret is None:
            return ValidationResult(
                key=name,
                status=ValidationStatus.NO_SECRET,
                checked_at=self._clock(),
                mode=mode,
                message="the key's source gave no value",
                attempts=0,
            )
        unresolved = ""
        try:
            workspace_id = await self.workspace_header(workspace, admin)
        except ProviderError as exc:
            # A workspace-bound key needs no header: check it anyway, and say why none was sent
            # if the key turns out to be identity-linked.
            workspace_id, unresolved = None, f" ({exc.title}: {exc.message})"
        if mode is ValidationMode.PING:
            body = {
                "model": ping_model,
                "max_tokens": 1,
                "messages": [{"role": "user", "content": "ping"}],
            }
            outcome = await self._exchange(
                "POST",
                base_url or DEFAULT_BASE_URL,
                "/v1/messages",
                secret,
                _is_message,
                payload=body,
                workspace_id=workspace_id,
            )
        else:
            outcome = await self._exchange(
                "GET",
                base_url or DEFAULT_BASE_URL,
                "/v1/models",
                secret,
                _is_models_page,
                params={"limit": 1},
                workspace_id=workspace_id,
            )
        headers = outcome.headers
        message = outcome.message
        if outcome.status is ValidationStatus.WORKSPACE_REQUIRED:
            message = workspace_required_message(name, workspace) + unresolved
        return ValidationResult(
            key=name,
            status=outcome.status,
            checked_at=self._clock(),
            mode=mode,
            hint=secret.hint,
            http_status=outcome.http_status,
            error_type=outcome.error_type,
            message=message,
            error_code=outcome.error_code,
            request_id=headers.get("request-id"),
            organization_id=headers.get("anthropic-organization-id"),
            workspace_id=headers.get("anthropic-workspace-id"),
            ratelimits=_ratelimits(headers),
            retry_after=outcome.retry_after,
            latency_ms=outcome.latency_ms,
            attempts=outcome.attempts,
        )

    async def _admin(self, method: str, path: str, admin: Secret, **kwargs: Any) -> Any:
        """One Admin API call, always to ``admin_base_url``."""
        outcome = await self._exchange(
            method,
            self.admin_base_url,
            path,
            admin,
            lambda b: isinstance(b, dict),
            **kwargs,
        )
        if outcome.status is not ValidationStatus.VALID:
            raise admin_error(outcome)
        return outcome.body

    async def workspace_header(self, workspace: str | None, admin: Secret | None) -> str | None:
        """The ``anthropic-workspace-id`` to send for a configured workspace, or None.

        An id is sent as is; ``default`` (or nothing) sends no header; a name is resolved through
        the workspaces list, which needs the Admin key. Raises ``ProviderError`` when a name cannot
        be resolved.
        """
        if not workspace or workspace == DEFAULT_WORKSPACE:
            return None
        if workspace.startswith(WORKSPACE_ID_PREFIX):
            return workspace
        if admin is None:
            raise ProviderError(
                f"workspace “{workspace}” is a name",
                "rotui needs settings.admin_key to look its id up, or configure the id "
                '(workspace = "wrkspc_…")',
            )
        directory = await self.workspace_directory(admin)
        found = directory.by_name.get(workspace)
        if found is None:
            raise ProviderError(
                f"no workspace named “{workspace}”",
                "the Admin API lists: " + (", ".join(sorted(directory.by_name)) or "none"),
            )
        return found

    async def list_workspaces(
        self,
        admin: Secret,
        *,
        include_default: bool = False,
        include_archived: bool = False,
    ) -> list[dict[str, Any]]:
        """``GET /v1/organizations/workspaces``, every page (SDK workspace_list_params.py)."""
        params: dict[str, Any] = {
            "limit": 100,
            "include_default": str(include_default).lower(),
            "include_archived": str(include_archived).lower(),
        }
        found: list[dict[str, Any]] = []
        for _ in range(1000):
            page = await self._admin("GET", "/v1/organizations/workspaces", admin, params=params)
            found += [w for w in page.get("data") or [] if isinstance(w, dict) and w.get("id")]
            if not page.get("has_more") or not page.get("last_id"):
                break
            params = {**params, "after_id": page["last_id"]}
        return found

    async def workspace_directory(self, admin: Secret) -> WorkspaceDirectory:
        """The organization's workspaces by name and the default workspace's real id, cached.

        The list hides the default workspace unless ``include_default`` is true, so the one id
        that appears only with it is the default's.
        """
        base = self.admin_base_url
        lock = self._directory_locks.setdefault(base, asyncio.Lock())
        async with lock:
            if base not in self._directories:
                everything = await self.list_workspaces(admin, include_default=True)
                others = await self.list_workspaces(admin)
                other_ids = {w["id"] for w in others}
                defaults = [w["id"] for w in everything if w["id"] not in other_ids]
                self._directories[base] = WorkspaceDirectory(
                    by_name={str(w.get("name") or ""): str(w["id"]) for w in others},
                    default_id=defaults[0] if len(defaults) == 1 else None,
                )
            return self._directories[base]

    async def list_api_keys(
        self,
        admin: Secret,
        *,
        status: str | None = None,
        workspace_id: str | None = None,
    ) -> list[RemoteKey]:
        """Every API key of the organization, following the pages to the end."""
        keys: list[RemoteKey] = []
        async for item in self._pages(admin, status, workspace_id):
            keys.append(remote_key(item))
        return keys

    async def _pages(
        self, admin: Secret, status: str | None, workspace_id: str | None
    ) -> AsyncIterator[dict[str, Any]]:
        params: dict[str, Any] = {"limit": 100}
        if status:
            params["status"] = status
        if workspace_id:
            params["workspace_id"] = workspace_id
        for _ in range(1000):
            page = await self._admin("GET", "/v1/organizations/api_keys", admin, params=params)
            for item in page.get("data") or []:
                if isinstance(item, dict) and item.get("id"):
                    yield item
            if not page.get("has_more") or not page.get("last_id"):
                return
            params = {**params, "after_id": page["last_id"]}

    async def get_api_key(self, admin: Secret, key_id: str) -> RemoteKey:
        body = await self._admin("GET", f"/v1/organizations/api_keys/{key_id}", admin)
        return remote_key(body)

    async def set_api_key_status(self, admin: Secret, key_id: str, status: str) -> RemoteKey:
        """Deactivate (``inactive``, reversible) or reactivate a key through the Admin API."""
        body = await self._admin(
            "POST",
            f"/v1/organizations/api_keys/{key_id}",
            admin,
            payload={"status": status},
        )
        return remote_key(body)

    async def usage_report(
        self,
        admin: Secret,
        starting_at: dt.datetime,
        ending_at: dt.datetime | None = None,
        *,
        bucket_width: str = "1d",
        api_key_ids: list[str] | None = None,
    ) -> dict[str, dict[dt.datetime, int]]:
        """Tokens per API key id per bucket (keyed by the bucket's UTC start), grouped by key.

        ``bucket_width`` is ``1m``, ``1h`` or ``1d``; the API snaps ``starting_at`` to the bucket
        and treats ``ending_at`` as exclusive. Each page asks for the documented maximum number of
        buckets (1440, 168 or 31) and ``next_page`` is followed to the end. Buckets without usage
        are absent from the result.
        """
        if bucket_width not in USAGE_BUCKET_LIMITS:
            raise ValueError(f"bucket_width must be one of {', '.join(USAGE_BUCKET_LIMITS)}")
        params: dict[str, Any] = {
            "starting_at": _rfc3339(starting_at),
            "bucket_width": bucket_width,
            "group_by[]": "api_key_id",
            "limit": USAGE_BUCKET_LIMITS[bucket_width],
        }
        if ending_at:
            params["ending_at"] = _rfc3339(ending_at)
        if api_key_ids:
            params["api_key_ids[]"] = api_key_ids
        usage: dict[str, dict[dt.datetime, int]] = {}
        for _ in range(1000):
            page = await self._admin(
                "GET", "/v1/organizations/usage_report/messages", admin, params=params
            )
            for bucket in page.get("data") or []:
                begins = _parse_time(bucket.get("starting_at"))
                for row in bucket.get("results") or []:
                    key_id = row.get("api_key_id")
                    if not key_id or begins is None:
                        continue
                    per_bucket = usage.setdefault(key_id, {})
                    per_bucket[begins] = per_bucket.get(begins, 0) + _tokens(row)
            if not page.get("has_more") or not page.get("next_page"):
                return usage
            params = {**params, "page": page["next_page"]}
        return usage

    async def hourly_usage(
        self,
        admin: Secret,
        starting_at: dt.datetime,
        ending_at: dt.datetime | None = None,
        *,
        api_key_ids: list[str] | None = None,
    ) -> dict[str, dict[dt.datetime, int]]:
        """Tokens per API key id per UTC hour (keyed by the hour's start)."""
        return await self.usage_report(
            admin,
            starting_at,
            ending_at,
            bucket_width="1h",
            api_key_ids=api_key_ids,
        )

    async def daily_usage(
        self,
        admin: Secret,
        starting_at: dt.datetime,
        ending_at: dt.datetime | None = None,
        *,
        api_key_ids: list[str] | None = None,
    ) -> dict[str, dict[dt.date, int]]:
        """Tokens per API key id per UTC day, from the messages usage report grouped by key."""
        report = await self.usage_report(
            admin,
            starting_at,
            ending_at,
            bucket_width="1d",
            api_key_ids=api_key_ids,
        )
        usage: dict[str, dict[dt.date, int]] = {}
        for key_id, buckets in report.items():
            per_day = usage.setdefault(key_id, {})
            for begins, tokens in buckets.items():
                per_day[begins.date()] = per_day.get(begins.date(), 0) + tokens
        return usage


def _tokens(row: Mapping[str, Any]) -> int:
    cache = row.get("cache_creation") or {}
    parts = [
        row.get("uncached_input_tokens"),
        row.get("cache_read_input_tokens"),
        row.get("output_tokens"),
        cache.get("ephemeral_1h_input_tokens") if isinstance(cache, dict) else 0,
        cache.get("ephemeral_5m_input_tokens") if isinstance(cache, dict) else 0,
    ]
    return sum(int(p) for p in parts if isinstance(p, int | float))


def _rfc3339(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def remote_key(item: Mapping[str, Any]) -> RemoteKey:
    """An Admin API key object, parsed tolerantly (its fields have drifted over time).

    SDK 2.14.0 types/organization/api_key.py: ``scope`` is ``{"type": "workspace",
    "workspace_id"}`` (the real id, the default workspace's included) or ``{"type":
    "organization"}``. The deprecated top-level ``workspace_id`` (null for the default workspace)
    is sent on 2023-06-01 only; when it is there it also says whether the key is in the default
    workspace.
    """
    given = item.get("scope")
    scope: dict[str, Any] = given if isinstance(given, dict) else {}
    scope_type = str(scope.get("type") or "")
    scope_ws = scope.get("workspace_id") if isinstance(scope.get("workspace_id"), str) else None
    in_default: bool | None = None
    if "workspace_id" in item:
        workspace = item.get("workspace_id")
        if scope_type == "workspace":
            in_default = workspace is None
    else:
        workspace = scope_ws
    return RemoteKey(
        id=str(item.get("id", "")),
        name=str(item.get("name") or ""),
        status=str(item.get("status") or ""),
        partial_key_hint=str(item.get("partial_key_hint") or ""),
        created_at=_parse_time(item.get("created_at")),
        workspace_id=workspace if isinstance(workspace, str) else None,
        expires_at=_parse_time(item.get("expires_at")),
        scope=scope_type,
        scope_workspace_id=scope_ws,
        in_default_workspace=in_default,
    )


@dataclass(frozen=True)
class WorkspaceDirectory:
    """The organization's workspaces as the Admin API lists them."""

    by_name: Mapping[str, str] = field(default_factory=dict)  # name -> wrkspc_ id (not default)
    default_id: str | None = None  # the default workspace's real id, when known


def in_configured_workspace(
    configured: str, remote: RemoteKey, directory: WorkspaceDirectory | None = None
) -> bool | None:
    """Does this Admin API key live where the configuration says? None when it cannot be told.

    Compared the way the API means it: through ``scope.workspace_id``, which holds the default
    workspace's real id. ``configured`` is ``default``, an id (``wrkspc_…``) or a workspace name.
    An organization-scoped (identity-linked) key lives in no workspace: it acts in the one each
    request names, so any configured workspace the organization has is its own.
    """
    directory = directory or WorkspaceDirectory()
    if configured.startswith(WORKSPACE_ID_PREFIX):
        wanted: str | None = configured
    elif configured in ("", DEFAULT_WORKSPACE):
        wanted = directory.default_id
    else:
        wanted = directory.by_name.get(configured)
        if wanted is None:
            return None
    if remote.scope == "organization":
        return True
    if remote.scope != "workspace":  # an old shape without scope: the top-level field says it
        if configured in ("", DEFAULT_WORKSPACE):
            return remote.workspace_id is None
        return remote.workspace_id == wanted
    actual = remote.scope_workspace_id
    if configured in ("", DEFAULT_WORKSPACE):
        if remote.in_default_workspace is not None:
            return remote.in_default_workspace
        if wanted is None or actual is None:
            return None
    return actual == wanted


def same_workspace(a: RemoteKey, b: RemoteKey) -> bool:
    """Do two Admin API keys live in the same place (same scope and workspace)?"""
    if a.scope == "organization" or b.scope == "organization":
        return a.scope == b.scope
    return (a.scope_workspace_id or a.workspace_id) == (b.scope_workspace_id or b.workspace_id)


def describe_workspace(remote: RemoteKey, directory: WorkspaceDirectory | None = None) -> str:
    """Where a key lives, in words: its workspace id (marked default) or organization scope."""
    if remote.scope == "organization":
        return "organization scope (identity-linked: acts in the workspace each request names)"
    actual = remote.scope_workspace_id or remote.workspace_id
    if actual is None:
        return "the default workspace"
    default = remote.in_default_workspace or (
        directory is not None and actual == directory.default_id
    )
    return f"workspace {actual}" + (" (the default workspace)" if default else "")


def is_workspace_name(workspace: str | None) -> bool:
    """A configured workspace that is neither ``default`` nor an id, so only a name."""
    return (
        bool(workspace)
        and workspace != DEFAULT_WORKSPACE
        and not str(workspace).startswith(WORKSPACE_ID_PREFIX)
    )


def workspace_required_message(name: str, workspace: str | None) -> str:
    """What to do when an identity-linked key was sent without ``anthropic-workspace-id``."""
    return (
        f"{name} is an identity-linked key (organization scope): the API requires the "
        f"anthropic-workspace-id header, and the configured workspace “{workspace or DEFAULT_WORKSPACE}” "
        'is not an id rotui could send. Set workspace = "wrkspc_…" (or a workspace name, with '
        "settings.admin_key) for this key"
    )


def admin_error(outcome: Outcome) -> ProviderError:
    """A clear error for an Admin API call that did not succeed."""
    what = {
        ValidationStatus.INVALID: "the Admin API key was refused (401): check settings.admin_key",
        ValidationStatus.FORBIDDEN: "the Admin API key lacks permission (403)",
        ValidationStatus.RATE_LIMITED: "the Admin API is rate limiting (429)",
        ValidationStatus.NETWORK_ERROR: "the Admin API could not be reached",
    }.get(outcome.status, f"the Admin API answered {outcome.status}")
    detail = (
        f"{outcome.message} (HTTP {outcome.http_status})"
        if outcome.http_status
        else outcome.message
    )
    return ProviderError(what, detail)


def match_remote(secret: Secret, remote: list[RemoteKey]) -> RemoteKey | None:
    """The Admin API record of a local key, matched by ``partial_key_hint``.

    Hints are not unique in principle; an ambiguous match prefers an active key and otherwise
    gives up rather than guess.
    """
    hint = secret.partial_key_hint
    found = [r for r in remote if r.partial_key_hint == hint]
    if len(found) == 1:
        return found[0]
    active = [r for r in found if r.status == "active"]
    return active[0] if len(active) == 1 else None
