"""Sending one request to the Anthropic API: the key added last, a bound per API, retries.

Retries follow the SDK (anthropic 2.14.0 ``_base_client.py``): 408, 409, 5xx and 529 with
backoff or ``retry-after``; a 429 only when ``retry-after`` says when; ``x-should-retry`` wins.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from rotui import __version__
from rotui.core.anthropic.outcomes import (
    Outcome,
    admin_error,
    classify,
    describe_transport_error,
    is_models_page,
    parse_retry_after,
    utcnow,
)
from rotui.core.anthropic.records import WorkspaceDirectory
from rotui.core.bounded_http import ResponseTooLarge
from rotui.core.model import DEFAULT_BASE_URL, ValidationStatus
from rotui.core.secret import Secret

MAX_RETRY_AFTER = 60.0
INITIAL_BACKOFF = 0.5
MAX_BACKOFF = 8.0
WORKSPACE_HEADER = "anthropic-workspace-id"
NEVER_RETRIED = frozenset({400, 401, 402, 403, 404, 413, 422})

Clock = Callable[[], dt.datetime]
Sleep = Callable[[float], Awaitable[None]]


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


class Transport:
    """One shared ``httpx.AsyncClient``, bounded per API, with retries: what every call sends through."""

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
        outcome = classify(response, is_models_page)
        outcome.headers = response.headers
        return outcome

    def _retry_wait(
        self, code: int, headers: Mapping[str, str], outcome: Outcome, attempt: int
    ) -> float | None:
        """How long to wait before retrying, or None to stop (SDK ``_should_retry``).

        ``x-should-retry`` wins as the SDK obeys it first, except that a dead key (400, 401, 402,
        403, 404, 413, 422) is never asked again. A 429 without ``retry-after`` is a spend cap
        and is not retried, unless ``x-should-retry: true`` says it is transient. A positive
        ``retry-after`` up to ``MAX_RETRY_AFTER`` is waited; zero means "now", which the SDK
        turns into its backoff (``_calculate_retry_timeout`` honours only ``> 0``).
        """
        if attempt > self.max_retries or code in NEVER_RETRIED:
            return None
        should = headers.get("x-should-retry")
        if should == "false":
            return None
        after = outcome.retry_after
        if code == 429 or should == "true":
            if after is not None and after > MAX_RETRY_AFTER:
                return None  # longer than rotui waits: say when instead
            if after is None and code == 429 and should != "true":
                # A 429 without retry-after is a spend cap: it keeps failing until access resumes.
                return None
            return after if after is not None and after > 0 else self._backoff(attempt - 1)
        if code in (408, 409) or code >= 500:
            if after is not None and 0 < after <= MAX_RETRY_AFTER:
                return after
            return self._backoff(attempt - 1)
        return None

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
