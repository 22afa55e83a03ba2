"""Figure 1: `rotui status --json` on 200 keys must start nearly as fast as a bare interpreter."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.harness import Row, Sample, Scale, compare, isolated_env, python, run_child, verdict
from benchmarks.inventory import config_text, write_config

GOAL = 4.0
METHOD = (
    "`python -m rotui --config X status --json` on a generated 200-key config with an empty state "
    "dir, as a child process with temporary HOME/XDG dirs; wall time from spawn to reaped, against "
    "`python -c pass` on the same interpreter. The parsed-config cache in the XDG cache dir is "
    "filled by the warm-up, as by any earlier run on the same config."
)


def run(scale: Scale, work: Path) -> list[Row]:
    config = write_config(work / "rotui.toml", config_text(scale.status_keys, consumers=2))
    env = isolated_env(work)  # its state dir is empty: status reads config and state, no network
    argv = [python(), "-m", "rotui", "--config", str(config), "status", "--json"]

    def status() -> Sample:
        done = run_child(argv, env).check("rotui status --json")
        shown = len(json.loads(done.stdout)["keys"])
        if shown != scale.status_keys:
            raise RuntimeError(f"status listed {shown} keys, expected {scale.status_keys}")
        return {"wall": done.wall}

    def bare() -> Sample:
        return {"wall": run_child([python(), "-c", "pass"], env).check("python -c pass").wall}

    ours, theirs = compare(scale, status, bare)
    ratio = ours["wall"].median / theirs["wall"].median
    return [
        Row(
            figure=f"1 status --json, {scale.status_keys} keys",
            unit="s",
            measured=ours["wall"],
            reference_name="python -c pass (same interpreter)",
            reference=theirs["wall"],
            comparison=f"{ratio:.2f}×",
            goal=f"≤ {GOAL:g}×",
            verdict=verdict(ratio <= GOAL),
        )
    ]
