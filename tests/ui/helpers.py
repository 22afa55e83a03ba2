"""Shared set-up for dashboard tests: the demo inventory on a frozen clock."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rotui.core.model import Config
from rotui.demo import frozen_demo
from rotui.services import Services
from rotui.sim.anthropic import SimulatedAnthropic

FROZEN = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
POLL_SECONDS = 0.05  # how often wait_until looks again: the only sleep a test may take


@dataclasses.dataclass
class Demo:
    services: Services
    sim: SimulatedAnthropic
    config: Config


@contextmanager
def demo_services(root: Path, *, validated: bool = True) -> Iterator[Demo]:
    with frozen_demo(root, FROZEN, validated=validated) as (services, sim):
        yield Demo(services, sim, services.config)


async def wait_until(
    pilot: Any, condition: Callable[[], bool], what: str, limit: float = 10.0
) -> None:
    """Let the app run until ``condition()`` holds; fail naming ``what`` after ``limit`` seconds.

    A bound on waiting, not a timing assertion: on a slow machine it simply waits longer.
    """
    for _ in range(int(limit / POLL_SECONDS)):
        if condition():
            return
        await pilot.pause(POLL_SECONDS)
    raise AssertionError(f"never happened: {what}")
