"""HTTP helpers the REST consumers (Heroku, Infisical) share: bearer auth and failure messages."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import httpx

from rotui.core.bounded_http import DeadlineExceeded, ResponseTooLarge
from rotui.core.consumers.base import ConsumerContext
from rotui.core.errors import RotuiError
from rotui.core.secret import Secret


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
    """Send one request; the body is read and parsed only when ``read`` and the answer is 2xx."""
    try:
        async with ctx.http.stream(method, url, timeout=ctx.timeout, **kwargs) as response:
            status = response.status_code
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


def http_failure(service: str, status: int) -> RotuiError:
    """The statuses every provider shares: rate limits, outages and the unexpected."""
    if status == 429:
        return RotuiError(
            f"{service} rate limit reached", "wait a minute, then retry this consumer"
        )
    if status >= 500:
        return RotuiError(
            f"{service} answered HTTP {status}", "the service is failing; retry this consumer later"
        )
    return RotuiError(f"{service} answered HTTP {status}", "the request was not accepted")
