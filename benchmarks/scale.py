"""Figure 7: an organisation's inventory: 10,000 keys in fragments, imported, validated (issue 17)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from benchmarks.harness import (
    Row,
    Sample,
    Scale,
    Stats,
    compare,
    growth_row,
    isolated_env,
    limit_row,
    python,
    run_child,
    validate_child,
    verdict,
)
from benchmarks.inventory import ADMIN_KEY, fragment_configs, key_values, write_config
from benchmarks.simserver import sim_process

STATUS_GOAL = 0.5  # seconds, warm cache
FLAT_GOAL_MB = 50.0
IMPORT_GOAL = 1.2
VALIDATE_GOAL = 1.2
PAGE = 100  # rotui's Admin API page size
WORKSPACE_CALLS = 2  # the workspace directory: the list with and without the default workspace
METHOD = (
    "Generated inventory in 10 fragments (`include`), 4 manual consumers per key. 7a/7b: "
    "`rotui status --json` as a child with a warm parsed-config cache (filled by the warm-up), "
    "wall time against the absolute goal, and peak RSS at 10,000 keys against 1,000. 7c: "
    "`rotui import` (a child) against the simulated Admin API in its own process (10,000 keys "
    "over 4 workspaces, one in ten inactive, 100 ms latency per request), against the paging "
    "limit (ceil(N/100) key pages + 2 workspace lists) × RTT. 7d/7e: `rotui validate --json` "
    "(a child, keys from env: sources, in 10 fragments) of 10,000 keys at 100 ms latency and max_concurrency 50, "
    "against ceil(N/C) × RTT, and its peak RSS against the same with 1,000 keys."
)


def run(scale: Scale, work: Path) -> list[Row]:
    return [
        *_status(scale, work / "status"),
        _import(scale, work / "import"),
        *_validate(scale, work / "validate"),
    ]


def _status(scale: Scale, work: Path) -> list[Row]:
    large, small, parts = scale.inventory_keys, scale.inventory_small, scale.inventory_fragments
    configs = {
        n: fragment_configs(work / f"keys-{n}", n, parts, consumers=4) for n in (small, large)
    }
    env = isolated_env(work)  # one cache dir for every run: warm after the warm-up

    def status(count: int) -> Sample:
        argv = [python(), "-m", "rotui", "--config", str(configs[count]), "status", "--json"]
        done = run_child(argv, env).check(f"rotui status --json ({count} keys)")
        shown = len(json.loads(done.stdout)["keys"])
        if shown != count:
            raise RuntimeError(f"status listed {shown} keys, expected {count}")
        return {"wall": done.wall, "rss": done.peak_rss_kib * 1024 / 1e6}

    ours, theirs = compare(scale, lambda: status(large), lambda: status(small))
    wall = ours["wall"]
    what = f"8 status --json, {large} keys × 4 consumers in {parts} fragments"
    return [
        Row(
            figure=f"{what}, warm cache",
            unit="s",
            measured=wall,
            reference_name="the goal (absolute)",
            reference=Stats.constant(STATUS_GOAL),
            comparison=f"{wall.median / STATUS_GOAL:.2f}× the goal",
            goal=f"≤ {STATUS_GOAL:g} s",
            verdict=verdict(wall.median <= STATUS_GOAL),
        ),
        growth_row(
            f"{what}: peak RSS",
            ours["rss"],
            theirs["rss"],
            f"the same with {small} keys",
            FLAT_GOAL_MB,
        ),
    ]


def _import(scale: Scale, work: Path) -> Row:
    count, latency = scale.inventory_keys, scale.latency
    limit = (math.ceil(count / PAGE) + WORKSPACE_CALLS) * latency
    env = isolated_env(work)
    with sim_process(count, latency, env, admin=True) as base_url:
        config = write_config(
            work / "rotui.toml",
            f'[settings]\nadmin_key = "env:BENCH_ADMIN"\nadmin_base_url = "{base_url}"\n',
        )
        config.chmod(0o600)
        child_env = {**env, "BENCH_ADMIN": ADMIN_KEY, "ANTHROPIC_BASE_URL": base_url}

        def imported() -> Sample:
            argv = [python(), "-m", "rotui", "--config", str(config), "import"]
            done = run_child(argv, child_env).check("rotui import")
            tables = done.stdout.count(b"\n[[keys]]\n")
            if tables != count:  # every key, active and inactive
                raise RuntimeError(f"rotui import wrote {tables} keys, expected {count}")
            return {"wall": done.wall}

        ours, _ = compare(scale, imported, lambda: {})
    pages = math.ceil(count / PAGE)
    return limit_row(
        f"8c rotui import, {count} Admin API keys, {latency * 1000:g} ms per page",
        ours["wall"],
        limit,
        f"paging limit ({pages} pages + {WORKSPACE_CALLS}) × {latency * 1000:g} ms (computed)",
        IMPORT_GOAL,
    )


def _validate(scale: Scale, work: Path) -> list[Row]:
    large, small = scale.inventory_keys, scale.inventory_small
    latency, concurrency = scale.latency, scale.inventory_concurrency
    values = key_values(large)
    limit = math.ceil(large / concurrency) * latency
    with sim_process(large, latency, isolated_env(work)) as base_url:
        configs = {  # 10,000 keys exceed one file's 1 MiB: fragments, as an organisation would
            n: fragment_configs(
                work / f"keys-{n}",
                n,
                scale.inventory_fragments,
                settings=f"max_concurrency = {concurrency}\n",
                base_url=base_url,
            )
            for n in (small, large)
        }

        def validate(count: int) -> Sample:
            return validate_child(configs[count], work, values, count, timeout=600)

        ours, theirs = compare(scale, lambda: validate(large), lambda: validate(small))
    what = f"rotui validate --json, {large} keys, {latency * 1000:g} ms, concurrency {concurrency}"
    return [
        limit_row(
            "8d " + what,
            ours["wall"],
            limit,
            f"limit ceil({large}/{concurrency}) × {latency * 1000:g} ms (computed)",
            VALIDATE_GOAL,
        ),
        growth_row(
            "8e " + what + ": peak RSS",
            ours["rss"],
            theirs["rss"],
            f"the same with {small} keys",
            FLAT_GOAL_MB,
        ),
    ]
