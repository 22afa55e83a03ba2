"""Figure 2: validate-all must approach the concurrency limit and beat the SOP's loop of curl calls."""

from __future__ import annotations

import asyncio
import math
import shutil
import subprocess
import time
from pathlib import Path

from benchmarks.harness import (
    Row,
    Sample,
    Scale,
    compare,
    fresh_dir,
    isolated_env,
    limit_row,
    verdict,
)
from benchmarks.inventory import config_text, key_values
from benchmarks.simserver import sim_process
from rotui.config import parse_config
from rotui.core.model import Config
from rotui.core.secret import MemoryKeyring, SecretStore
from rotui.paths import Paths
from rotui.services import Services

LIMIT_GOAL = 1.3
CURL_GOAL = 10.0
CURL_WARMUP_KEYS = 10
METHOD = (
    "`Services.validate()` in-process on 200 keys from `env:` sources against the simulated API "
    "(its own process, on 127.0.0.1) with 100 ms injected latency and max_concurrency 20, including saving state, "
    "history and the audit log to a fresh dir each run; against the limit ceil(200/20) × 100 ms, "
    "and against the SOP's sequential loop of `curl` calls to the same server for the same keys "
    "(the curl warm-up is 10 calls)."
)


def services_for(config: Config, environ: dict[str, str], root: Path) -> Services:
    """A rotui whose keys come from ``env:`` sources in ``environ`` and whose files live in ``root``."""
    return Services(
        config=config,
        paths=Paths.under(root),
        store=SecretStore(MemoryKeyring(), environ=environ),
        environ=environ,
        trust_env=False,
    )


async def timed_validate(services: Services, expected: int) -> float:
    start = time.perf_counter()
    run = await services.validate()
    elapsed = time.perf_counter() - start
    if len(run.results) != expected or not run.all_valid:
        bad = [f"{r.key}: {r.status}" for r in run.results if not r.status.ok][:3]
        raise RuntimeError(f"validate-all: {len(run.results)} results, not all valid: {bad}")
    return elapsed


def curl_loop(curl: str, base_url: str, values: list[str], env: dict[str, str]) -> float:
    """The SOP's manual way: one curl per key, one after the other."""
    start = time.perf_counter()
    for value in values:
        # The key sits in curl's argv, where other local users can read it (ps, /proc). That is
        # acceptable here only because these are fake keys from rotui.demo.fake_key.
        done = subprocess.run(
            [
                curl,
                "-sS",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-H",
                f"x-api-key: {value}",
                "-H",
                "anthropic-version: 2023-06-01",
                f"{base_url}/v1/models",
            ],
            env=env,
            capture_output=True,
            check=False,
        )
        if done.stdout != b"200":
            raise RuntimeError(f"curl answered {done.stdout!r}: {done.stderr.decode()[-200:]}")
    return time.perf_counter() - start


def run(scale: Scale, work: Path) -> list[Row]:
    count, latency, concurrency = scale.validate_keys, scale.latency, scale.concurrency
    values = key_values(count)
    limit = math.ceil(count / concurrency) * latency
    env = isolated_env(work)
    curl = shutil.which("curl")
    with sim_process(count, latency, env) as base_url:
        text = config_text(count, base_url=base_url, max_concurrency=concurrency)
        config = parse_config(text, str(work / "rotui.toml"))

        def ours() -> Sample:
            services = services_for(config, dict(values), fresh_dir(work, "run-"))
            return {"wall": asyncio.run(timed_validate(services, count))}

        def manual() -> Sample:
            assert curl is not None
            return {"wall": curl_loop(curl, base_url, list(values.values()), env)}

        def manual_warmup() -> None:
            assert curl is not None
            curl_loop(curl, base_url, list(values.values())[:CURL_WARMUP_KEYS], env)

        if curl is None:
            measured, _ = compare(scale, ours, lambda: {})
            theirs = None
        else:
            measured, theirs = compare(scale, ours, manual, reference_warmup=manual_warmup)
    wall = measured["wall"]
    what = f"validate-all, {count} keys, {latency * 1000:g} ms, concurrency {concurrency}"
    rows = [
        limit_row(
            "2a " + what,
            wall,
            limit,
            f"limit ceil({count}/{concurrency}) × {latency * 1000:g} ms (computed)",
            LIMIT_GOAL,
        )
    ]
    if theirs is None:
        rows.append(
            Row(
                figure="2b " + what,
                unit="s",
                measured=wall,
                reference_name="sequential loop of curl calls (the SOP)",
                reference=None,
                comparison="—",
                goal=f"≥ {CURL_GOAL:g}× faster",
                verdict="SKIP",
                notes=("curl is not installed: the manual-way reference was skipped",),
            )
        )
    else:
        speedup = theirs["wall"].median / wall.median
        rows.append(
            Row(
                figure="2b " + what,
                unit="s",
                measured=wall,
                reference_name=f"sequential loop of {count} curl calls (the SOP)",
                reference=theirs["wall"],
                comparison=f"{speedup:.1f}× faster",
                goal=f"≥ {CURL_GOAL:g}× faster",
                verdict=verdict(speedup >= CURL_GOAL),
            )
        )
    return rows
