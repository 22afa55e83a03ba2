"""The real binary in tmux: one ``terminal`` factory per test, its sessions closed at the end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import world  # noqa: F401  (the loopback world, for every test here)
from tests.support.tmux import TmuxFactory, require_tmux


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[TmuxFactory]:
    """``terminal(args, env, size=(80, 24))`` starts rotui in a private tmux; skips without tmux."""
    require_tmux()
    factory = TmuxFactory(tmp_path)
    yield factory
    factory.close()
