"""Figure 5: one rotation pushed to 50 Heroku consumers must approach the concurrency limit.

Each Heroku consumer is two requests (the PATCH, then the read-back GET), so with latency L and
concurrency C the limit is ceil(N / C) × 2 × L.
"""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path

import tomli_w

from benchmarks.harness import Row, Sample, Scale, Stats, compare, fresh_dir, verdict
from rotui.config import parse_config
from rotui.core.secret import MemoryKeyring, SecretStore
from rotui.demo import fake_key
from rotui.paths import Paths
from rotui.services import Services
from rotui.sim.anthropic import SimKey, SimulatedAnthropic
from rotui.sim.heroku import HerokuSim

GOAL = 1.3
KEY = "BENCH_ROTATED_KEY"
TOKEN = "bench-heroku-token"
METHOD = (
    "One rotation of a key with N Heroku consumers (order 0, simulated Heroku on 127.0.0.1 with "
    "the injected latency, in this process's threads), at the configured max_concurrency: the "
    "propagate step alone is timed, after pre-check, new key and validation; against "
    "ceil(N / concurrency) × 2 × latency, since each consumer is a PATCH and a read-back GET."
)


def _config(count: int, concurrency: int, anthropic_url: str, heroku_url: str) -> str:
    consumers = [
        {
            "name": f"app-{i}",
            "kind": "heroku",
            "app": f"app-{i}",
            "api_url": heroku_url,
            "verify_command": ["true"],
        }
        for i in range(count)
    ]
    document = {
        "settings": {"max_concurrency": concurrency},
        "keys": [
            {"name": KEY, "source": "keyring", "base_url": anthropic_url, "consumers": consumers}
        ],
    }
    return tomli_w.dumps(document)


async def _propagate_once(config_text: str, root: Path, old: str, new: str) -> float:
    keyring = MemoryKeyring()
    keyring.set_password("rotui", KEY, old)
    environ = {"HEROKU_API_KEY": TOKEN}
    services = Services(
        config=parse_config(config_text, str(root / "rotui.toml")),
        paths=Paths.under(root),
        store=SecretStore(keyring, environ=environ),
        environ=environ,
        trust_env=False,
    )
    async with services.rotation(KEY) as rotation:
        rotation.open()
        await rotation.precheck()
        await rotation.accept_new_key(new)
        await rotation.validate_new()
        start = time.perf_counter()
        failures = await rotation.propagate()
        elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"propagation failed: {sorted(failures)[:3]}")
    return elapsed


def run(scale: Scale, work: Path) -> list[Row]:
    count = 50 if not scale.quick else 6
    latency, concurrency = scale.latency, 8 if not scale.quick else 3
    old, new = fake_key("bench-old"), fake_key("bench-new")
    limit = math.ceil(count / concurrency) * 2 * latency
    apps = {f"app-{i}": {KEY: old} for i in range(count)}
    with (
        SimulatedAnthropic() as anthropic,
        HerokuSim(tokens=[TOKEN], apps=apps, latency=latency) as heroku,
    ):
        anthropic.add_key(SimKey(old))
        anthropic.add_key(SimKey(new))
        text = _config(count, concurrency, anthropic.base_url, heroku.base_url)

        def ours() -> Sample:
            return {"wall": asyncio.run(_propagate_once(text, fresh_dir(work, "prop-"), old, new))}

        measured, _ = compare(scale, ours, lambda: {})
    wall = measured["wall"]
    ratio = wall.median / limit
    return [
        Row(
            figure=f"5 propagation of one rotation to {count} consumers, simulated Heroku, {latency * 1000:g} ms",
            unit="s",
            measured=wall,
            reference_name=f"limit ceil({count}/{concurrency}) × 2 requests × {latency * 1000:g} ms (computed)",
            reference=Stats.constant(limit),
            comparison=f"{ratio:.2f}×",
            goal=f"≤ {GOAL:g}×",
            verdict=verdict(ratio <= GOAL),
        )
    ]
