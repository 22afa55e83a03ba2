"""Screenshots and snapshots are made from the demo's fake keys and must never hold a key value."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from rotui.demo import demo_values

REPO = Path(__file__).resolve().parents[2]
PICTURES = sorted((REPO / "screenshots").glob("*.svg")) + sorted(
    (REPO / "tests" / "snapshots").rglob("*.svg")
)


def forms(value: str) -> list[str]:
    """The value, its base64, and the pieces an SVG might split it into."""
    encoded = base64.b64encode(value.encode()).decode()
    return [value, encoded, value[16:60], value.replace("-", "&#45;")]


def test_there_are_pictures_to_check() -> None:
    assert len(PICTURES) >= 6


@pytest.mark.parametrize("picture", PICTURES, ids=lambda p: p.name)
def test_picture_holds_no_key_value(picture: Path) -> None:
    text = picture.read_text()
    for secret in demo_values():
        for form in forms(secret.reveal()):
            assert form not in text, f"{picture.name} contains a key value"


def test_the_dashboard_picture_shows_the_masked_hint_instead() -> None:
    text = (REPO / "screenshots" / "dashboard-120x36.svg").read_text()
    hints = [s.hint for s in demo_values()]
    assert any(hint in text for hint in hints)
