"""What the CLI asks of the terminal: a screen for the full-screen UI, a hidden prompt for a key."""

from __future__ import annotations

from typing import TextIO, cast

from rotui.context import Context
from rotui.core.errors import UsageError


def need_terminal(ctx: Context, instead: str) -> None:
    """The full-screen UI needs a terminal on stdin and stdout; without one it would hang.

    A driver named in ``TEXTUAL_DRIVER`` (textual-serve's web driver, per browser tab) brings
    its own screen and input, so it needs none.
    """
    if ctx.environ.get("TEXTUAL_DRIVER"):
        return
    if ctx.stdin is None or not ctx.stdin.isatty() or not ctx.stdout.isatty():
        raise UsageError(
            "no terminal",
            f"the full-screen UI needs a terminal on stdin and stdout; {instead}",
        )


def read_secret_input(ctx: Context, prompt: str) -> str:
    """The key from a hidden prompt on a terminal, else from piped stdin."""
    if ctx.stdin is None or ctx.stdin.closed:
        raise UsageError("no input", "pipe the key on stdin, or run this in a terminal to paste it")
    try:
        if ctx.stdin.isatty():
            from rotui.cli.hidden import hidden_line  # getpass took a paste's first line only

            return hidden_line(ctx.stdin, cast(TextIO, ctx.stderr), prompt)
        return ctx.stdin.read(65536)
    except EOFError:
        raise UsageError("no key given", "the input ended before a key was pasted") from None
    except UnicodeDecodeError:
        raise UsageError(
            "not an API key", "the input is not text; paste the key as shown in the Console"
        ) from None
