"""Figure 6: `rotui validate` must not grow much in memory from 200 to 2,000 keys."""

from __future__ import annotations

from pathlib import Path

from benchmarks.harness import (
    Row,
    Sample,
    Scale,
    compare,
    growth_row,
    validate_child,
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
            return validate_child(configs[count], work, values, count)

        ours, theirs = compare(scale, lambda: validate(large), lambda: validate(small))
    return [
        growth_row(
            f"6 rotui validate --json, {large} keys: peak RSS",
            ours["rss"],
            theirs["rss"],
            f"the same with {small} keys",
            GOAL_MB,
            notes=(
                f"wall time, median: {ours['wall'].median:.2f} s for {large} keys, "
                f"{theirs['wall'].median:.2f} s for {small}",
            ),
        )
    ]
