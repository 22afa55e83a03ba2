"""Dashboard fixtures: the demo on a frozen clock; animations off."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from tests.ui.helpers import Demo, demo_services


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    with demo_services(tmp_path / "demo") as prepared:
        yield prepared


@pytest.fixture
def fresh_demo(tmp_path: Path) -> Iterator[Demo]:
    """The demo before any validation."""
    with demo_services(tmp_path / "demo", validated=False) as prepared:
        yield prepared
