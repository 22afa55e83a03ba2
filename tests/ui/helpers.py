"""Shared set-up for dashboard tests: the demo inventory on a frozen clock."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rotui.core.model import Config
from rotui.demo import frozen_demo
from rotui.services import Services
from rotui.sim.anthropic import SimulatedAnthropic

FROZEN = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


@dataclasses.dataclass
class Demo:
    services: Services
    sim: SimulatedAnthropic
    config: Config


@contextmanager
def demo_services(root: Path, *, validated: bool = True) -> Iterator[Demo]:
    with frozen_demo(root, FROZEN, validated=validated) as (services, sim):
        yield Demo(services, sim, services.config)
