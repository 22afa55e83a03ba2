from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.world import World, build_world


@pytest.fixture
def world(tmp_path: Path, child_env: dict[str, str]) -> Iterator[World]:
    with build_world(tmp_path, child_env) as built:
        yield built
