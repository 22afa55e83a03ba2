"""Figure 6: `rotui validate` must not grow much in memory from 200 to 2,000 keys."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.harness import (
    Row,
    Sample,
    Scale,
    compare,
    fresh_dir,
    isolated_env,
    python,
    run_child,
    verdict,
)
from benchmarks.inventory import config_text, key_values, started_sim, write_config

GOAL_MB = 20.0
METHOD = (
    "`python -m rotui --config X validate --json` as a child on 2,000 keys and on 200 keys "
    "(keys from env vars, fresh state dir each run), against a simulated API with no latency "
    "served by the benchmark process; peak RSS of the child from wait4's `ru_maxrss`."
)


def run(scale: Scale, work: Path) -> list[Row]:
    small, large = scale.memory_small, scale.memory_large
    values = key_values(large)  # the small inventory is the first keys of the large one
    with started_sim(values) as sim:
        configs = {
            n: write_config(work / f"rotui-{n}.toml", config_text(n, base_url=sim.base_url))
            for n in (small, large)
        }

        def validate(count: int) -> Sample:
            env = isolated_env(fresh_dir(work, f"run-{count}-"))  # empty state and audit log
            env.update(list(values.items())[:count])  # env: sources; fake keys only
            argv = [python(), "-m", "rotui", "--config", str(configs[count]), "validate", "--json"]
            done = run_child(argv, env).check(f"rotui validate ({count} keys)")
            document = json.loads(done.stdout)
            if len(document["results"]) != count or not document["all_valid"]:
                raise RuntimeError(f"rotui validate ({count} keys) did not validate every key")
            return {"rss": done.peak_rss_kib * 1024 / 1e6, "wall": done.wall}

        ours, theirs = compare(scale, lambda: validate(large), lambda: validate(small))
    growth = ours["rss"].median - theirs["rss"].median
    return [
        Row(
            figure=f"6 rotui validate --json, {large} keys: peak RSS",
            unit="MB",
            measured=ours["rss"],
            reference_name=f"the same with {small} keys",
            reference=theirs["rss"],
            comparison=f"{growth:+.1f} MB",
            goal=f"grows < {GOAL_MB:g} MB",
            verdict=verdict(growth < GOAL_MB),
            notes=(
                f"wall time, median: {ours['wall'].median:.2f} s for {large} keys, "
                f"{theirs['wall'].median:.2f} s for {small}",
            ),
        )
    ]
