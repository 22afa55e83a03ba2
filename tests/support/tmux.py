"""The real ``rotui`` binary in a detached tmux session: keyboard in, screen text out.

A person meets rotui in a terminal, often tmux over SSH at 80×24; Pilot tests cannot see what that
terminal shows (escape handling, the real size, the process's exit code). Each ``Tmux`` runs its own
tmux server on a private socket (``tmux -S``, a short path in the temp dir), so a test never touches
the user's tmux, and ``close()`` kills that server and everything in it.

Waits poll ``capture-pane`` until a deadline; a timeout fails with the last screen attached.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

SKIP_REASON = "tmux is not installed: run .ci/run, or apt-get install tmux"
POLL = 0.05  # seconds between two captures while waiting for a screen


def rotui_command() -> list[str]:
    """The console script of the running venv, as a user starts it; else ``python -m rotui``."""
    script = Path(sys.executable).parent / "rotui"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "rotui"]


def require_tmux() -> str:
    """The tmux executable, or skip the test with the way to get it."""
    found = shutil.which("tmux")
    if found is None:
        pytest.skip(SKIP_REASON)
    return found


class Tmux:
    """One detached tmux session running one command, on a private tmux server."""

    def __init__(
        self, workdir: Path, size: tuple[int, int] = (80, 24), name: str = "rotui"
    ) -> None:
        self.tmux = require_tmux()
        workdir.mkdir(parents=True, exist_ok=True)
        # the socket path must stay short (sun_path is ~104 bytes); tmp_path can be long
        self.socket = (
            Path(os.environ.get("TMPDIR", "/tmp")) / f"rotui-tmux-{os.getpid()}-{id(self)}"
        )
        self.workdir = workdir
        self.size = size
        self.name = name
        self.target = f"{name}:0.0"
        self.conf = workdir / "tmux.conf"
        self.conf.write_text(
            # the pane stays after the command ends, so its last screen can be read
            "set -g remain-on-exit on\n"
            "set -g default-terminal tmux-256color\n"
            "set -g default-shell /bin/sh\n"
            "set -g status off\n"  # the whole window is the program's screen, as in a plain terminal
            "set -g escape-time 10\n"
            "set -g history-limit 2000\n"
            f"set -g default-size {size[0]}x{size[1]}\n"
        )
        self.status_file = workdir / "exit-status"
        self.started = False

    def _tmux(self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> str:
        done = subprocess.run(
            [self.tmux, "-S", str(self.socket), "-f", str(self.conf), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
        )
        if done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args[:1])} failed: {done.stderr.strip()}")
        return done.stdout

    def start(
        self,
        args: Sequence[str],
        env: dict[str, str],
        command: Sequence[str] | None = None,
        cwd: Path | None = None,
    ) -> Tmux:
        """Start ``rotui ARGS`` (or ``command``) with exactly ``env``, at this session's size."""
        argv = [*(command if command is not None else rotui_command()), *args]
        child = {k: v for k, v in env.items() if k not in ("TMUX", "TMUX_PANE")}
        child.setdefault("TERM", "xterm-256color")  # the client's; the pane gets tmux-256color
        width, height = self.size
        self._tmux(
            "new-session",
            "-d",
            "-s",
            self.name,
            "-x",
            str(width),
            "-y",
            str(height),
            "-c",
            str(cwd or self.workdir),
            # The shell waits for the command and writes its status (128+N after signal N): tmux
            # 3.3 now and then leaves an ended pane process a zombie, its status unread. The
            # trap is a handler, not an ignore, so the command still gets SIGINT by default.
            # A fresh server takes the environment of the client that starts it: exactly `child`.
            f"trap : INT; {shlex.join(argv)}; echo $? > {shlex.quote(str(self.status_file))}",
            env=child,
        )
        self.started = True
        return self

    def send(self, *keys: str) -> None:
        """Press keys by tmux name: "q", "Escape", "Enter", "Tab", "C-c", "Up"."""
        self._tmux("send-keys", "-t", self.target, *keys)

    def type(self, text: str) -> None:
        """Type text literally, one key per character."""
        self._tmux("send-keys", "-t", self.target, "-l", text)

    def paste(self, text: str) -> None:
        """Paste as a terminal does (bracketed paste); the text goes by stdin, never argv."""
        self._tmux("load-buffer", "-b", "rotui-test", "-", stdin=text)
        self._tmux("paste-buffer", "-p", "-d", "-b", "rotui-test", "-t", self.target)

    def screen(self) -> str:
        """The visible screen as text, one line per row, trailing blanks kept out."""
        return self._tmux("capture-pane", "-p", "-t", self.target)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        """Wait until ``text`` is on the screen; the screen then, or fail showing the last one."""
        return self.wait_until(lambda screen: text in screen, f"{text!r} on the screen", timeout)

    def wait_gone(self, text: str, timeout: float = 20.0) -> str:
        """Wait until ``text`` is no longer on the screen."""
        return self.wait_until(lambda screen: text not in screen, f"{text!r} gone", timeout)

    def wait_until(self, ok: Callable[[str], bool], what: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while True:
            screen = self.screen()
            if ok(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}; screen:\n{screen}"
                )
            time.sleep(POLL)

    def exit_code(self) -> int | None:
        """The command's exit status once it has ended (128 + N after signal N), else None."""
        try:
            text = self.status_file.read_text()
        except FileNotFoundError:
            return None
        return int(text) if text.endswith("\n") else None  # written, not half-written

    def wait_exit(self, timeout: float = 20.0) -> int:
        """Wait for the command to end and return its exit code."""
        deadline = time.monotonic() + timeout
        while (code := self.exit_code()) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"still running after {timeout}s; screen:\n{self.screen()}")
            time.sleep(POLL)
        return code

    def close(self) -> None:
        """Kill this private server, its session and the program in it."""
        if self.started:
            subprocess.run(
                [self.tmux, "-S", str(self.socket), "kill-server"],
                capture_output=True,
                timeout=30,
            )
            self.started = False
        self.socket.unlink(missing_ok=True)


class TmuxFactory:
    """Opens sessions for one test and closes them all at its end."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.sessions: list[Tmux] = []

    def __call__(
        self,
        args: Sequence[str],
        env: dict[str, str],
        size: tuple[int, int] = (80, 24),
        command: Sequence[str] | None = None,
        cwd: Path | None = None,
    ) -> Tmux:
        number = len(self.sessions)
        session = Tmux(self.tmp_path / f"tmux-{number}", size=size, name=f"rotui{number}")
        self.sessions.append(session)
        return session.start(args, env, command=command, cwd=cwd)

    def close(self) -> None:
        for session in self.sessions:
            session.close()
