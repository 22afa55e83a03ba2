"""A stand-in for the GitHub CLI that records what it was asked, holding only hashes of values.

Run as ``python -m rotui.sim.fake_gh ARGS`` with ``FAKE_GH_DIR`` naming a state directory:
``calls.jsonl`` gets one line per call (argv and the SHA-256 of stdin, never stdin itself) and
``secrets.json`` maps ``owner/repo[:env]/NAME`` to the SHA-256 of the value set. A file named
``logged_out`` there makes it behave as a gh with no login; a file ``fail_set`` makes
``gh secret set`` fail with that file's text on stderr.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shlex
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import rotui

NOT_LOGGED_IN = "You are not logged into any GitHub hosts. To log in, run: gh auth login\n"


def install_fake_gh(bin_dir: Path, state_dir: Path) -> Path:
    """Write an executable ``gh`` into ``bin_dir`` that runs this module with ``state_dir``."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    state_dir.mkdir(parents=True, exist_ok=True)
    package_parent = Path(rotui.__file__).resolve().parent.parent
    script = bin_dir / "gh"
    script.write_text(
        "#!/bin/sh\n"
        f"FAKE_GH_DIR={shlex.quote(str(state_dir))}; export FAKE_GH_DIR\n"
        f"PYTHONPATH={shlex.quote(str(package_parent))}; export PYTHONPATH\n"
        f'exec {shlex.quote(sys.executable)} -m rotui.sim.fake_gh "$@"\n'
    )
    script.chmod(0o755)
    return script


def recorded_calls(state_dir: Path) -> list[dict[str, Any]]:
    """Every call so far: ``{"argv": [...], "stdin_sha256": hex or None}``."""
    log = state_dir / "calls.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def stored_fingerprints(state_dir: Path) -> dict[str, str]:
    """``{"owner/repo[:env]/NAME": sha256 of the value}`` for every secret set."""
    store = state_dir / "secrets.json"
    return json.loads(store.read_text()) if store.exists() else {}


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


@contextlib.contextmanager
def _locked(state_dir: Path) -> Iterator[None]:
    """Serialise concurrent fake gh processes, as consumers may run them in parallel."""
    with open(state_dir / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _record(state_dir: Path, argv: Sequence[str], stdin: bytes | None) -> None:
    line = json.dumps(
        {"argv": list(argv), "stdin_sha256": None if stdin is None else sha256(stdin)}
    )
    with _locked(state_dir), open(state_dir / "calls.jsonl", "a") as log:
        log.write(line + "\n")


def _option(args: list[str], *names: str) -> tuple[str | None, bool]:
    """Remove ``--name VALUE`` or ``--name=VALUE`` from args; (value, whether it was present)."""
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                value = args[index + 1]
                del args[index : index + 2]
                return value, True
            if arg.startswith(name + "=") and name.startswith("--"):
                del args[index]
                return arg[len(name) + 1 :], True
            if arg == name:
                del args[index]
                return None, True
    return None, False


def _secret_set(state_dir: Path, args: list[str]) -> tuple[int, bytes | None, str]:
    """``gh secret set NAME --repo OWNER/REPO [--env ENV]`` with the value on stdin."""
    if _option(list(args), "--body", "-b")[1]:
        return 1, None, "fake gh: --body puts the secret in argv; refused\n"
    repo, _ = _option(args, "--repo", "-R")
    env, _ = _option(args, "--env", "-e")
    if len(args) != 1 or not repo or "/" not in repo:
        return 1, None, "fake gh: usage: gh secret set NAME --repo OWNER/REPO [--env ENV]\n"
    data = sys.stdin.buffer.read()
    if (state_dir / "logged_out").exists():
        return 1, data, NOT_LOGGED_IN
    if (state_dir / "fail_set").exists():
        return 1, data, (state_dir / "fail_set").read_text()
    value = data.rstrip(b"\r\n")
    if not value:
        return 1, data, "fake gh: secret value cannot be empty\n"
    target = f"{repo}{':' + env if env else ''}/{args[0]}"
    with _locked(state_dir):
        store = stored_fingerprints(state_dir)
        store[target] = sha256(value)
        (state_dir / "secrets.json").write_text(json.dumps(store, indent=2, sort_keys=True))
    return 0, data, f"✓ Set Actions secret {args[0]} for {repo}\n"


def main(argv: Sequence[str]) -> int:
    state = os.environ.get("FAKE_GH_DIR")
    if not state:
        sys.stderr.write("fake gh: FAKE_GH_DIR is not set\n")
        return 2
    state_dir = Path(state)
    state_dir.mkdir(parents=True, exist_ok=True)
    args = list(argv)
    stdin: bytes | None = None
    if args == ["--version"]:
        code, out, err = 0, "gh version 2.63.0 (fake)\n", ""
    elif args == ["auth", "status"]:
        logged_out = (state_dir / "logged_out").exists()
        code, out = (1, "") if logged_out else (0, "")
        err = NOT_LOGGED_IN if logged_out else "github.com\n  ✓ Logged in to github.com (fake)\n"
    elif args[:2] == ["secret", "set"]:
        code, stdin, err = _secret_set(state_dir, args[2:])
        out = ""
    else:
        code, out, err = 1, "", f"fake gh: unsupported command: {shlex.join(args)}\n"
    _record(state_dir, argv, stdin)
    sys.stdout.write(out)
    sys.stderr.write(err)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
