"""The served page's only lock: :class:`Guard` (Host, Origin and a per-run token) in front of
every route of textual-serve's server, and logs that never print the token."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
from collections.abc import Callable
from typing import Any

from rotui.core.safetext import printable


class Guard:
    """Who may use the served page: the right Host, a same-site Origin and this run's token.

    Binding loopback keeps the network out, not the operator's own browser: any web page could
    open ``ws://127.0.0.1:PORT/ws`` (websockets ignore CORS), a DNS-rebound name can resolve
    to 127.0.0.1, and other users of a shared host can reach loopback too. So every request
    needs the token printed at start (in the URL once, then an HttpOnly SameSite=Strict
    cookie), a ``Host`` naming this server, and the websocket a same-site ``Origin``.

    The token can be replaced on demand (:meth:`rotate`, SIGUSR1) and, unless ``keep_token``,
    expires when the last session (websocket) closes: a URL left in a history or a screenshot
    stops working once its user is done.
    """

    def __init__(
        self,
        public: str,
        port: int,
        loopback: bool,
        token: str | None = None,
        *,
        keep_token: bool = False,
    ) -> None:
        from urllib.parse import urlsplit

        self.token = token or _new_token()
        self.keep_token = keep_token
        self.sessions = 0
        self.cookie = f"rotui_serve_{port}"
        parts = urlsplit(public)
        hosts = {parts.netloc.lower()}
        if loopback:
            hosts |= {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
        self.hosts = frozenset(hosts)
        schemes = {parts.scheme or "http", "http"} if loopback else {parts.scheme or "http"}
        self.origins = frozenset(f"{scheme}://{host}" for scheme in schemes for host in hosts)

    def url(self, public: str) -> str:
        """The URL to open: the page, with this run's token."""
        return f"{public.rstrip('/')}/?token={self.token}"

    def rotate(self) -> None:
        """A new token: the old one (URL and cookies) stops working; open sessions go on."""
        self.token = _new_token()

    def session_opened(self) -> None:
        self.sessions += 1

    def session_closed(self) -> bool:
        """Count a closed session; True when the token expired with it (the last one closed)."""
        self.sessions = max(self.sessions - 1, 0)
        if self.sessions == 0 and not self.keep_token:
            self.rotate()  # nobody is told the new one: SIGUSR1 prints a fresh URL
            return True
        return False

    def refusal(
        self, path: str, host: str, origin: str | None, token: str | None, cookie: str | None
    ) -> str | None:
        """Why a request is refused, or None when it may go on."""
        import hmac

        if host.lower() not in self.hosts:
            return f"unknown Host {host!r}: open the URL rotui serve printed"
        given = token or cookie or ""
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return "no valid token: open the URL rotui serve printed (it ends in ?token=...)"
        if path == "/ws" and (origin or "").lower() not in self.origins:
            return (
                f"websocket from origin {origin!r} refused: only this server's own page may connect"
            )
        return None


def _new_token() -> str:
    import secrets

    return secrets.token_urlsafe(24)


TOKEN_IN_TEXT = re.compile(r"(token=)[^\s&\"';]+")


class OneLineFormatter(logging.Formatter):
    """Log records as one line each: no traceback (textual-serve's shows local variables), the
    exception's type only, and any token (query, Referer, the live one) replaced by ``…``."""

    def __init__(self, guard: Guard) -> None:
        super().__init__("%(name)s: %(message)s")
        self.guard = guard

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)
        if record.exc_info and record.exc_info[0] is not None:
            record.msg = f"{record.getMessage()} ({record.exc_info[0].__name__})"
            record.args = None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        text = TOKEN_IN_TEXT.sub(r"\1…", super().format(record))
        text = text.replace(self.guard.token, "…")
        return printable(" ".join(text.splitlines())[:500])


def _process_safely(original: Any) -> Any:
    """textual-serve's websocket loop, fed only well-formed envelopes: a malformed message from
    the page is dropped instead of ending the session with a logged traceback."""
    from aiohttp import WSMsgType

    kinds = {"stdin": str, "resize": dict, "ping": str, "blur": None, "focus": None}

    class _Checked:
        def __init__(self, websocket: Any) -> None:
            self.websocket = websocket

        def __getattr__(self, name: str) -> Any:
            return getattr(self.websocket, name)

        def __aiter__(self) -> Any:
            return self._checked()

        async def _checked(self) -> Any:
            async for message in self.websocket:
                if message.type == WSMsgType.TEXT and _well_formed(message.data, kinds):
                    yield message

    async def process(self: Any, websocket: Any, app_service: Any) -> None:
        await original(self, _Checked(websocket), app_service)

    return process


def _well_formed(data: str, kinds: dict[str, Any]) -> bool:
    import json

    try:
        envelope = json.loads(data)
    except ValueError:
        return False
    if not isinstance(envelope, list) or not envelope or envelope[0] not in kinds:
        return False
    wanted = kinds[envelope[0]]
    if wanted is None:
        return True
    if len(envelope) < 2 or not isinstance(envelope[1], wanted):
        return False
    if envelope[0] == "resize":
        size = envelope[1]
        return all(
            isinstance(size.get(k), int) and 0 < size[k] < 10_000 for k in ("width", "height")
        )
    return True


def guarded(server_class: Any, guard: Guard, announce: Any = None, url: str = "") -> Any:
    """textual-serve's Server with :class:`Guard` in front of every route.

    ``announce`` prints a line on the console: a new URL after SIGUSR1, the token's expiry.
    """
    from aiohttp import web

    def say(text: str) -> None:
        if announce is not None:
            announce(text)

    check = _guard_middleware(guard, say)

    def new_url() -> None:
        guard.rotate()
        say(f"rotui serve: new token; the old URL no longer works: open {guard.url(url)}")

    class GuardedServer(server_class):  # type: ignore[misc]  # textual-serve is untyped
        if hasattr(server_class, "_process_messages"):
            _process_messages = _process_safely(server_class._process_messages)

        def initialize_logging(self) -> None:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(OneLineFormatter(guard))
            logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)

        async def _make_app(self) -> web.Application:
            import asyncio
            import signal

            app: web.Application = await super()._make_app()
            app.middlewares.append(check)
            with contextlib.suppress(NotImplementedError, AttributeError):
                asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, new_url)
            return app

    return GuardedServer


def _guard_middleware(guard: Guard, say: Callable[[str], None]) -> Any:
    """The aiohttp middleware that asks :class:`Guard` about every request before it is served."""
    from aiohttp import typedefs as web_typedefs
    from aiohttp import web

    @web.middleware
    async def check(request: web.Request, handler: web_typedefs.Handler) -> web.StreamResponse:
        refusal = guard.refusal(
            request.path,
            request.host,
            request.headers.get("Origin"),
            request.query.get("token"),
            request.cookies.get(guard.cookie),
        )
        if refusal is not None:
            return web.Response(status=403, text=f"rotui serve: {refusal}\n")
        if request.path == "/" and "token" in request.query:  # once: trade it for a cookie
            response = web.Response(status=303, headers={"Location": "/"})
            response.set_cookie(guard.cookie, guard.token, httponly=True, samesite="Strict")
            return response
        if request.path != "/ws":
            return await handler(request)
        guard.session_opened()
        try:
            return await handler(request)
        finally:
            if guard.session_closed():
                say(
                    "rotui serve: the last session closed and its token expired; "
                    f"`kill -USR1 {os.getpid()}` prints a new URL"
                )

    return check
