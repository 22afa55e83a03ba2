"""With TEXTUAL_LOG set, Textual logs every message it dispatches: the pasted key must not be in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_key_pasted_into_the_wizard_never_reaches_textuals_log(tmp_path: Path) -> None:
    log = tmp_path / "textual.log"
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.textual_log_child", str(tmp_path / "demo")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TEXTUAL_LOG": str(log), "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    pasted = done.stdout.strip().splitlines()[-1]
    assert pasted.startswith("sk-ant-api03-")
    text = log.read_text(errors="replace")
    assert "Paste(" in text and "SecretInput" in text  # the log was on and saw the paste
    assert pasted not in text
    body = pasted.removeprefix("sk-ant-api03-")
    assert body[8:40] not in text  # no long piece of it either
