"""The argument parser, built from the command registry without importing any command.

Every subcommand is declared up front (name and help); its arguments are added when it is chosen.
"""

from __future__ import annotations

import argparse
from typing import Any

from rotui import __version__
from rotui.cli import arguments, registry
from rotui.cli.lazyparse import Parser

READS_TITLE = "on the demo another terminal runs (rotui demo --read-only follows it live)"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="rotui",
        description="Rotate, revoke and troubleshoot API keys (Anthropic first).",
    )
    parser.add_argument("--version", action="version", version=f"rotui {__version__}")
    arguments.global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in registry.COMMANDS:
        _add(sub, command)
    return parser


def _add(sub: argparse._SubParsersAction[Any], command: registry.Command) -> None:
    p = sub.add_parser(command.name, help=command.help)
    p.pending = lambda p: _fill(p, command)


def _fill(p: Parser, command: registry.Command) -> None:
    """``command``'s arguments, the commands it reads with, then the global options after them."""
    command.add_arguments(p)
    if command.reads:
        reads = p.add_subparsers(dest=f"{command.name}_command", metavar="COMMAND",
                                 title=READS_TITLE)  # fmt: skip
        for name in command.reads:
            _add(reads, registry.BY_NAME[name])
    arguments.global_options(p, after=True)
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            _accept_global_options_everywhere(action)


def _accept_global_options_everywhere(sub: argparse._SubParsersAction[Any]) -> None:
    """``rotui key set --config F`` as well as ``rotui --config F key set``, at every depth;
    a parser still to be filled in gets them when it is (:func:`_fill`)."""
    for parser in set(sub.choices.values()):
        if isinstance(parser, Parser) and parser.pending is not None:
            continue
        arguments.global_options(parser, after=True)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _accept_global_options_everywhere(action)
