"""Unit tests start with an empty masking registry (rotui.core.safetext.remember).

The values one test read from a source stayed remembered for the rest of the run, so whether
another test's text was masked depended on the order the tests ran in.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rotui.core import safetext


@pytest.fixture(autouse=True)
def _forget_remembered_secrets() -> Iterator[None]:
    saved = safetext._known
    safetext._known = ()
    yield
    safetext._known = saved
