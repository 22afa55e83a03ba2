"""Isolation for every test: no real config, state, keyring or network beyond loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# CI runs on 2 shared cores: a slow draw is the host, not the test. Every property test runs
# without a per-example deadline and without the too-slow health check, unless it says otherwise.
settings.register_profile("rotui", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("rotui")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME and XDG dirs at tmp_path and make any accidental real-keyring use fail loudly."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    for var in ("ROTUI_CONFIG", "ANTHROPIC_API_KEY", "ANTHROPIC_ADMIN_KEY", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return home


@pytest.fixture
def child_env(isolated_home: Path, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment for a rotui child process: isolated dirs and a file keyring."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    env["PYTHON_KEYRING_BACKEND"] = "tests.support.file_keyring.FileKeyring"
    env["ROTUI_TEST_KEYRING"] = str(tmp_path / "keyring.json")
    yield env
