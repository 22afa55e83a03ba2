"""A rotui process holding a key writes no core dump, and is closed to the user's other processes.

A core file is the process's memory on disk, keys in plaintext, by default in the working
directory. ``rotui key set`` waiting on a slow keyring, hit by SIGQUIT (Ctrl-\\) or a crash in a
C extension, wrote one wherever ``ulimit -c`` allowed it. The first key a process holds now sets
its core limit to zero and makes it not dumpable (``PR_SET_DUMPABLE``).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rotui.demo import fake_key

ROOT = Path(__file__).resolve().parents[2]
KEY = fake_key("leak-core-dump")

# A keyring that reports what the process looks like while it holds the key, then hangs (a locked
# Secret Service): the test signals it there, with the key in its memory.
SLOW_KEYRING = """
import ctypes, json, os, resource, time
from keyring.backend import KeyringBackend

class SlowKeyring(KeyringBackend):
    priority = 0.1

    def get_password(self, service, username):
        return None

    def set_password(self, service, username, password):
        state = {
            "dumpable": ctypes.CDLL(None).prctl(3, 0, 0, 0, 0),  # PR_GET_DUMPABLE
            "core": resource.getrlimit(resource.RLIMIT_CORE),
        }
        with open(os.environ["HOLDING"] + ".tmp", "w") as out:
            json.dump(state, out)
        os.replace(os.environ["HOLDING"] + ".tmp", os.environ["HOLDING"])
        time.sleep(60)

    def delete_password(self, service, username):
        pass
"""


def allow_cores() -> None:
    """As a developer's shell with ``ulimit -c unlimited`` (as far as this host allows)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl and /proc are Linux's")
def test_a_process_holding_a_key_dumps_no_core(tmp_path: Path, child_env: dict[str, str]) -> None:
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "slow_keyring.py").write_text(SLOW_KEYRING)
    config = tmp_path / "rotui.toml"
    config.write_text('[[keys]]\nname = "GOOD"\nsource = "keyring"\ncreated = 2026-01-01\n')
    config.chmod(0o600)
    work = tmp_path / "work"  # the working directory: where the kernel writes a core file
    work.mkdir()
    holding = tmp_path / "holding.json"
    env = {
        **child_env,
        "PYTHONPATH": os.pathsep.join([str(tmp_path / "hook"), str(ROOT)]),
        "PYTHON_KEYRING_BACKEND": "slow_keyring.SlowKeyring",
        "ROTUI_CONFIG": str(config),
        "HOLDING": str(holding),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "rotui", "key", "set", "GOOD"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=work,
        env=env,
        preexec_fn=allow_cores,
    )
    try:
        assert child.stdin is not None
        child.stdin.write(KEY.encode() + b"\n")
        child.stdin.close()
        deadline = time.monotonic() + 30
        while not holding.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)  # polls for the keyring call; not a timing assertion
        assert holding.exists(), child.communicate(timeout=10)
        state = json.loads(holding.read_text())
        child.send_signal(signal.SIGQUIT)  # Ctrl-\ in the terminal: "quit and dump core"
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert state == {"dumpable": 0, "core": [0, 0]}  # while it held the key
    assert child.returncode == -signal.SIGQUIT
    written = [p for p in work.rglob("*") if p.is_file()]
    assert not [p for p in written if p.name.startswith("core")], written
    for path in written:
        assert KEY[20:60].encode() not in path.read_bytes(), path
