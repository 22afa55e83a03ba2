"""``main``: parse the command line, run one command, and turn every failure into a message."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import IO

from rotui.cli import registry
from rotui.cli.parser import build_parser
from rotui.context import Context, OutputClosed, _flush
from rotui.core.errors import RotuiError
from rotui.paths import Paths

EXIT_CLOSED_PIPE = 141  # 128 + SIGPIPE: what `yes | head -1` reports for `yes`


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = Context(paths=Paths.default(), config_arg=args.config)
    return run(args, ctx, parser)


def run(
    args: argparse.Namespace, ctx: Context, parser: argparse.ArgumentParser | None = None
) -> int:
    """Run one command, turning every expected failure into a message and an exit code."""
    from rotui import hangup

    try:
        try:
            hangup.install()  # the full-screen app installs its own when it starts
            return registry.load(args.command or "dashboard")(args, ctx)
        except hangup.Hangup as hung:
            stopped = f"rotui: {hangup.describe(hung.signum)}: stopped"
            ctx.say(f"{stopped}; every step so far is journaled{_released(hung.keys)}")
            return hung.exit_code
        except RotuiError as exc:
            ctx.say(f"rotui: {exc}")
            return exc.exit_code
        except KeyboardInterrupt:
            ctx.say("rotui: interrupted")
            return 130  # the shell's convention for SIGINT
        except OutputClosed:
            raise
        except Exception as exc:  # last resort: a message and a redacted log, never a traceback
            return _internal_error(exc, ctx)
        finally:
            _flush(ctx.stdout)  # what is still buffered meets a closed pipe here, not at exit
    except OutputClosed as closed:
        _silence(closed.stream)
        return EXIT_CLOSED_PIPE


def _released(keys: list[str]) -> str:
    if not keys:
        return ""
    return f" and the lock of {', '.join(keys)} released; run the same command to resume"


def _internal_error(exc: BaseException, ctx: Context) -> int:
    from rotui.core.crashlog import crash_message, write_crash_log

    ctx.say(crash_message(exc, write_crash_log(exc, ctx.paths.log_dir, ctx.clock())))
    return 1


def _silence(stream: IO[str]) -> None:
    """Point a closed pipe's descriptor at /dev/null, so the final flush at exit is quiet too."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return  # not a file (a test's StringIO): nothing will flush it at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
