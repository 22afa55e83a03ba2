"""The argument parser, built from the command registry without importing any command."""

from __future__ import annotations

import argparse
from typing import Any

from rotui import __version__
from rotui.cli import arguments, registry
from rotui.cli.arguments import Parser

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
        p = _add(sub, command)
        if command.reads:
            reads = p.add_subparsers(dest=f"{command.name}_command", metavar="COMMAND",
                                     title=READS_TITLE)
            for name in command.reads:
                _add(reads, registry.BY_NAME[name])
    _accept_global_options_everywhere(sub)
    return parser


def _add(
    sub: argparse._SubParsersAction[Any], command: registry.Command
) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(command.name, help=command.help)
    command.add_arguments(p)
    return p


def _accept_global_options_everywhere(sub: argparse._SubParsersAction[Any]) -> None:
    """``rotui status --config F`` as well as ``rotui --config F status``, at every depth."""
    for parser in set(sub.choices.values()):
        arguments.global_options(parser, after=True)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _accept_global_options_everywhere(action)
