"""The demo at a fixed moment, for tests and screenshots: the same bytes every run."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from rotui.demo import demo_console, demo_environ, demo_environment
from rotui.demo.hints import demo_hints

if TYPE_CHECKING:
    from rotui.services import Services
    from rotui.sim.anthropic import SimulatedAnthropic


# How the frozen demo's hints name rotui: as `make demo` starts it, from the checkout.
FROZEN_COMMAND = ".venv/bin/rotui"


class SteadyTimer:
    """Each reading advances 12.5 ms, so latencies shown in screenshots are the same every run."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.0125
        return self.now


@contextlib.contextmanager
def frozen_demo(
    root: Path, when: dt.datetime, *, validated: bool = True
) -> Iterator[tuple[Services, SimulatedAnthropic]]:
    """The demo at a fixed moment, validated once, reproducible to the byte (tests, screenshots)."""
    import asyncio

    from rotui.services import Services

    with demo_environment(root=root, today=when.date()) as (config, paths, store, sim):
        # One request at a time, so the steady timer's readings never interleave.
        settings = dataclasses.replace(config.settings, max_concurrency=1)
        services = Services(
            config=dataclasses.replace(config, settings=settings),
            paths=paths,
            store=store,
            environ=demo_environ(paths),
            clock=lambda: when,
            trust_env=False,
            timer=SteadyTimer(),
            actor="operator@demo-host",
            console=demo_console(sim, when.date()),
            hints=demo_hints(FROZEN_COMMAND),
        )
        if validated:
            asyncio.run(services.validate())
            asyncio.run(services.refresh_usage())
        yield services, sim
