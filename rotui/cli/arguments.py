"""Each command's arguments, one small function per command, importing no implementation.

Only the chosen command's function runs (see :mod:`rotui.cli.lazyparse`), and each stays cheap:
what a command needs to say in its help (the doctor's flows) is looked up only when that help is
shown or checked.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from typing import Any

from rotui.cli.lazyparse import Parser

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000

AddArguments = Callable[[argparse.ArgumentParser], None]


def none(p: argparse.ArgumentParser) -> None:
    """A command without arguments of its own (``init``)."""


def json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON document")


def status(p: argparse.ArgumentParser) -> None:
    json_flag(p)


def validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="*", metavar="NAME", help="keys to validate (default: all)")
    json_flag(p)
    p.add_argument(
        "--ping",
        action="store_true",
        help="send a 1-token message (billed) instead of listing models",
    )


def check(p: argparse.ArgumentParser) -> None:
    json_flag(p)
    p.add_argument(
        "--notify",
        action="store_true",
        help="send the summary to the [notify] urls when it changed since the last one",
    )


def key(p: argparse.ArgumentParser) -> None:
    keysub = p.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    k = keysub.add_parser("set", help="read a key from stdin (hidden on a terminal) and store it")
    k.add_argument("name", nargs="?", metavar="NAME")
    k.add_argument(
        "--admin",
        action="store_true",
        help='store the Admin API key (settings.admin_key = "keyring")',
    )
    k = keysub.add_parser("delete", help="remove a key from the keyring")
    k.add_argument("name", nargs="?", metavar="NAME")
    k.add_argument("--admin", action="store_true", help="remove the stored Admin API key")


def _headless(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", metavar="NAME")
    p.add_argument(
        "--headless", action="store_true", help="no screen: the new key on stdin, a line per step"
    )


def _take_over(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--take-over",
        action="store_true",
        help="take over a run whose rotui was killed (its lock was never released)",
    )


def rotate(p: argparse.ArgumentParser) -> None:
    _headless(p)
    p.add_argument(
        "--confirm-manual", action="store_true", help="confirm manual steps (each one is audited)"
    )
    p.add_argument(
        "--revoke",
        action="store_true",
        help="allow the revoke step (the typed confirmation, headless)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="check every credential and tool and print the plan; change nothing",
    )
    p.add_argument(
        "--rollback",
        action="store_true",
        help="put the current key back on every consumer and discard PENDING "
        "(an emergency revoke: rotui revoke NAME --rollback)",
    )
    _take_over(p)
    p.add_argument(
        "--ack-holders",
        metavar="NAME",
        default="",
        help="revoke although places outside the config hold the old key (type its name)",
    )


def holders(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def revoke(p: argparse.ArgumentParser) -> None:
    _headless(p)
    p.add_argument(
        "--mode",
        choices=("now", "overlap"),
        help="now: deactivate first, accept downtime; overlap: fast rotation",
    )
    p.add_argument(
        "--confirm",
        default="",
        metavar="NAME",
        help="the key's name, typed: the headless confirmation",
    )
    p.add_argument(
        "--confirm-manual",
        action="store_true",
        help="confirm manual steps, incl. a Console revoke (audited)",
    )
    p.add_argument(
        "--exposed-at",
        metavar="TIME",
        help="when the key may have leaked, in UTC ('2026-11-26 14:30', ISO 8601) or relative "
        "('2h ago'), to flag usage after it",
    )
    p.add_argument(
        "--rollback",
        action="store_true",
        help="roll back an overlap emergency before its revoke: the old key back on every "
        "consumer, PENDING discarded (a revoke-now run cannot be rolled back)",
    )
    _take_over(p)


def runs(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="*", metavar="NAME", help="only these keys")
    json_flag(p)


def report(p: argparse.ArgumentParser) -> None:
    runs = f"{p.prog.rsplit(' ', 1)[0]} runs"  # `rotui demo runs` under `rotui demo report`
    p.add_argument("run_id", metavar="RUN_ID", help=f"a run id, as `{runs}` lists them")
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to a NEW file FILE (mode 0600), not stdout"
    )


def audit(p: argparse.ArgumentParser) -> None:
    json_flag(p)
    p.add_argument(
        "--verify", action="store_true", help="only check the chain (exit 1 when broken)"
    )
    p.add_argument("--key", metavar="NAME", help="only this key's entries")


class FlowIds:
    """The doctor's flow ids as argparse ``choices``, read from the flows only when needed."""

    def __iter__(self) -> Iterator[str]:
        from rotui.core.troubleshoot.flows import FLOWS

        return iter(list(FLOWS))

    def __contains__(self, value: object) -> bool:
        return value in list(self)


