"""How the CLI prints: aligned tables, relative times, and reports written 0600."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
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
