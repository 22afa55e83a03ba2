"""Text files: the operator's shell startup files and histories, and the configured roots.

Each file is read whole, up to a size bound (so memory stays flat however big the tree), and
once more if it holds the key prefix; binary files (a NUL in the first 8 KiB), files over the
bound, non-regular files, dangling symlinks and unreadable places are skipped and counted with
the reason. Nothing read is kept.
Directory symlinks are not followed, and ``.git`` directories are left to the git source.

A big tree is sifted by child processes, one per core (:mod:`.sift`): they read and search
outside this process's GIL and answer only which files hold the key prefix; those few are read
again here and matched, so no fingerprint or value ever reaches a child.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rotui.core.holders import sift
from rotui.core.holders.matcher import Hit, Matcher
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
READERS = 4  # threads reading files (or talking to the sifting children)
BATCH = 128  # files per task
IN_FLIGHT = 8  # tasks queued at most: memory stays flat
SIFT_AFTER = 2  # batches read here before children start: a small scan starts none
SKIP_DIRS = frozenset({".git", ".hg", ".svn"})

Found = Callable[[str, Hit], None]
Tick = Callable[[int, int], None]  # (done, known so far)


class Stop(Protocol):
    """A ``threading.Event``, or anything that says like one whether to stop."""

    def is_set(self) -> bool: ...


def shell_files(home: Path) -> list[Path]:
    """The operator's own startup files and histories that exist (the SOP's "local zshrc")."""
    return [home / name for name in SHELL_FILES if os.path.lexists(home / name)]


def walk(root: Path, report: ScanReport, stop: Stop) -> Iterator[str]:
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


@dataclass
class Sifted:
    """A tree read without the matcher: its places and skipped places, and the files to match."""

    report: ScanReport = field(default_factory=ScanReport)
    candidates: list[str] = field(default_factory=list)  # paths only: each holds the prefix
    deadline: float = float("inf")  # the local source's time bound, for what follows (git)


def sift_paths(
    paths: Iterator[str],
    stop: Stop,
    *,
    max_bytes: int,
    deadline: float,
    max_places: int,
    tick: Tick | None = None,
    workers: int = READERS,
    report: ScanReport | None = None,
) -> Sifted:
    """Sift each path (into ``report``, where the walk counts unreadable directories) in order.

    Needs no fingerprint, so it runs while the keys' values are read. Threads sift here or hand
    files to the children, at most ``IN_FLIGHT`` batches queued so memory stays flat.
    """
    out = Sifted(report if report is not None else ScanReport(), deadline=deadline)
    report = out.report
    done = submitted = 0
    queue_: collections.deque[tuple[list[str], Future[list[str]]]] = collections.deque()
    sifters = Sifters(sifting_children(workers), max_bytes)

    def settle(block: bool) -> None:
        nonlocal done
        while queue_ and (block or queue_[0][1].done()):
            batch_, task = queue_.popleft()
            for path, said in zip(batch_, task.result(), strict=True):
                if said == sift.CANDIDATE:
                    out.candidates.append(path)
                elif said:
                    report.skip(path, said)
            done += len(batch_)
            if tick is not None:
                tick(done, report.places)

    def submit(batch: list[str]) -> None:
        nonlocal submitted
        submitted += 1
        sifted = submitted > SIFT_AFTER and sifters.start()
        task = pool.submit(sift_batch, batch, max_bytes, sifters if sifted else None)
        queue_.append((batch, task))

    batch: list[str] = []
    try:
        with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="holders") as pool:
            for path in bounded(paths, report, stop, deadline, max_places):
                batch.append(path)
                if len(batch) >= BATCH:
                    submit(batch)
                    batch = []
                    settle(block=len(queue_) >= IN_FLIGHT)
            if batch:
                submit(batch)
            settle(block=True)
    finally:
        sifters.close()
    if tick is not None:
        tick(done, done)
    return out


def bounded(
    paths: Iterator[str], report: ScanReport, stop: Stop, deadline: float, max_places: int
) -> Iterator[str]:
    """The paths up to ``stop``, the deadline or the place bound, each counted as a place."""
    for path in paths:
        if stop.is_set():
            report.partial = True
            return
        if report.places >= max_places or time.monotonic() > deadline:
            report.skip(path, "the scan's time or place bound was reached")
            report.partial = True
            return
        report.places += 1
        yield path


def match_candidates(
    sifted: Sifted, matcher: Matcher, report: ScanReport, found: Found, max_bytes: int
) -> None:
    """Into ``report``: what sifting counted, then each candidate's hits (read again, matched)."""
    report.merge(sifted.report)
    for path in sifted.candidates:
        scan_file(path, matcher, report, found, max_bytes)


