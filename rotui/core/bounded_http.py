"""An ``httpx.AsyncClient`` whose every exchange has a total deadline and a size limit.

httpx's timeouts bound each network operation (connect, one read, one write), so a server that
trickles a byte a second never times out, and a body of any size is read into memory. Every
exchange rotui makes (the API, the Admin API, consumers, verify URLs) goes through one client
built here: the whole exchange, headers and body, must end within its timeout, and a body larger
than ``max_bytes`` is refused after reading at most that much.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx

MAX_RESPONSE_BYTES = 32 * 1024 * 1024
DEFAULT_DEADLINE = 30.0


class DeadlineExceeded(httpx.ReadTimeout):
    """The whole exchange took longer than its timeout (a trickling or stalled server)."""


class ResponseTooLarge(httpx.RemoteProtocolError):
    """The answer is larger than rotui reads from any service."""


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB"


def _deadline_for(request: httpx.Request, default: float) -> float:
    """The request's own timeout (what the caller passed), else the client's default."""
    timeouts = request.extensions.get("timeout") or {}
    values = [v for v in timeouts.values() if isinstance(v, int | float)]
    return max(values) if values else default


class _BoundedStream(httpx.AsyncByteStream):
    """Passes the body through until the deadline passes or ``max_bytes`` are exceeded."""

    def __init__(
        self, inner: Any, request: httpx.Request, deadline: float, seconds: float, max_bytes: int
    ) -> None:
        self._inner = inner
        self._request = request
        self._deadline = deadline
        self._seconds = seconds
        self._max_bytes = max_bytes
        self._seen = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = self._inner.__aiter__()
        while True:
            try:
                async with asyncio.timeout_at(self._deadline):
                    chunk = await chunks.__anext__()
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise DeadlineExceeded(
                    f"no answer within {self._seconds:g} s",
                    request=self._request,
                ) from None
            self._seen += len(chunk)
            if self._seen > self._max_bytes:
                raise ResponseTooLarge(
                    f"the answer is larger than {_mib(self._max_bytes)}", request=self._request
                )
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class BoundedAsyncClient(httpx.AsyncClient):
    """``httpx.AsyncClient`` with a total deadline per exchange and a response size limit."""

    def __init__(
        self,
        *args: Any,
        deadline: float = DEFAULT_DEADLINE,
        max_bytes: int = MAX_RESPONSE_BYTES,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("timeout", deadline)
        super().__init__(*args, **kwargs)
        self.deadline = deadline
        self.max_bytes = max_bytes

    async def send(
        self, request: httpx.Request, *, stream: bool = False, **kwargs: Any
    ) -> httpx.Response:
        loop = asyncio.get_running_loop()
        seconds = _deadline_for(request, self.deadline)
        deadline = loop.time() + seconds
        try:
            async with asyncio.timeout_at(deadline):
                response = await super().send(request, stream=True, **kwargs)
        except TimeoutError:
            raise DeadlineExceeded(f"no answer within {seconds:g} s", request=request) from None
        try:
            length = int(response.headers.get("content-length", "0") or 0)
        except ValueError:
            length = 0
        if length > self.max_bytes:
            await response.aclose()
            raise ResponseTooLarge(
                f"the answer announces {_mib(length)}, more than {_mib(self.max_bytes)}",
                request=request,
            )
        response.stream = _BoundedStream(
            response.stream, request, deadline, seconds, self.max_bytes
        )
        if not stream:
            try:
                await response.aread()
            except BaseException:
                await response.aclose()
                raise
        return response
