"""Text files: the operator's shell startup files and histories, and the configured roots.

Each file is read once, whole, up to a size bound (so memory stays flat however big the tree);
binary files (a NUL in the first 8 KiB), files over the bound, non-regular files, dangling
symlinks and unreadable places are skipped and counted with the reason. Nothing read is kept.
Directory symlinks are not followed, and ``.git`` directories are left to the git source.
"""

from __future__ import annotations

import collections
import concurrent.futures
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from rotui.core.holders.matcher import PREFIX, Hit, Matcher
from rotui.core.holders.model import ScanReport

SHELL_FILES = (
    ".zshrc",
    ".bashrc",
    ".profile",
    ".bash_profile",
    ".zprofile",
    ".zshenv",
    ".zsh_history",
    ".bash_history",
)
BINARY_SNIFF = 8192
READERS = 4  # threads reading files
BATCH = 128  # files per task
IN_FLIGHT = 8  # tasks queued at most: memory stays flat
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOCTTY", 0)
)
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
    workers: int = READERS,
) -> None:
    """Scan each path; stops at ``stop``, the deadline or the place bound (the report says so).

    A few threads read files (a read releases the GIL) with at most ``IN_FLIGHT`` files queued,
    so memory stays flat; hits and skips are recorded here, in order of completion.
    """
    done = 0
    Batch = list[tuple[str, Outcome]]
    queue: collections.deque[concurrent.futures.Future[Batch]] = collections.deque()

    def read_batch(batch: list[str]) -> Batch:
        return [(path, read_and_match(path, matcher, max_bytes)) for path in batch]

    def settle(block: bool) -> None:
        nonlocal done
        while queue and (block or queue[0].done()):
            for path, (skipped, hits) in queue.popleft().result():
                if skipped:
                    report.skip(path, skipped)
                for hit in hits:
                    found(path, hit)
                done += 1
            if tick is not None:
                tick(done, report.places)

    batch: list[str] = []
    with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="holders-read") as pool:
        for path in paths:
            if stop.is_set():
                report.partial = True
                break
            if report.places >= max_places or time.monotonic() > deadline:
                report.skip(path, "the scan's time or place bound was reached")
                report.partial = True
                break
            report.places += 1
            batch.append(path)
            if len(batch) >= BATCH:
                queue.append(pool.submit(read_batch, batch))
                batch = []
                settle(block=len(queue) >= IN_FLIGHT)
        if batch:
            queue.append(pool.submit(read_batch, batch))
        settle(block=True)
    if tick is not None:
        tick(done, done)


Outcome = tuple[str, list[Hit]]  # (skip reason or "", hits)


def scan_file(
    path: str, matcher: Matcher, report: ScanReport, found: Found, max_bytes: int
) -> None:
    """Read one file and hand each hit to ``found``; a file that cannot be read is counted."""
    skipped, hits = read_and_match(path, matcher, max_bytes)
    if skipped:
        report.skip(path, skipped)
    for hit in hits:
        found(path, hit)


def read_and_match(path: str, matcher: Matcher, max_bytes: int) -> Outcome:
    """One file: open without following a FIFO's writer, check it, read it once, match, drop."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        return ("dangling symlink" if os.path.islink(path) else "vanished"), []
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})", []
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file", []
        if info.st_size > max_bytes:
            return f"over {max_bytes} bytes", []
        data = os.read(fd, info.st_size + 1) if info.st_size else b""
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})", []
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        return f"over {max_bytes} bytes", []
    if data.find(b"\0", 0, BINARY_SNIFF) >= 0:
        return "binary", []
    if PREFIX not in data:
        return "", []
    return "", list(matcher.scan(data))