def doctor_description() -> str:
    from rotui.core.troubleshoot.flows import FLOWS

    return (
        "Without --flow: the environment (keyring, config, state dir, clock, "
        "reachability), plus “my key stopped working” for NAME. Flows: "
        + "; ".join(f"{f.id}: {f.title}" for f in FLOWS.values())
    )


def doctor(p: argparse.ArgumentParser) -> None:
    """``rotui doctor [NAME] [--json] [--flow ID]``, its help built from the flows it offers."""
    if isinstance(p, Parser):
        p.describe = doctor_description
    p.add_argument("name", nargs="?", metavar="NAME", help="the key to diagnose")
    json_flag(p)
    p.add_argument("--flow", choices=FlowIds(), metavar="ID", help="one flow: %(choices)s")


def import_(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to a NEW file FILE (mode 0600), not stdout"
    )


def demo(p: argparse.ArgumentParser) -> None:
    """``--headless``; the commands that read a running demo's files are added by the parser."""
    p.add_argument(
        "--headless",
        action="store_true",
        help="print status and validation instead of the dashboard",
    )


def port_number(text: str) -> int:
    """An argparse ``type``: a TCP port, 1-65535."""
    try:
        port = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is out of range (1-65535)")
    return port


def theme_name(text: str) -> str:
    """An argparse ``type``: one of Textual's themes (read only when ``--theme`` is given)."""
    from textual.theme import BUILTIN_THEMES

    if text not in BUILTIN_THEMES:
        raise argparse.ArgumentTypeError(
            f"unknown theme {text!r}; available: {', '.join(sorted(BUILTIN_THEMES))}"
        )
    return text


def serve(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Serve the dashboard as a web page with textual-serve (pip install "
        "'rotui[serve]'). The page has NO authentication, so it binds 127.0.0.1 and refuses "
        "other addresses unless --allow-remote is given; reach it from another machine with "
        f"`ssh -L {DEFAULT_PORT}:127.0.0.1:{DEFAULT_PORT} HOST`."
    )
    p.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})"
    )
    p.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"port to listen on, 1-65535 (default: {DEFAULT_PORT})",
    )
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host: anyone who reaches it can drive rotui",
    )
    p.add_argument("--demo", action="store_true", help="serve `rotui demo` instead")
    p.add_argument(
        "--keep-token",
        action="store_true",
        help="keep the token when the last session closes (by default it expires then)",
    )
    p.add_argument(
        "--public-url",
        metavar="URL",
        help="the URL the browser uses, when it differs from http://HOST:PORT",
    )


def global_options(parser: argparse.ArgumentParser, after: bool = False) -> None:
    """--config, --read-only and --theme; ``after``: on a subcommand, where a value given before
    the subcommand must survive (SUPPRESS leaves the attribute alone unless the option is used)."""
    default: dict[str, Any] = {"default": argparse.SUPPRESS} if after else {}
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="configuration file (default: $ROTUI_CONFIG, then the user config dir)",
        **default,
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="dashboard as an observer: follow another rotui, change nothing",
        **default,
    )
    parser.add_argument(
        "--theme",
        metavar="NAME",
        type=theme_name,
        help="a Textual theme for the dashboard (default: settings.theme)",
        **default,
    )
