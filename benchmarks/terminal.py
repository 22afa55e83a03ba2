"""Figure 9: in a real terminal (tmux, as the user sees it): start to painted table, keypress to screen.

7a: the real ``rotui`` on 500 keys, from spawn to the first key row on the tmux screen, against
the bare 500-row DataTable app (``python -m benchmarks.paint minimal-tty``) in the same terminal,
timed the same way. 7b: on that dashboard, ``j`` to the detail pane naming the next key, while
validate-all runs against a simulated API (its own process, 100 ms per request); the reference
is the same meter on the idle dashboard just before. 9c/9d (issue 17): the same two meters on an
organisation's inventory, 10,000 keys × 4 consumers in 10 fragments: start against the bare
10,000-row DataTable app, and a filter keystroke to the filtered table. Skipped (SKIP) without tmux.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from benchmarks.harness import Row, Sample, Scale, Stats, compare, fresh_dir, isolated_env, python
from benchmarks.harness import verdict as passed
from benchmarks.inventory import config_text, fragment_configs, key_values, write_config
from benchmarks.simserver import sim_process

TIME_GOAL = 1.3  # × the bare DataTable app, in the same terminal
KEYPRESS_GOAL_MS = 50.0
SCALE_TIME_GOAL = 1.5  # issue 17: 10,000 keys, × the bare 10,000-row DataTable app
FILTER_GOAL_MS = 50.0
# Typed into the filter at 10,000 keys: every row matches, then 1,111, then 111, then back out
# to every row (the widest redraw); Backspace is tmux's name for the key.
FILTER_KEYS = (*"BENCH_KEY_12", "BSpace", "BSpace", "BSpace")
SIZE = (120, 36)
POLL = 0.002  # seconds between two captures
PRESSES = 20
METHOD = (
    "A private tmux server (its own socket) at 120×36 runs the command; a poller captures the pane "
    f"every {POLL * 1000:g} ms. 7a: from `tmux new-session` to the first `BENCH_KEY_` row on the "
    "screen, for the real `rotui --config` (500 keys × 4 consumers, fresh state) and for the bare "
    "500-row DataTable app (`python -m benchmarks.paint minimal-tty`), alternated. 7b: `j` "
    f"pressed {PRESSES} times on that dashboard (`tmux send-keys`), each timed until the detail "
    "pane names another key, while `V` validates all 500 keys against the simulated API (own "
    "process, 100 ms per request, max_concurrency 20); the reference is the same on the idle "
    "dashboard just before. 9c: 9a's meter on 10,000 keys × 4 consumers in 10 fragments (warm "
    "parsed-config cache) against the bare 10,000-row app. 9d: on that dashboard, `/` then "
    f"{len(FILTER_KEYS)} keystrokes (`BENCH_KEY_12` and three Backspaces: every row, 1,111, 111, "
    "then every row again), each timed until the view line names the new filter (it is redrawn "
    "with the table); the reference is `j` on the same dashboard. The capture's own cost (a few "
    "ms) is in both columns."
)
ROW = re.compile(r"BENCH_KEY_\d{4}")
VIEW = re.compile(r"(?:filter “([^”]*)” · )?(\d+) of (\d+) keys")


class Terminal:
    """One detached tmux session on a private server: start, read the screen, press keys, close."""

    def __init__(self, tmux: str, work: Path) -> None:
        self.tmux = tmux
        self.socket = Path(tempfile.gettempdir()) / f"rotui-bench-{os.getpid()}-{id(self)}"
        self.conf = work / "tmux.conf"
        self.conf.write_text("set -g status off\nset -g escape-time 10\n")

    def _run(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        done = subprocess.run(
            [self.tmux, "-S", str(self.socket), "-f", str(self.conf), *args],
            capture_output=True,
            text=True,
            env=dict(env) if env is not None else None,
            timeout=60,
        )
        return done.stdout

    def start(self, argv: list[str], env: Mapping[str, str]) -> None:
        width, height = SIZE
        self._run(
            "new-session", "-d", "-s", "b", "-x", str(width), "-y", str(height),
            shlex.join(argv) + "; sleep 60",
            env={**env, "TERM": "xterm-256color"},
        )  # fmt: skip

    def screen(self) -> str:
        return self._run("capture-pane", "-p", "-t", "b:0.0")

    def wait(self, ok: Callable[[str], bool], timeout: float = 60.0) -> str:
        deadline = time.perf_counter() + timeout
        while True:
            screen = self.screen()
            if ok(screen):
                return screen
            if time.perf_counter() > deadline:
                raise RuntimeError("the terminal never showed what was awaited:\n" + screen)
            time.sleep(POLL)

    def press(self, key: str) -> None:
        self._run("send-keys", "-t", "b:0.0", key)

    def close(self) -> None:
        """Kill the server, then wait for every program it ran to be gone.

        A hung-up rotui still writes its state on the way out; the caller removes the work
        directory next, and a write racing that removal failed ``rmtree`` ("Directory not empty").
        """
        panes = self._run("list-panes", "-a", "-F", "#{pane_pid}").split()
        programs = descendants({int(pid) for pid in panes if pid.isdigit()})
        subprocess.run([self.tmux, "-S", str(self.socket), "kill-server"], capture_output=True)
        self.socket.unlink(missing_ok=True)
        wait_gone(programs)


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command's name (state first), or None if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def descendants(roots: set[int]) -> dict[int, str]:
    """``roots`` and every process below them, each with its start time (from /proc).

    The start time tells a process from a later one given the same pid: the host is shared, and
    a pid freed while we wait may be another user's process by the time we would kill it.
    """
    parent: dict[int, int] = {}
    started: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat(int(stat.parent.name))
        if fields is None or len(fields) < 20:
            continue  # gone while listed
        pid = int(stat.parent.name)
        parent[pid], started[pid] = int(fields[1]), fields[19]  # ppid; starttime (field 22)
    found = {pid for pid in roots if pid in started}
    grew = True
    while grew:
        below = {pid for pid, ppid in parent.items() if ppid in found} - found
        found |= below
        grew = bool(below)
    return {pid: started[pid] for pid in found}


def alive(pid: int, started: str) -> bool:
    """The same process still running: not gone, not a zombie, not a new one with its pid."""
    fields = _stat(pid)
    return (
        fields is not None
        and len(fields) >= 20
        and fields[0] not in ("Z", "X")
        and fields[19] == started
    )


def wait_gone(pids: dict[int, str], timeout: float = 20.0) -> None:
    """Wait for ``pids`` (pid: start time) to end; kill what is still there after ``timeout`` s."""
    for last_try in (False, True):
        deadline = time.perf_counter() + timeout
        while any(alive(pid, at) for pid, at in pids.items()):
            if time.perf_counter() > deadline:
                break
            time.sleep(POLL)
        else:
            return
        left = sorted(pid for pid, at in pids.items() if alive(pid, at))
        if last_try:
            raise RuntimeError(f"processes {left} outlived their tmux server, even SIGKILL")
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def selected(screen: str) -> str | None:
    """The key the detail pane (the right-hand column at 120 wide) names, if any."""
    for line in screen.splitlines():
        found = ROW.search(line[SIZE[0] - 40 :])
        if found:
            return found.group()
    return None


def run(scale: Scale, work: Path) -> list[Row]:
    tmux = shutil.which("tmux")
    if tmux is None:
        skip = "tmux is not installed"
        return [
            Row("9a dashboard start to painted table in tmux", "s", None, "—", None, "—", f"≤ {TIME_GOAL:g}×", "SKIP", (skip,)),
            Row("9b keypress to screen in tmux", "ms", None, "—", None, "—", f"≤ {KEYPRESS_GOAL_MS:g} ms", "SKIP", (skip,)),
            Row("9c dashboard start at 10,000 keys in tmux", "s", None, "—", None, "—", f"≤ {SCALE_TIME_GOAL:g}×", "SKIP", (skip,)),
            Row("9d filter keystroke at 10,000 keys in tmux", "ms", None, "—", None, "—", f"≤ {FILTER_GOAL_MS:g} ms", "SKIP", (skip,)),
        ]  # fmt: skip
    env = isolated_env(work)
    rows = _dashboard(scale, work, tmux, env)
    rows += _inventory(scale, work / "inventory", tmux)
    return rows


def _painted(tmux: str, work: Path, env: Mapping[str, str], argv: list[str]) -> Sample:
    """Seconds from ``tmux new-session`` to the first key row on the screen."""
    term = Terminal(tmux, work)
    try:
        started = time.perf_counter()
        term.start(argv, env)
        term.wait(lambda s: ROW.search(s) is not None)
        return {"wall": time.perf_counter() - started}
    finally:
        term.close()


def _rotui() -> str:
    rotui = str(Path(python()).parent / "rotui")
    if not os.access(rotui, os.X_OK):
        raise RuntimeError(f"{rotui}: the console script is not installed in this venv")
    return rotui


def _dashboard(scale: Scale, work: Path, tmux: str, env: dict[str, str]) -> list[Row]:
    count = scale.dashboard_keys
    rotui = _rotui()
    painted_config = write_config(
        work / "painted.toml", config_text(count, consumers=scale.consumers, source="keyring")
    )

    def painted(argv: list[str]) -> Sample:
        return _painted(tmux, work, env, argv)

    def dashboard() -> Sample:
        root = fresh_dir(work, "state-")
        state_env = {"XDG_STATE_HOME": str(root)}
        return painted(
            [
                "env",
                *(f"{k}={v}" for k, v in state_env.items()),
                rotui,
                "--config",
                str(painted_config),
            ]
        )

    def minimal() -> Sample:
        return painted([python(), "-m", "benchmarks.paint", "minimal-tty", str(count)])

    ours, theirs = compare(scale, dashboard, minimal)
    ratio = ours["wall"].median / theirs["wall"].median
    rows = [
        Row(
            figure=f"9a dashboard start to painted table in tmux, {count} keys",
            unit="s",
            measured=ours["wall"],
            reference_name=f"bare {count}-row DataTable app, same terminal",
            reference=theirs["wall"],
            comparison=f"{ratio:.2f}×",
            goal=f"≤ {TIME_GOAL:g}×",
            verdict=passed(ratio <= TIME_GOAL),
        )
    ]
    busy, idle = keypresses(tmux, work, env, rotui, count, scale)
    rows.append(
        Row(
            figure=f"9b keypress to screen in tmux during validate-all of {count} keys (max)",
            unit="ms",
            measured=busy,
            reference_name="the same, dashboard idle",
            reference=idle,
            comparison=f"+{busy.median - idle.median:.0f} ms median",
            goal=f"≤ {KEYPRESS_GOAL_MS:g} ms",
            verdict=passed(busy.max <= KEYPRESS_GOAL_MS),
        )
    )
    return rows


def keypresses(
    tmux: str, work: Path, env: dict[str, str], rotui: str, count: int, scale: Scale
) -> tuple[Stats, Stats]:
    """Milliseconds from ``j`` to the detail pane naming another key: during validate-all, idle."""
    presses = PRESSES if not scale.quick else 3
    values = key_values(count)
    with sim_process(count, 0.1, env) as base_url:
        config = write_config(
            work / "validate.toml",
            config_text(count, base_url=base_url, source="env", max_concurrency=20),
        )
        term = Terminal(tmux, work)
        try:
            term.start(
                [
                    "env",
                    f"XDG_STATE_HOME={fresh_dir(work, 'state-')}",
                    rotui,
                    "--config",
                    str(config),
                ],
                {**env, **values},
            )
            term.wait(lambda s: selected(s) is not None)

            def measure(times: int) -> list[float]:
                took = []
                for _ in range(times):
                    before = selected(term.screen())
                    start = time.perf_counter()
                    term.press("j")
                    term.wait(lambda s, was=before: selected(s) not in (None, was))
                    took.append((time.perf_counter() - start) * 1000)
                return took

            idle = measure(presses)
            term.press("V")
            term.wait(lambda s: "━" in s or "%" in s)  # the progress bar: validation under way
            busy = measure(presses)
        finally:
            term.close()
    return Stats(tuple(busy)), Stats(tuple(idle))


def _inventory(scale: Scale, work: Path, tmux: str) -> list[Row]:
    """9c, 9d: the dashboard on an organisation's inventory (issue 17)."""
    count, parts = scale.inventory_keys, scale.inventory_fragments
    env = isolated_env(work)  # one cache dir for every run: warm after the warm-up
    config = fragment_configs(work / "keys", count, parts, consumers=4)
    rotui = _rotui()

    def dashboard() -> Sample:
        state = fresh_dir(work, "state-")
        return _painted(tmux, work, env, ["env", f"XDG_STATE_HOME={state}", rotui, "--config", str(config)])  # fmt: skip

    def minimal() -> Sample:
        return _painted(tmux, work, env, [python(), "-m", "benchmarks.paint", "minimal-tty", str(count)])  # fmt: skip

    ours, theirs = compare(scale, dashboard, minimal)
    ratio = ours["wall"].median / theirs["wall"].median
    what = f"{count} keys × 4 consumers in {parts} fragments"
    typed, moved = filter_keystrokes(tmux, work, env, rotui, config, count, scale)
    return [
        Row(
            figure=f"9c dashboard start to painted table in tmux, {what}",
            unit="s",
            measured=ours["wall"],
            reference_name=f"bare {count}-row DataTable app, same terminal",
            reference=theirs["wall"],
            comparison=f"{ratio:.2f}×",
            goal=f"≤ {SCALE_TIME_GOAL:g}×",
            verdict=passed(ratio <= SCALE_TIME_GOAL),
        ),
        Row(
            figure=f"9d filter keystroke to filtered table in tmux, {count} keys (max)",
            unit="ms",
            measured=typed,
            reference_name="`j` to the next key, same dashboard",
            reference=moved,
            comparison=f"+{typed.median - moved.median:.0f} ms median",
            goal=f"≤ {FILTER_GOAL_MS:g} ms",
            verdict=passed(typed.max <= FILTER_GOAL_MS),
        ),
    ]


