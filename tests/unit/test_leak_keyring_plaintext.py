"""keyrings.alt's plaintext file backend is refused even when named explicitly.

rotui's own detection only accepts recommended backends, so ``PlaintextKeyring`` (priority 0.5)
is never picked by itself; but keyring applies that limit to detection only, and a backend named
by ``PYTHON_KEYRING_BACKEND`` or ``keyringrc.cfg`` was used as is: ``rotui key set`` wrote the
key, base64-encoded, into ``keyring_pass.cfg``. It is refused now, with the ways out.

The stand-in below behaves as upstream's (jaraco/keyrings.alt ``keyrings/alt/file.py``:
``PlaintextKeyring``, priority 0.5, ``encrypt`` is base64, the file ``keyring_pass.cfg`` under
``$XDG_DATA_HOME/python_keyring``), without adding keyrings.alt to the test dependencies.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest

from rotui.demo import fake_key

ROOT = Path(__file__).resolve().parents[2]
KEY = fake_key("leak-keyring-plaintext")

PLAINTEXT_KEYRING = """
import base64, configparser, os
from keyring.backend import KeyringBackend

class PlaintextKeyring(KeyringBackend):
    priority = 0.5

    @property
    def file_path(self):
        return os.path.join(os.environ["XDG_DATA_HOME"], "python_keyring", "keyring_pass.cfg")

    def _load(self):
        config = configparser.RawConfigParser()
        config.read(self.file_path)
        return config

    def get_password(self, service, username):
        config = self._load()
        if config.has_option(service, username):
            return base64.decodebytes(config.get(service, username).encode()).decode()
        return None

    def set_password(self, service, username, password):
        config = self._load()
        if not config.has_section(service):
            config.add_section(service)
        config.set(service, username, base64.encodebytes(password.encode()).decode())
        os.makedirs(os.path.dirname(self.file_path), exist_ok=True)
        with open(self.file_path, "w") as out:
            config.write(out)

    def delete_password(self, service, username):
        pass
"""


@pytest.mark.parametrize("named_by", ["PYTHON_KEYRING_BACKEND", "keyringrc.cfg"])
def test_the_plaintext_file_backend_is_refused(
    named_by: str, tmp_path: Path, child_env: dict[str, str], isolated_home: Path
) -> None:
    package = tmp_path / "hook" / "keyrings" / "alt"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "file.py").write_text(PLAINTEXT_KEYRING)
    config = tmp_path / "rotui.toml"
    config.write_text('[[keys]]\nname = "GOOD"\nsource = "keyring"\ncreated = 2026-01-01\n')
    config.chmod(0o600)
    env = {
        **child_env,
        "PYTHONPATH": f"{tmp_path / 'hook'}:{ROOT}",
        "ROTUI_CONFIG": str(config),
    }
    backend = "keyrings.alt.file.PlaintextKeyring"
    if named_by == "PYTHON_KEYRING_BACKEND":
        env["PYTHON_KEYRING_BACKEND"] = backend
    else:
        del env["PYTHON_KEYRING_BACKEND"]
        rc = Path(env["XDG_CONFIG_HOME"]) / "python_keyring" / "keyringrc.cfg"
        rc.parent.mkdir(parents=True)
        rc.write_text(f"[backend]\ndefault-keyring={backend}\n")
    done = subprocess.run(
        [sys.executable, "-m", "rotui", "key", "set", "GOOD"],
        input=KEY + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "rotui: plaintext keyring refused" in done.stderr
    assert "keyrings.alt.file.PlaintextKeyring" in done.stderr and "env:VAR" in done.stderr
    encoded = base64.encodebytes(KEY.encode())[:40]
    for path in isolated_home.rglob("*"):
        if path.is_file():
            assert encoded not in path.read_bytes() and KEY[20:60].encode() not in path.read_bytes()
    assert not list(isolated_home.rglob("keyring_pass.cfg"))
