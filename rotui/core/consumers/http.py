"""HTTP helpers the REST consumers (Heroku, Infisical) share: bearer auth and failure messages.

A refused request's body says why, in the service's own words: Heroku's ``{"id", "message"}``
(Platform API Reference, "Errors") and Infisical's ``{"reqId", "statusCode", "message", "error"}``
(Infisical/infisical ``backend/src/server/plugins/error-handler.ts``). :func:`exchange` reads it
into a :class:`Problem`; a successful answer's body is read only when asked (Heroku's holds every
config var).
"""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import httpx

from rotui.core.bounded_http import DeadlineExceeded, ResponseTooLarge
from rotui.core.consumers.base import ConsumerContext
from rotui.core.errors import RotuiError
from rotui.core.safetext import one_line
from rotui.core.secret import Secret, redact

PROBLEM_CHARS = 200


@dataclass(frozen=True)
class Problem:
    """Why a service refused a request: its error id or name, and its message (one line)."""

    kind: str = ""  # Heroku's ``id`` (``not_acceptable``), Infisical's ``error`` (``TokenError``)
    message: str = ""

    def said(self) -> str:
        """`` (the service said: …)`` when it said something, else ""."""
        return f" (the service said: {self.message})" if self.message else ""


def _text(value: Any) -> str:
    """A message as one safe line; Infisical's 422 gives a list of zod issues."""
    if isinstance(value, list):
        value = "; ".join(
            str(item.get("message", "")) if isinstance(item, dict) else str(item) for item in value
        )
    if not isinstance(value, str):
        return ""
    line = one_line(redact(value.strip()))
    return line if len(line) <= PROBLEM_CHARS else line[: PROBLEM_CHARS - 1] + "…"


def problem_of(raw: bytes) -> Problem:
    """The :class:`Problem` in an error body, or an empty one when it is not the JSON we know."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return Problem()
    if not isinstance(body, dict):
        return Problem()
    kind = body.get("id") if isinstance(body.get("id"), str) else body.get("error")
    return Problem(_text(kind), _text(body.get("message")))


class BearerAuth(httpx.Auth):
    """Adds the token at the last moment, so no local variable or repr along the way holds it."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = "Bearer " + self._token.reveal()
        yield request

    def __repr__(self) -> str:
        return f"BearerAuth({self._token!r})"


async def exchange(
    ctx: ConsumerContext,
    service: str,
    method: str,
    url: str,
    *,
    read: bool,
    **kwargs: Any,
) -> tuple[int, Any]:
    """Send one request; a 2xx body is read and parsed only when ``read``.

    A refused answer (4xx, 5xx) comes back as ``(status, Problem)``: what the service said.
    """
    try:
        async with ctx.http.stream(method, url, timeout=ctx.timeout, **kwargs) as response:
            status = response.status_code
            if status >= 400:
                return status, problem_of(await response.aread())
            if not (read and 200 <= status < 300):
                return status, None
            await response.aread()
            try:
                return status, response.json()
            except ValueError:
                raise RotuiError(
                    f"{service} answered with something that is not JSON",
                    f"HTTP {status} from {httpx.URL(url).host}; is api_url right?",
                ) from None
    except httpx.TransportError as exc:
        raise transport_failure(service, url, exc) from None


def transport_failure(service: str, url: str, exc: httpx.TransportError) -> RotuiError:
    """Say which kind of network failure it was, without the exception's own text."""
    target = httpx.URL(url)
    where = f"{target.host}:{target.port}" if target.port else target.host
    if isinstance(exc, ResponseTooLarge | DeadlineExceeded):
        kind = str(exc)
    elif isinstance(exc, httpx.TimeoutException):
        kind = "timed out"
    elif isinstance(exc, httpx.ConnectError):
        kind = "connection failed (refused, DNS or TLS)"
    elif isinstance(exc, httpx.RemoteProtocolError):
        kind = "the connection broke off mid-answer"
    else:
        kind = "network error"
    return RotuiError(f"cannot reach {service}", f"{where}: {kind} ({type(exc).__name__})")


def http_failure(service: str, status: int, problem: Problem | None = None) -> RotuiError:
    """The statuses every provider shares: rate limits, outages and the unexpected."""
    said = problem.said() if problem else ""
    if status == 429:
        return RotuiError(
            f"{service} rate limit reached", "wait a minute, then retry this consumer" + said
        )
    if status >= 500:
        return RotuiError(
            f"{service} answered HTTP {status}",
            "the service is failing; retry this consumer later" + said,
        )
    return RotuiError(f"{service} answered HTTP {status}", "the request was not accepted" + said)
