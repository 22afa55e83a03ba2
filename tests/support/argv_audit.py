"""Record the argv and environment of every child process a Python process starts (for the leak
scan).

``python tests/support/argv_audit.py ARGS...`` installs a ``sys.addaudithook`` hook and runs
``rotui ARGS...``. Every ``subprocess.Popen``, ``os.posix_spawn``, ``os.exec``, ``os.spawn`` and
``os.system`` event appends one JSON line ``{"pid", "event", "argv", "env"}`` to the file named
by ``$ROTUI_ARGV_AUDIT_LOG``; the process's own command line is logged as event ``"self"``.
``env`` is the environment the child gets: the one it was given, or its parent's when it inherits
(``env=None``, ``os.system``).

To follow Python grandchildren too (a command consumer written in Python, say), put the
directory :func:`write_sitecustomize` fills first on ``PYTHONPATH``: every Python process
started with that environment then installs the same hook at start-up. A child that resets
``PYTHONPATH`` (the fake ``gh`` does) is still recorded by its parent, one level up.

The records never hold stdin, where a key legitimately goes. They hold children's environments,
which the leak scan searches: a key may be there only where a consumer asks for it by name
(``env_var``), which the scan allows for that consumer alone.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ENV = "ROTUI_ARGV_AUDIT_LOG"
# Audit event -> index of the argv (or command string) in its arguments, and of the environment.
EVENTS = {
    "subprocess.Popen": (1, 3),  # (executable, args, cwd, env)
    "os.posix_spawn": (1, 2),  # (path, argv, env)
    "os.exec": (1, 2),  # (path, args, env)
    "os.spawn": (2, 3),  # (mode, path, args, env)
    "os.system": (0, None),  # (command,)
}
ARGV_AUDIT_INSTALLED = False


def _as_argv(value: Any) -> list[str]:
    if isinstance(value, str | bytes | os.PathLike):
        return [os.fsdecode(value)]
    try:
        return [
            os.fsdecode(part) if isinstance(part, bytes | os.PathLike) else str(part)
            for part in value
        ]
    except TypeError:
        return [repr(value)]


def _as_env(value: Any) -> dict[str, str]:
    if value is None:  # inherited: what the parent has now
        return dict(os.environ)
    try:
        return {os.fsdecode(k): os.fsdecode(v) for k, v in dict(value).items()}
    except (TypeError, ValueError):
        return {"?": repr(value)}


def _append(log: str, record: dict[str, Any]) -> None:
    # One O_APPEND write per record, so concurrent processes never interleave lines.
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(record) + "\n").encode())
    finally:
        os.close(fd)


def install(log: str | None = None) -> None:
    """Start recording to ``log`` (default ``$ROTUI_ARGV_AUDIT_LOG``); once per process."""
    global ARGV_AUDIT_INSTALLED
    if ARGV_AUDIT_INSTALLED or _installed_elsewhere():
        return
    path = log or os.environ.get(ENV)
    if not path:
        return
    ARGV_AUDIT_INSTALLED = True
    _append(path, {"pid": os.getpid(), "event": "self", "argv": list(sys.orig_argv), "env": None})
    busy = [False]

    def hook(event: str, args: tuple[Any, ...]) -> None:
        where = EVENTS.get(event)
        if where is None or busy[0]:
            return
        busy[0] = True
        argv_at, env_at = where
        try:
            env = _as_env(args[env_at] if env_at is not None else None)
            record = {"argv": _as_argv(args[argv_at]), "env": env}
            _append(path, {"pid": os.getpid(), "event": event, **record})
        finally:
            busy[0] = False

    sys.addaudithook(hook)


def _installed_elsewhere() -> bool:
    """True when the other copy of this module (sitecustomize or the package) already hooked."""
    return any(
        getattr(sys.modules.get(name), "ARGV_AUDIT_INSTALLED", False)
        for name in ("sitecustomize", "tests.support.argv_audit")
        if sys.modules.get(name) is not sys.modules.get(__name__)
    )


def write_sitecustomize(directory: Path) -> Path:
    """A ``sitecustomize.py`` (a copy of this module) that installs the hook when $ENV is set."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "sitecustomize.py"
    source = Path(__file__).read_text()
    target.write_text(source + "\n\nif os.environ.get(ENV):\n    install()\n")
    return target


def read_log(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def main(argv: list[str]) -> int:
    install()
    from rotui import cli

    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
