"""Pairing: a `rotui demo` announces its files so another terminal can follow it read-only.

Running demos live under :func:`demo_home` (``$TMPDIR/rotui-demo-<uid>``); the first one to
start names itself in a pointer file there while it runs. A second demo started meanwhile never
takes the pointer over (the observers of the first would silently switch): it runs unpaired and
says so. An observer watches the pointer and leaves, saying so, when the demo it follows ends.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rotui.core.secret import MemoryKeyring, SecretStore
from rotui.demo import DEMO_TOKENS, demo_environ
from rotui.paths import Paths

if TYPE_CHECKING:
    from rotui.context import Context


DEMO_POINTER = "current.json"
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


def sweep_dead(home: Path) -> None:
    """Remove the files of every demo under ``home`` whose process is gone; a live one's never.

    A demo killed (``kill -9``) or whose terminal closed before it tidied up never ran its
    clean-up: its files would pile up. Whoever looks next sweeps them: a new demo, a reader, an
    observer. A process alive under that pid (even a stranger's reusing it) keeps its files.
    """
    import shutil

    for old in home.glob("demo-*"):
        pid = old.name.split("-")[1]
        if old.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)


def demo_root(home: Path) -> Path:
    """A new demo's own directory under ``home``, named with its pid; the dead ones' swept first."""
    import os

    sweep_dead(home)
    return Path(tempfile.mkdtemp(prefix=f"demo-{os.getpid()}-", dir=home))


def find_running_demo() -> RunningDemo | None:
    """The demo to follow: the one the pointer names while it runs, else the oldest live one.

    A demo started while another was paired never takes the pointer; once the paired one ends,
    it is the one left to follow, so readers find it rather than saying none runs.
    """
    import json

    home = demo_home()
    sweep_dead(home)  # a killed demo's files: never followed, never left behind
    try:
        pointer = json.loads((home / DEMO_POINTER).read_text())
        named = RunningDemo(Path(pointer["root"]), int(pointer["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        named = None
    if named is not None and _alive(named.pid) and named.config_path.is_file():
        return named
    live = live_demos()
    return live[0] if live else None


def live_demos() -> list[RunningDemo]:
    """Every demo under :func:`demo_home` whose process runs and whose files exist, oldest
    first (a dead one's process is gone: killed, its terminal closed before it tidied up)."""
    found = []
    for root in demo_home().glob("demo-*"):
        pid = root.name.split("-")[1]
        if pid.isdigit() and _alive(int(pid)):
            demo = RunningDemo(root, int(pid))
            with contextlib.suppress(OSError):
                found.append((demo.config_path.stat().st_mtime_ns, demo))
    return [demo for _, demo in sorted(found, key=lambda pair: pair[0])]


def _claim(pointer: Path, me: RunningDemo) -> bool:
    """Create the pointer naming ``me`` unless a live demo's pointer is there (link: no race)."""
    import json
    import os

    text = json.dumps({"root": str(me.root), "pid": me.pid}).encode()
    for _ in range(2):
        tmp = pointer.with_name(f".{pointer.name}.{me.pid}")
        tmp.write_bytes(text)
        try:
            os.link(tmp, pointer)
            return True
        except FileExistsError:
            if find_running_demo() is not None:
                return False  # another demo is followed: it keeps its observers
            with contextlib.suppress(OSError):
                pointer.unlink()  # a dead demo's pointer: swept, then tried once more
        finally:
            tmp.unlink(missing_ok=True)
    return False


@contextlib.contextmanager
def announced(root: Path) -> Iterator[RunningDemo | None]:
    """Name this demo in the pointer file while it runs, unless another live demo is named
    there (then None: this one runs unpaired); remove the pointer if still ours."""
    import json
    import os

    global _announced
    me = RunningDemo(root, os.getpid())
    pointer = demo_home() / DEMO_POINTER
    if not _claim(pointer, me):
        yield None
        return
    _announced = me
    try:
        yield me
    finally:
        _announced = None
        with contextlib.suppress(OSError, ValueError):
            if json.loads(pointer.read_text()).get("pid") == me.pid:
                pointer.unlink()


def still_followed(running: RunningDemo) -> bool:
    """Whether the demo an observer follows still runs: its process, pointer and files."""
    found = find_running_demo()
    return found is not None and found.pid == running.pid and found.root == running.root


# {rotui}: this rotui as another terminal types it (not on PATH after `make demo`). One command
# only: at 60x20 the toast covered the detail with the path twice (the log: `a` in the observer).
PAIRING_TOAST = "Another terminal follows this demo with: {rotui} demo --read-only · Esc hides this"
UNPAIRED_TOAST = (
    "Not paired: `{rotui} demo --read-only` follows the demo of process {pid}, started before "
    "this one"
)


def followed_ended(running: RunningDemo) -> str:
    """What an observer is told when the demo it follows ends, true of its files at that moment.

    A demo that quits removes its own files on the way out; one killed leaves them, and they
    are swept here (its process is gone). Only what is so is said: gone, or left where they are.
    """
    said = f"rotui demo: the demo you follow (process {running.pid}) has ended"
    if not _alive(running.pid):
        sweep_dead(running.root.parent)
    if not running.root.exists():
        return f"{said}; its files are gone"
    if _alive(running.pid):
        return said  # still on its way out, removing its files
    return f"{said}; its files are left in {running.root}"


def pairing_hint() -> str | None:
    """What the dashboard says about pairing, when this process runs a demo others can follow,
    or that another demo is the paired one."""
    import os

    from rotui.demo.hints import rotui_command

    if _announced is not None:
        return PAIRING_TOAST.format(rotui=rotui_command())
    other = find_running_demo()
    if other is None or other.pid == os.getpid():  # itself, unannounced: nothing true to say
        return None
    return UNPAIRED_TOAST.format(rotui=rotui_command(), pid=other.pid)


def follow_context(ctx: Context, running: RunningDemo | None = None) -> Context:
    """A CLI context on the running demo's files, with no secret: an observer's or a reader's.

    ``running``: the demo already named to the user (the observer's), else the one found now.
    """
    from rotui.config import parse_config
    from rotui.context import Context
    from rotui.core.errors import UsageError
    from rotui.demo.hints import rotui_command

    start = f"start one with `{rotui_command()} demo` in another terminal"
    running = running or find_running_demo()
    if running is None:
        raise UsageError("no demo is running", start)
    others = [demo.pid for demo in live_demos() if demo != running]
    if others:
        listed = ", ".join(f"process {pid}" for pid in others)
        ctx.say(f"rotui demo: reading the demo of process {running.pid}; also running: {listed}")
    where = str(running.config_path)
    try:
        text = running.config_path.read_text()
    except OSError:  # it ended since it was found: its files go as it quits
        raise UsageError(f"the demo of process {running.pid} has ended", start) from None
    config = replace(parse_config(text, where), path=where)
    return Context(
        paths=running.paths,
        config=config,
        store=SecretStore(MemoryKeyring(), environ=DEMO_TOKENS),  # nothing to read: no secret
        stdout=ctx.stdout,
        stderr=ctx.stderr,
        clock=ctx.clock,
        environ=demo_environ(running.paths),
        trust_env=False,
    )
