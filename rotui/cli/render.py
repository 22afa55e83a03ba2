"""How the CLI prints: aligned tables, relative times, and reports written 0600."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from typing import IO

GAP = 2  # spaces between two columns
LEAST = 12  # the last column is cut down to this, no narrower, before a line runs over


def cut(text: str, width: int) -> str:
    """``text`` within ``width`` columns, a visible "…" where it was cut."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def terminal_width(stream: IO[str], environ: Mapping[str, str]) -> int | None:
    """The width of the terminal ``stream`` writes to; None when it is a pipe or a file.

    A script reading the output gets every column whole: only a person's terminal is fitted.
    """
    try:
        if not stream.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    columns = environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return None


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int | None = None,
    optional: Sequence[str] = (),
    squeeze: str | None = None,
    below: bool = False,
) -> str:
    """Aligned columns. Given a terminal ``width``, the ``optional`` columns (headers, in the order
    they go) are left out while the table is wider, then the ``squeeze`` column (the last by
    default) is cut with "…", to ``LEAST`` at most: no line wraps at the terminal's edge.

    ``below``: a last column with no room left beside the others goes under its row instead,
    indented and cut to the width (a validation's message: too long for a column at 80).
    """
    keep = list(range(len(headers)))
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def total() -> int:
        return sum(widths[i] for i in keep) + GAP * (len(keep) - 1)

    under = None
    if below and width is not None and total() - widths[keep[-1]] + LEAST > width:
        under = keep.pop()
    for name in optional:
        if width is None or total() <= width:
            break
        keep.remove(headers.index(name))
    last = headers.index(squeeze) if squeeze else keep[-1]
    if width is not None and total() > width and widths[last] > LEAST:
        widths[last] = max(LEAST, widths[last] - (total() - width))
    gap = " " * GAP
    lines = [gap.join(cut(headers[i], widths[i]).ljust(widths[i]) for i in keep).rstrip()]
    for row in rows:
        lines.append(gap.join(cut(row[i], widths[i]).ljust(widths[i]) for i in keep).rstrip())
        if under is not None and row[under] and width is not None:
            lines.append("    " + cut(row[under], width - 4))
    return "\n".join(lines)


def ago(iso: str, now: dt.datetime) -> str:
    seconds = max((now - dt.datetime.fromisoformat(iso)).total_seconds(), 0)
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return "just now"


def write_private(path: str, text: str, new: bool = False) -> None:
    """Write a report 0600, never through a symlink and never into a FIFO, device or other's file.

    ``O_NOFOLLOW`` refuses a link planted at the name; the file is checked, made 0600 and only
    then emptied, so an existing looser file does not keep its mode. The directory is the
    operator's and left as it is. ``new``: an existing name (a link included) is refused, never
    overwritten.
    """
    fd = _open_private(path, new)
    try:
        _check_private(path, fd)
        os.fchmod(fd, 0o600)
        os.ftruncate(fd, 0)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "w") as handle:
            fd = -1
            handle.write(text)
    except OSError as exc:
        raise _cannot_write(path, exc.strerror or str(exc)) from None
    finally:
        if fd >= 0:
            os.close(fd)


def _open_private(path: str, new: bool) -> int:
    import errno

    from rotui.core.errors import UsageError

    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        return os.open(path, flags | (os.O_EXCL if new else 0), 0o600)
    except FileExistsError:
        raise UsageError(f"{path} already exists", "not overwriting it; name a new file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _cannot_write(
                path, "it is a symbolic link; rotui does not write a report through one"
            ) from None
        raise _cannot_write(path, exc.strerror or str(exc)) from None


def _check_private(path: str, fd: int) -> None:
    import stat

    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise _cannot_write(path, "it is not a regular file")
    if info.st_uid != os.geteuid():
        raise _cannot_write(path, "it belongs to another user")


def _cannot_write(path: str, why: str) -> Exception:
    from rotui.core.errors import UsageError

    return UsageError(f"cannot write {path}", why)
