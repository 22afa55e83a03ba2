"""Text files: the operator's shell startup files and histories, and the configured roots.

Each file is read once, whole, up to a size bound (so memory stays flat however big the tree);
binary files (a NUL in the first 8 KiB), files over the bound, non-regular files, dangling
symlinks and unreadable places are skipped and counted with the reason. Nothing read is kept.
Directory symlinks are not followed, and ``.git`` directories are left to the git source.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from rotui.core.holders.matcher import Hit, Matcher
from rotui.core.holders.model import ScanReport

SHELL_FILES = (".zshrc", ".bashrc", ".profile", ".bash_profile", ".zprofile", ".zshenv",
               ".zsh_history", ".bash_history")  # fmt: skip
BINARY_SNIFF = 8192
SKIP_DIRS = frozenset({".git", ".hg", ".svn"})

Found = Callable[[str, Hit], None]
Tick = Callable[[int, int], None]  # (done, known so far)


def shell_files(home: Path) -> list[Path]:
    """The operator's own startup files and histories that exist (the SOP's "local zshrc")."""
    return [home / name for name in SHELL_FILES if os.path.lexists(home / name)]


def walk(root: Path, report: ScanReport, stop: threading.Event) -> Iterator[str]:
    """Every file path under ``root``, depth first, without following directory symlinks."""
    if not os.path.isdir(root):
        yield str(root)
        return
    stack = [str(root)]
    while stack and not stop.is_set():
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if entry.name not in SKIP_DIRS:
                                stack.append(entry.path)
                            continue
                    except OSError:
                        pass
                    yield entry.path
        except OSError as exc:
            report.skip(folder, f"unreadable directory ({exc.strerror or exc})")


def scan_paths(
    paths: Iterator[str],
    matcher: Matcher,
    report: ScanReport,
    found: Found,
    stop: threading.Event,
    *,
    max_bytes: int,
    deadline: float,
    max_places: int,
    tick: Tick | None = None,
) -> None:
    """Scan each path; stops at ``stop``, the deadline or the place bound (the report says so)."""
    done = 0
    for path in paths:
        if stop.is_set():
            report.partial = True
            return
        if done >= max_places or time.monotonic() > deadline:
            report.skip(path, "the scan's time or place bound was reached")
            report.partial = True
            return
        done += 1
        report.places += 1
        scan_file(path, matcher, report, found, max_bytes)
        if tick is not None and done % 256 == 0:
            tick(done, done)
    if tick is not None:
        tick(done, done)


def scan_file(
    path: str, matcher: Matcher, report: ScanReport, found: Found, max_bytes: int
) -> None:
    """Read one file and hand each hit to ``found``; a file that cannot be read is counted."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        reason = "dangling symlink" if os.path.islink(path) else "vanished"
        report.skip(path, reason)
        return
    except OSError as exc:
        report.skip(path, f"unreadable ({exc.strerror or exc})")
        return
    if not stat.S_ISREG(info.st_mode):
        report.skip(path, "not a regular file")
        return
    if info.st_size > max_bytes:
        report.skip(path, f"over {max_bytes} bytes")
        return
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        report.skip(path, f"unreadable ({exc.strerror or exc})")
        return
    try:
        data = os.read(fd, max_bytes + 1) if info.st_size else b""
        while len(data) <= max_bytes:  # a file that grew, or a short read
            more = os.read(fd, max_bytes + 1 - len(data))
            if not more:
                break
            data += more
    except OSError as exc:
        report.skip(path, f"unreadable ({exc.strerror or exc})")
        return
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        report.skip(path, f"over {max_bytes} bytes")
        return
    if b"\0" in data[:BINARY_SNIFF]:
        report.skip(path, "binary")
        return
    for hit in matcher.scan(data):
        found(path, hit)
    del data
