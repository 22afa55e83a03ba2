"""``rotui serve``: the dashboard in a browser, through textual-serve (the ``rotui[serve]`` extra).

The page is plain HTTP guarded by a per-run token (see :class:`Guard`): whoever reaches the port
and holds the token drives rotui. So the server binds loopback by default and refuses any other
address unless ``--allow-remote`` is given; the intended way in from another machine is an SSH
tunnel to the loopback port.

textual-serve starts the command below once per browser connection. It only ever holds a Python
path, a config path and flags, never a key value.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rotui.core.errors import UsageError
from rotui.core.safetext import printable

if TYPE_CHECKING:
    from rotui.context import Context

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
INSTALL_HINT = "pip install 'rotui[serve]'"
WILDCARD_HOSTS = {"0.0.0.0", "::", ""}


def port_number(text: str) -> int:
    """An argparse ``type``: a TCP port, 1-65535."""
    try:
        port = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is out of range (1-65535)")
    return port


def _bare(host: str) -> str:
    """``[::1]`` as ``::1``: brackets are URL syntax, not part of the address."""
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        return host[1:-1]
    return host


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or the name ``localhost``; nothing else (0.0.0.0 and :: are everywhere)."""
    import ipaddress

    bare = _bare(host)
    if bare.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(bare).is_loopback
    except ValueError:
        return False


def tunnel_hint(port: int) -> str:
    return (
        f"from your machine run `ssh -L {port}:127.0.0.1:{port} HOST`, "
        f"then open http://127.0.0.1:{port}"
    )


def check_host(host: str, port: int, allow_remote: bool) -> str | None:
    """Refuse a non-loopback host unless allowed; when allowed, return the warning to print."""
    if is_loopback(host):
        return None
    shown = _bare(host) or "every address"
    if not allow_remote:
        raise UsageError(
            f"refusing to serve on {shown}",
            "it is not a loopback address, and the page is plain HTTP guarded only by a token in "
            "its URL, so anyone who can reach it and see that traffic could drive rotui. Serve on "
            f"127.0.0.1 (the default) and {tunnel_hint(port)}; or pass --allow-remote if you really "
            "mean it",
        )
    return (
        f"rotui serve: WARNING: serving on {shown}:{port}, which is not loopback. The page is "
        "plain HTTP (no TLS) guarded only by the token in its URL: anyone who can reach "
        f"{shown}:{port} and see the token can drive rotui, including rotating and revoking "
        "keys. Prefer 127.0.0.1 and an SSH tunnel."
    )


def public_url(host: str, port: int) -> str:
    """The URL the page uses for its websocket and static files: ``http://HOST:PORT``."""
    bare = _bare(host)
    if bare in WILDCARD_HOSTS:  # a browser cannot connect to the wildcard address itself
        import socket

        bare = socket.gethostname()
    if ":" in bare:
        bare = f"[{bare}]"
    return f"http://{bare}:{port}"


def served_argv(
    *,
    python: str | None = None,
    config: Path | None = None,
    theme: str | None = None,
    read_only: bool = False,
    demo: bool = False,
) -> list[str]:
    """What textual-serve runs per connection: ``python -m rotui`` with paths and flags only."""
    argv = [python or sys.executable, "-m", "rotui"]
    if config is not None and not demo:
        argv += ["--config", str(config)]
    if read_only:
        argv.append("--read-only")
    if theme:
        argv += ["--theme", theme]
    if demo:
        argv.append("demo")
    return argv


def command_string(argv: Sequence[str]) -> str:
    """textual-serve runs a shell command: quote every word for the platform's shell."""
    if os.name == "nt":  # pragma: no cover - cmd.exe quoting
        import subprocess

        return subprocess.list2cmdline(list(argv))
    return " ".join(shlex.quote(word) for word in argv)


def _checked_config(args: argparse.Namespace, ctx: Context) -> Path:
    """Build (not run) the dashboard once, so a missing config, an unknown theme or keymap id is
    reported here rather than in every browser tab; return the config path, absolute."""
    from rotui.config import resolve_config_path
    from rotui.ui.app import make_app

    make_app(ctx.services(), read_only=args.read_only, theme=args.theme)
    path, _origin = resolve_config_path(ctx.config_arg, ctx.environ)
    return path.absolute()


def _check_theme(theme: str) -> None:
    from textual.app import App

    available = App().available_themes
    if theme not in available:
        raise UsageError(f"unknown theme {theme!r}", "available: " + ", ".join(sorted(available)))


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


def _guarded(server_class: Any, guard: Guard, announce: Any = None, url: str = "") -> Any:
    """textual-serve's Server with :class:`Guard` in front of every route.

    ``announce`` prints a line on the console: a new URL after SIGUSR1, the token's expiry.
    """
    from aiohttp import typedefs as web_typedefs
    from aiohttp import web

    def say(text: str) -> None:
        if announce is not None:
            announce(text)

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


def serve(args: argparse.Namespace, ctx: Context) -> int:
    """Check the host, build the command and run textual-serve until Ctrl-C."""
    host: str = args.host
    port: int = args.port
    warning = check_host(host, port, args.allow_remote)
    try:
        from textual_serve.server import Server
    except ImportError:
        raise UsageError(
            "rotui serve needs the serve extra", f"install it with `{INSTALL_HINT}`"
        ) from None

    config_path = None if args.demo else _checked_config(args, ctx)
    if args.demo and args.theme:
        _check_theme(args.theme)
    command = command_string(
        served_argv(
            config=config_path,
            theme=args.theme,
            read_only=args.read_only,
            demo=args.demo,
        )
    )
    url = args.public_url or public_url(host, port)
    loopback = is_loopback(host)
    guard = Guard(url, port, loopback, keep_token=getattr(args, "keep_token", False))
    if warning:
        ctx.say(warning)
    ctx.say(f"rotui serve: open {guard.url(url)} (Ctrl-C to stop)")
    ctx.say("rotui serve: the token in that URL is the page's only password; do not share it")
    ctx.say(
        f"rotui serve: `kill -USR1 {os.getpid()}` replaces it"
        + ("" if guard.keep_token else "; it expires when the last session closes")
    )
    if loopback:
        ctx.say(f"rotui serve: from another machine, {tunnel_hint(port)}")
    bind = _bare(host) or "0.0.0.0"
    if bind.lower().rstrip(".") == "localhost":
        bind = "127.0.0.1"  # the literal: "localhost." would be asked of DNS, not /etc/hosts
    server = _guarded(Server, guard, ctx.say, url)(
        command,
        host=bind,
        port=port,
        title="rotui demo" if args.demo else "rotui",
        public_url=url,
    )
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # the port is taken, or the address is not on this host
        raise UsageError(f"cannot serve on {host}:{port}", exc.strerror or str(exc)) from None
    ctx.say("rotui serve: stopped")
    return 0
