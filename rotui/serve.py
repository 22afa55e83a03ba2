"""``rotui serve``: the dashboard in a browser, through textual-serve (the ``rotui[serve]`` extra).

The page has no authentication: whoever reaches the port drives rotui. So the server binds
loopback by default and refuses any other address unless ``--allow-remote`` is given; the
intended way in from another machine is an SSH tunnel to the loopback port.

textual-serve starts the command below once per browser connection. It only ever holds a Python
path, a config path and flags, never a key value.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rotui.core.errors import UsageError

if TYPE_CHECKING:
    from rotui.cli import Context

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
            "it is not a loopback address and the page has no authentication, so anyone who "
            f"can reach it could drive rotui. Serve on 127.0.0.1 (the default) and {tunnel_hint(port)}; "
            "or pass --allow-remote if you really mean it",
        )
    return (
        f"rotui serve: WARNING: serving on {shown}:{port}, which is not loopback. The page has "
        f"no authentication: anyone who can reach {shown}:{port} can drive rotui, including "
        "rotating and revoking keys. Prefer 127.0.0.1 and an SSH tunnel."
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
    if warning:
        ctx.say(warning)
    ctx.say(f"rotui serve: open {url} (Ctrl-C to stop)")
    if is_loopback(host):
        ctx.say(f"rotui serve: from another machine, {tunnel_hint(port)}")
    server = Server(
        command,
        host=_bare(host) or "0.0.0.0",
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