def view_line(screen: str) -> tuple[str, int, int] | None:
    """The dashboard's view line: (the filter, keys shown, keys in all), if on the screen."""
    for line in screen.splitlines():
        found = VIEW.search(line)
        if found:
            return found.group(1) or "", int(found.group(2)), int(found.group(3))
    return None


def filter_keystrokes(
    tmux: str,
    work: Path,
    env: Mapping[str, str],
    rotui: str,
    config: Path,
    count: int,
    scale: Scale,
) -> tuple[Stats, Stats]:
    """Milliseconds from a keystroke in the filter to the table filtered by it; and from ``j``."""
    rounds = 3 if not scale.quick else 1
    typed: list[float] = []
    moved: list[float] = []
    term = Terminal(tmux, work)
    try:
        state = fresh_dir(work, "state-")
        term.start(["env", f"XDG_STATE_HOME={state}", rotui, "--config", str(config)], env)
        term.wait(lambda s: selected(s) is not None and view_line(s) is not None)
        for _ in range(rounds):
            for _ in range(PRESSES // 4):
                before = selected(term.screen())
                start = time.perf_counter()
                term.press("j")
                term.wait(lambda s, was=before: selected(s) not in (None, was))
                moved.append((time.perf_counter() - start) * 1000)
            term.press("/")
            term.wait(lambda s: "Esc clears" in s)  # the filter box, with its placeholder
            text = ""
            for key in FILTER_KEYS:
                text = text[:-1] if key == "BSpace" else text + key
                start = time.perf_counter()
                term.press(key)
                term.wait(lambda s, want=text: (view_line(s) or ("?",))[0] == want)
                typed.append((time.perf_counter() - start) * 1000)
            shown = view_line(term.screen())
            if shown is None or shown[2] != count:
                raise RuntimeError(f"the dashboard did not list {count} keys: {shown}")
            term.press("Escape")
            term.wait(lambda s: (view_line(s) or ("?",))[0] == "" and "Esc clears" not in s)
    finally:
        term.close()
    return Stats(tuple(typed)), Stats(tuple(moved))
