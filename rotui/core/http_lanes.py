"""An httpx transport that spreads concurrent requests over many small connection pools.

httpcore's pool (1.0.x) re-examines every connection it holds twice per request: each idle one
is asked whether its socket is readable (a system call through anyio's attribute lookups), and
for each idle one the pool counts all connections again. With 50 requests in flight that was
over half of ``rotui validate``'s CPU time on 10,000 keys (make bench, figure 8d). A request
here takes a free lane (a pool of a few connections) and gives it back when its body is closed,
so each pool only ever looks at its own few connections, and a lane's connections are reused.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from rotui.core.bounded_http import BoundedAsyncClient

LANE_CONNECTIONS = 4  # origins one lane keeps open at once (the API, the Admin API, a consumer)
_DEFAULT_LIMITS = httpx.Limits()


class _Released(httpx.AsyncByteStream):
    """A response body that hands its lane back once, when closed."""

    def __init__(self, inner: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


class LaneTransport(httpx.AsyncBaseTransport):
    """Up to ``lanes`` small pools; a request takes a free one, the most recently freed first."""

    def __init__(
        self, lanes: int, *, verify: ssl.SSLContext | str | bool = True, trust_env: bool = True
    ) -> None:
        self._most = max(lanes, 1)
        self._verify = verify
        self._trust_env = trust_env
        self._ssl: ssl.SSLContext | None = None  # one context for every lane, made once
        self._lanes: list[httpx.AsyncHTTPTransport] = []
        self._free: list[int] = []  # a stack: the warmest lane is reused first
        self._next = 0  # when every lane is busy (more requests than lanes), take turns

    def _take(self) -> tuple[int | None, httpx.AsyncHTTPTransport]:
        """A free lane (its index, to give back), or a busy one shared in turn (index None)."""
        if self._free:
            index = self._free.pop()
        elif len(self._lanes) < self._most:
            if self._ssl is None:
                self._ssl = httpx.create_ssl_context(self._verify, trust_env=self._trust_env)
            limits = httpx.Limits(
                max_connections=LANE_CONNECTIONS, max_keepalive_connections=LANE_CONNECTIONS
            )
            self._lanes.append(httpx.AsyncHTTPTransport(verify=self._ssl, limits=limits))
            index = len(self._lanes) - 1
        else:
            self._next = (self._next + 1) % len(self._lanes)
            return None, self._lanes[self._next]
        return index, self._lanes[index]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index, lane = self._take()
        lanes = self._lanes

        def release() -> None:
            if index is not None and self._lanes is lanes:  # not after aclose
                self._free.append(index)

        try:
            response = await lane.handle_async_request(request)
        except BaseException:
            release()
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _Released(response.stream, release)
        return response

    async def aclose(self) -> None:
        lanes, self._lanes, self._free = self._lanes, [], []
        for lane in lanes:
            await lane.aclose()


class LaneClient(BoundedAsyncClient):
    """The bounded client, its direct traffic through lanes (proxies still come from the env).

    httpx reads the proxy variables only when no transport is passed, so the lanes replace the
    default transport here rather than being passed in.
    """

    def _init_transport(
        self,
        verify: ssl.SSLContext | str | bool = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = _DEFAULT_LIMITS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> httpx.AsyncBaseTransport:
        if transport is not None or cert is not None or http2 or not http1:
            return super()._init_transport(verify, cert, trust_env, http1, http2, limits, transport)
        return LaneTransport(limits.max_connections or 100, verify=verify, trust_env=trust_env)
