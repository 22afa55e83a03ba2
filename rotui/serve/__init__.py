"""``rotui serve``: the dashboard in a browser, through textual-serve (the ``rotui[serve]`` extra).

The page is plain HTTP guarded by a per-run token (see :class:`Guard`): whoever reaches the port
and holds the token drives rotui. So the server binds loopback by default and refuses any other
address unless ``--allow-remote`` is given; the intended way in from another machine is an SSH
tunnel to the loopback port.

textual-serve starts the command below once per browser connection. It only ever holds a Python
path, a config path and flags, never a key value.

Here: the command and :func:`serve`; :mod:`rotui.serve.hosts` decides where it may listen,
:mod:`rotui.serve.guard` guards the page. ``rotui serve``'s arguments are the CLI's.
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
from rotui.serve.guard import Guard, guarded
from rotui.serve.hosts import bare_host, check_host, is_loopback, public_url, tunnel_hint

if TYPE_CHECKING:
    from rotui.context import Context

__all__ = [
    "Guard",
    "check_host",
    "command_string",
    "is_loopback",
    "public_url",
    "serve",
    "served_argv",
]
INSTALL_HINT = "pip install 'rotui[serve]'"


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
    bind = bare_host(host) or "0.0.0.0"
    if bind.lower().rstrip(".") == "localhost":
        bind = "127.0.0.1"  # the literal: "localhost." would be asked of DNS, not /etc/hosts
    server = guarded(Server, guard, ctx.say, url)(
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
