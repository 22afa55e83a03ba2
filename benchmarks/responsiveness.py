"""Figure 4: the dashboard's event loop must keep ticking while validate-all waits on a slow keyring."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from benchmarks.harness import Row, Sample, Scale, compare, fresh_dir, isolated_env, verdict
from benchmarks.inventory import config_text, key_values
from benchmarks.simserver import sim_process
from rotui.config import parse_config
from rotui.core.model import KEYRING_SERVICE, Config
from rotui.core.secret import MemoryKeyring, SecretStore
from rotui.paths import Paths
from rotui.services import Services
from rotui.ui.app import make_app

GOAL_MS = 100.0
TICK = 0.01
IDLE_SECONDS = 1.0
METHOD = (
    "The dashboard in-process (`app.run_test()`, 120×36) on 200 keys whose keyring takes 300 ms "
    "per read, simulated API (its own process) at 100 ms and max_concurrency 20; a coroutine asks to wake every "
    '10 ms and the longest lateness of `loop.time()` is the stall, from `pilot.press("V")` to '
    "`app.workers.wait_for_complete()`. The reference is the same meter on the same dashboard "
    "idle for 1 s just before."
)


class SlowKeyring(MemoryKeyring):
    """A keyring that takes ``delay`` seconds per read, like a Secret Service over a slow D-Bus."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def get_password(self, service: str, username: str) -> str | None:
        time.sleep(self.delay)
        return super().get_password(service, username)


class StallMeter:
    """A coroutine that asks to wake every 10 ms and records how late the loop let it wake."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(TICK)
            now = loop.time()
            self.worst = max(self.worst, now - last - TICK)
            last = now

    def __enter__(self) -> StallMeter:
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def worst_stalls(config: Config, values: dict[str, str], delay: float, root: Path) -> Sample:
    """Longest stall on the idle dashboard, then during validate-all, in one app run."""
    keyring = SlowKeyring(delay)
    for name, value in values.items():
        MemoryKeyring.set_password(keyring, KEYRING_SERVICE, name, value)
    services = Services(
        config=config,
        paths=Paths.under(root),
        store=SecretStore(keyring, environ={}),
        environ={},
        trust_env=False,
    )
    app = make_app(services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        with StallMeter() as idle:
            await asyncio.sleep(IDLE_SECONDS)
        with StallMeter() as busy:
            await pilot.press("V")
            await app.workers.wait_for_complete()
            await pilot.pause()
    results = services.snapshot().results
    if len(results) != len(values) or not all(r.status.ok for r in results.values()):
        raise RuntimeError(f"validate-all stored {len(results)} results, not all valid")
    return {"idle": idle.worst * 1000, "busy": busy.worst * 1000}


def run(scale: Scale, work: Path) -> list[Row]:
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    count = scale.stall_keys
    values = key_values(count)
    with sim_process(count, scale.latency, isolated_env(work)) as base_url:
        text = config_text(
            count, base_url=base_url, source="keyring", max_concurrency=scale.concurrency
        )
        config = parse_config(text, str(work / "rotui.toml"))

        def once() -> Sample:
            root = fresh_dir(work, "run-")
            return asyncio.run(worst_stalls(config, values, scale.keyring_delay, root))

        measured, _ = compare(scale, once, lambda: {})
    busy, idle = measured["busy"], measured["idle"]
    return [
        Row(
            figure=(
                f"4 longest event-loop stall during validate-all, {count} keys, "
                f"keyring {scale.keyring_delay * 1000:g} ms per read"
            ),
            unit="ms",
            measured=busy,
            reference_name=f"the same dashboard idle for {IDLE_SECONDS:g} s",
            reference=idle,
            comparison=f"{busy.median / max(idle.median, 0.001):.1f}×",
            goal=f"≤ {GOAL_MS:g} ms",
            verdict=verdict(busy.median <= GOAL_MS),
        )
    ]
