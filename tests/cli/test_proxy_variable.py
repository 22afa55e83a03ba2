"""A malformed proxy variable ends in a clear message, not "internal error"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("value", ["http://[::1", "ftp://proxy.example:21"])
def test_a_malformed_proxy_variable_is_named(tmp_path: Path, value: str) -> None:
    config = tmp_path / "rotui.toml"
    config.write_text(
        '[[keys]]\nname = "K"\nsource = "env:K_VALUE"\nbase_url = "http://127.0.0.1:9"\n'
    )
    env = {
        **{k: v for k, v in os.environ.items() if "proxy" not in k.lower()},
        "HOME": str(tmp_path),
        "HTTPS_PROXY": value,
        "K_VALUE": "sk-ant-api03-" + "x" * 95,
    }
    done = subprocess.run(
        [sys.executable, "-m", "rotui", "--config", str(config), "validate"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 2, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert "proxy variable is malformed" in done.stderr and "HTTPS_PROXY" in done.stderr