def sift_batch(batch: list[str], max_bytes: int, sifters: Sifters | None) -> list[str]:
    """Each file's :func:`.sift.sift` outcome, from a child when there is one, else read here."""
    outcomes = sifters.sift(batch) if sifters is not None else None
    if outcomes is None:
        return [sift.sift(path, max_bytes) for path in batch]
    return outcomes


def sifting_children(workers: int) -> int:
    """One child per core, at most one per reading thread; none on one core (nothing to gain)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    count = min(workers, cores or 1)
    return count if count > 1 and sys.executable else 0


class Sifters:
    """The sifting children (:mod:`.sift`); a child that fails is dropped and its batch read here.

    A child gets an empty environment, its own session (Ctrl-C is the parent's to handle) and no
    argument but the size bound: paths go in on its stdin, reasons come out on its stdout.
    """

    def __init__(self, count: int, max_bytes: int) -> None:
        self.count = count
        self._max_bytes = max_bytes
        self._idle: queue.SimpleQueue[subprocess.Popen[bytes] | None] = queue.SimpleQueue()
        self._children: list[subprocess.Popen[bytes]] = []
        self._working: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()
        self._started = False

    def command(self) -> list[str]:
        assert sift.__file__ is not None
        return [sys.executable, "-I", "-B", sift.__file__, str(self._max_bytes)]

    def start(self) -> bool:
        """Start the children once (from the scanning thread); False when there are none."""
        if not self._started:
            self._started = True
            for _ in range(self.count):
                try:
                    child = subprocess.Popen(
                        self.command(),
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL,
                        env={},
                        start_new_session=True,
                    )
                except OSError:
                    continue
                self._children.append(child)
                self._working.append(child)
                self._idle.put(child)
        return bool(self._children)

    def sift(self, paths: list[str]) -> list[str] | None:
        """Each path's :func:`.sift.sift` outcome, or None: no child could (read them here)."""
        child = self._idle.get()
        if child is None:
            self._idle.put(None)  # pass it on: every child has failed
            return None
        assert child.stdin is not None and child.stdout is not None
        try:
            sift.write_frame(child.stdin, [os.fsencode(path) for path in paths])
            items = sift.read_frame(child.stdout, len(paths))
        except (OSError, ValueError):
            items = None
        if items is None:
            child.kill()
            with self._lock:
                self._working.remove(child)
                if not self._working:
                    self._idle.put(None)  # every child failed: the next caller learns it at once
            return None
        self._idle.put(child)
        return [item.decode("utf-8", "surrogateescape") for item in items]

    def close(self) -> None:
        """End every child: its input closes, so it exits; one that does not is killed."""
        for child in self._children:
            with contextlib.suppress(OSError):
                child.stdin.close()  # type: ignore[union-attr]
        for child in self._children:
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            with contextlib.suppress(OSError):
                child.stdout.close()  # type: ignore[union-attr]


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
    skipped, data = sift.read(path, max_bytes)
    if skipped:
        return skipped, []
    if not sift.holds_prefix(data):
        return "", []
    return "", list(matcher.scan(data))
