"""Git history (opt-in): every commit under the bound whose diff adds a key-shaped line.

``git log --all -p -G sk-ant-`` lists only commits whose patch touches such a line; each patch
line is matched like a file's text and then dropped. Working trees are scanned as files.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from rotui.core.holders.matcher import Hit, Matcher
from rotui.core.holders.model import ScanReport

GitFound = Callable[[str, str, Hit], None]  # (repository, "commit path", hit)


def repositories(
    roots: tuple[Path, ...], stop: threading.Event, limit: int = 1000
) -> Iterator[Path]:
    """Git working trees under the roots (a folder with a ``.git``), not following symlinks."""
    seen = 0
    for root in roots:
        stack = [str(root)]
        while stack and not stop.is_set() and seen < limit:
            folder = stack.pop()
            try:
                with os.scandir(folder) as entries:
                    names = []
                    for entry in entries:
                        if entry.name == ".git":
                            seen += 1
                            yield Path(folder)
                        elif entry.is_dir(follow_symlinks=False):
                            names.append(entry.path)
                    stack.extend(names)
            except OSError:
                continue


def scan_history(
    repo: Path,
    matcher: Matcher,
    report: ScanReport,
    found: GitFound,
    stop: threading.Event,
    *,
    commits: int,
    deadline: float,
    environ: Mapping[str, str],
) -> None:
    """Stream the patches of matching commits through the matcher; bounded in commits and time."""
    argv = [
        "git",
        "-C",
        str(repo),
        "log",
        "--all",
        "-p",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        f"--max-count={commits}",
        "-G",
        "sk-ant-",
        "--format=commit %H",
    ]
    try:
        child = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(environ),
        )
    except OSError as exc:
        report.skip(str(repo), f"git could not run ({exc.strerror or exc})")
        return
    assert child.stdout is not None

    def out_of_bounds() -> bool:
        return stop.is_set() or time.monotonic() > deadline

    try:
        _read_patches(child.stdout, repo, matcher, report, found, out_of_bounds)
    finally:
        child.stdout.close()
        if child.poll() is None:
            child.kill()
        child.wait()
    if child.returncode not in (0, -9) and not report.partial:
        report.skip(str(repo), f"git log failed (exit {child.returncode})")


def _read_patches(
    lines: Iterable[bytes],
    repo: Path,
    matcher: Matcher,
    report: ScanReport,
    found: GitFound,
    out_of_bounds: Callable[[], bool],
) -> None:
    """Match the lines each commit added, naming the commit and the file they were added to."""
    commit, path = "", ""
    for line in lines:
        if out_of_bounds():
            report.partial = True
            report.skip(str(repo), "git history: the scan's time bound was reached")
            break
        if line.startswith(b"commit "):
            commit = line[7:17].decode("ascii", "replace")
            report.places += 1
        elif line.startswith(b"+++ b/"):
            path = line[6:].rstrip(b"\n").decode("utf-8", "replace")
        elif line.startswith(b"diff --git"):
            path = ""
        elif line[:1] == b"+" and not line.startswith(b"+++"):  # where the value was added
            for hit in matcher.scan(line[1:]):
                found(str(repo), f"{commit} {path}", hit)
        del line
