"""`rotui doctor` never calls a missing keyring OK: a warning when no key needs it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from rotui.sim.anthropic import SimulatedAnthropic
from tests.support.tmux import rotui_command


def test_doctor_without_a_keyring_never_says_ok(tmp_path: Path, child_env: dict[str, str]) -> None:
    with SimulatedAnthropic() as sim:
        config = tmp_path / "rotui.toml"
        config.write_text(
            f'[[keys]]\nname = "K"\nsource = "env:K_VALUE"\nbase_url = "{sim.base_url}"\n'
        )
        config.chmod(0o600)
        env = {**child_env, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
        done = subprocess.run(
            [*rotui_command(), "doctor", "--config", str(config)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    lines = done.stdout.splitlines()
    keyring = [line for line in lines if "Keyring backend" in line]
    assert keyring, done.stdout
    assert not any("OK" in line for line in keyring), keyring
    assert any("WARNING" in line for line in keyring), keyring
    assert "no usable keyring backend" in done.stdout
    assert done.returncode == 0, done.stdout + done.stderr  # a warning is not a problem
