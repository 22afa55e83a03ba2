"""Pairing: a `rotui demo` announces its files so another terminal can follow it read-only.

Running demos live under :func:`demo_home` (``$TMPDIR/rotui-demo-<uid>``); the newest one names
itself in a pointer file there while it runs.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rotui.core.secret import MemoryKeyring, SecretStore
from rotui.demo import DEMO_TOKENS, demo_environ
from rotui.paths import Paths

if TYPE_CHECKING:
    from rotui.context import Context


DEMO_POINTER = "current.json"
PAIRING_HINT = (
    "Pair with this demo from another terminal: `rotui demo --read-only` follows it live; "
    "`rotui demo audit`, `rotui demo runs`, `rotui demo report RUN_ID` and `rotui demo status` "
    "read its files."
)
_announced: RunningDemo | None = None  # the shared demo this process runs, if any


@dataclass(frozen=True)
class RunningDemo:
    """A `rotui demo` another terminal can follow: its files' root and its process."""

    root: Path
    pid: int

    @property
    def paths(self) -> Paths:
        return Paths.under(self.root)

    @property
    def config_path(self) -> Path:
        return self.paths.config_dir / "rotui.toml"


def demo_home() -> Path:
    """Where running demos keep their files: ``$TMPDIR/rotui-demo-<uid>``, private to the user.

    Predictable, so a second terminal finds it (tmux's ``/tmp/tmux-<uid>`` is the model), and
    therefore checked: a directory of the user's own, not a link, that no one else can enter.
    """
    import os
    import stat

    from rotui.core.errors import UsageError

    uid = os.getuid()
    home = Path(tempfile.gettempdir()) / f"rotui-demo-{uid}"
    with contextlib.suppress(FileExistsError):
        home.mkdir(mode=0o700)
    info = os.lstat(home)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid or info.st_mode & 0o077:
        raise UsageError(
            f"{home} is not a private directory of yours",
            "remove it, or point TMPDIR at another directory",
        )
    return home


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, though not ours
    return True


def demo_root(home: Path) -> Path:
    """A new demo's own directory under ``home``, named with its pid; the dead ones' swept first.

    A demo whose terminal closed (SIGHUP) never ran its clean-up: its files would pile up.
    """
    import os
    import shutil

    for old in home.glob("demo-*"):
        pid = old.name.split("-")[1]
        if old.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"demo-{os.getpid()}-", dir=home))


def find_running_demo() -> RunningDemo | None:
    """The demo the newest live `rotui demo` announced, if its process and files still exist."""
    import json

    try:
        pointer = json.loads((demo_home() / DEMO_POINTER).read_text())
        found = RunningDemo(Path(pointer["root"]), int(pointer["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _alive(found.pid):
        return None  # it ended without tidying up (killed): nothing to follow
    return found if found.config_path.is_file() else None


@contextlib.contextmanager
def announced(root: Path) -> Iterator[RunningDemo]:
    """Name this demo in the pointer file while it runs; remove the pointer if still ours."""
    import json
    import os

    from rotui.core.fsio import atomic_write

    global _announced
    me = RunningDemo(root, os.getpid())
    pointer = demo_home() / DEMO_POINTER
    atomic_write(pointer, json.dumps({"root": str(root), "pid": me.pid}).encode())
    _announced = me
    try:
        yield me
    finally:
        _announced = None
        with contextlib.suppress(OSError, ValueError):
            if json.loads(pointer.read_text()).get("pid") == me.pid:
                pointer.unlink()


PAIRING_TOAST = (
    "Another terminal follows this demo with: rotui demo --read-only (its log: rotui demo audit)"
)


def pairing_hint() -> str | None:
    """What the dashboard says about pairing, when this process runs a demo others can follow."""
    return PAIRING_TOAST if _announced is not None else None


def follow_context(ctx: Context) -> Context:
    """A CLI context on the running demo's files, with no secret: an observer's or a reader's."""
    from rotui.config import parse_config
    from rotui.context import Context
    from rotui.core.errors import UsageError

    running = find_running_demo()
    if running is None:
        raise UsageError("no demo is running", "start one with `rotui demo` in another terminal")
    config = parse_config(running.config_path.read_text(), str(running.config_path))
    return Context(
        paths=running.paths,
        config=config,
        store=SecretStore(MemoryKeyring(), environ=DEMO_TOKENS),  # nothing to read: no secret
        stdout=ctx.stdout,
        stderr=ctx.stderr,
        clock=ctx.clock,
        environ=demo_environ(),
        trust_env=False,
    )
