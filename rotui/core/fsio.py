"""How rotui writes its files: private directories, atomic writes, whole appends, short locks.

In the core because the core's stores (audit, runs, locks) write through it; ``rotui.paths``
says where the files live.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from rotui.core.errors import StateError


def private_dir(path: Path) -> Path:
    """Create ``path`` and every missing parent with mode 0700; tighten ``path`` if it is looser.

    ``Path.mkdir(parents=True)`` gives the parents the umask's mode (0755), so each missing level
    is made here one at a time. Parents that already existed are the user's and left as they are.
    """
    try:
        missing: list[Path] = []
        here = path
        while not here.exists() and here != here.parent:
            missing.append(here)
            here = here.parent
        for level in reversed(missing):
            with contextlib.suppress(FileExistsError):  # another process made it first
                level.mkdir(mode=0o700)
            os.chmod(level, 0o700)  # mkdir's mode is masked by the umask
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
    except OSError as exc:
        raise StateError(f"cannot create directory {path}", _os_reason(exc)) from None
    return path


def os_reason(exc: OSError) -> str:
    """A person's reason for an OSError: disk full, permission denied, read-only, or strerror."""
    return _os_reason(exc)


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full; free some space and try again (nothing was changed)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    return exc.strerror or str(exc)


def atomic_write(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write a 0600 file so that readers see the old content or the new, never a part.

    Temp file in the same directory, fsync, ``os.replace``, then fsync the directory.
    """
    import tempfile

    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes):
                handle.write(data)
            else:  # chunks: a large document is never built whole in memory
                for chunk in data:
                    handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:  # also a failing chunk generator or Ctrl-C: no temp file left
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise StateError(f"cannot write {path}", _os_reason(exc)) from None
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def append_whole(fd: int, data: bytes, undo_to: int) -> None:
    """Write all of ``data`` to an ``O_APPEND`` fd, or cut the file back to ``undo_to`` bytes.

    ``os.write`` may store only part of its buffer when the disk fills; an append log must then
    hold no partial line, so a failure truncates to the size it had before this append began.
    """
    view = memoryview(data)
    try:
        while view:
            written = os.write(fd, view)
            if written <= 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            view = view[written:]
    except OSError:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, undo_to)
        raise


@contextlib.contextmanager
def locked(lock_path: Path, timeout: float = 10.0) -> Iterator[None]:
    """Hold an exclusive advisory lock on a dedicated lock file (never the data file).

    Short writes hold it for milliseconds; one that cannot get it within ``timeout`` fails with
    a message instead of waiting forever behind a stuck process.
    """
    import fcntl
    import time

    private_dir(lock_path.parent)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StateError(f"cannot open lock {lock_path}", _os_reason(exc)) from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StateError(
                        f"{lock_path} is locked",
                        f"another rotui process has held it for over {timeout:g} s; try again",
                    ) from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)
