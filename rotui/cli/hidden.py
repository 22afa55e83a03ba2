"""A hidden prompt that takes one line and refuses a paste of more: the CLI's ``getpass``.

``getpass`` returns the first line and throws the rest of the input away: a password manager's
entry pasted whole (the key, then a notes line) became the key without a word. Here, once the
first line is read, the terminal is asked whether more of the paste is waiting; if so nothing is
taken, the rest is discarded (it never reaches the shell), and the operator is told why.
"""

from __future__ import annotations

from typing import IO

from rotui.core.errors import UsageError

PASTE_SETTLE_SECONDS = 0.05  # a paste arrives at once; more after this is typed, not pasted


def hidden_line(stdin: IO[str], stderr: IO[str], prompt: str) -> str:
    """One line read with echo off; UsageError if the paste had more lines, EOFError at end."""
    import select
    import termios

    fd = stdin.fileno()
    saved = termios.tcgetattr(fd)
    quiet = termios.tcgetattr(fd)
    quiet[3] &= ~termios.ECHO
    stderr.write(prompt)
    stderr.flush()
    termios.tcsetattr(fd, termios.TCSAFLUSH, quiet)
    try:
        line = stdin.readline()
        # Out of line mode, a paste's next line counts even before its newline arrives.
        raw = termios.tcgetattr(fd)
        raw[3] &= ~(termios.ICANON | termios.ECHO)
        raw[6][termios.VMIN], raw[6][termios.VTIME] = 0, 0
        termios.tcsetattr(fd, termios.TCSANOW, raw)
        more = bool(select.select([fd], [], [], PASTE_SETTLE_SECONDS)[0])
    finally:
        termios.tcsetattr(fd, termios.TCSAFLUSH, saved)  # what is left of a paste is dropped
        stderr.write("\n")
        stderr.flush()
    if not line:
        raise EOFError
    if more:
        raise UsageError(
            "the paste was refused",
            "it has more than one line, and a key is one line; copy the key alone and paste "
            "again (nothing was stored)",
        )
    return line.rstrip("\r\n")
