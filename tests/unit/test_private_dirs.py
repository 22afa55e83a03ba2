"""Every directory rotui creates is owner-only, the missing parents too."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from rotui.paths import Paths, atomic_write, private_dir
from rotui.state import StateStore


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_missing_parents_are_created_0700(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        private_dir(tmp_path / "a" / "b" / "c")
    finally:
        os.umask(old)
    for level in ("a", "a/b", "a/b/c"):
        assert mode(tmp_path / level) == 0o700, level


def test_existing_parents_are_left_as_they_are(tmp_path: Path) -> None:
    (tmp_path / "user").mkdir()
    os.chmod(tmp_path / "user", 0o755)
    private_dir(tmp_path / "user" / "rotui")
    assert mode(tmp_path / "user") == 0o755 and mode(tmp_path / "user" / "rotui") == 0o700


def test_the_state_dir_and_its_parents_are_private(tmp_path: Path) -> None:
    """platformdirs' ~/.local/state/rotui: .local/state did not exist and came out 0755."""
    paths = Paths.under(tmp_path / "xdg" / "deep")
    old = os.umask(0o022)
    try:
        atomic_write(paths.state_dir / "x.json", b"{}")
        StateStore(paths.state_dir).record([])
    finally:
        os.umask(old)
    for folder in (tmp_path / "xdg", tmp_path / "xdg" / "deep", paths.state_dir):
        assert mode(folder) == 0o700, folder
