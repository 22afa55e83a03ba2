"""Figure 3: the dashboard on 500 keys × 4 consumers must open about as fast and lean as a bare table."""

from __future__ import annotations

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
from benchmarks.inventory import config_text, write_config

TIME_GOAL = 1.5
RSS_GOAL = 1.3
METHOD = (
    "`python -m benchmarks.paint`: a child that builds Services for a generated 500-key × "
    "4-consumer config, calls `make_app` and runs it headless at 120×36 until the auto-pilot's "
    "first `pilot.pause()` (layout done, table composited), then exits; against the same driver "
    "running a bare Textual app with a 500-row DataTable. Wall time from spawn to reaped; peak "
    "RSS from wait4 of a bare spawner process, so the benchmark's own size never leaks in. The "
    "state dir is fresh each run; the parsed-config cache is warm, as after any earlier start."
)


def run(scale: Scale, work: Path) -> list[Row]:
    count = scale.dashboard_keys
    config = write_config(
        work / "rotui.toml", config_text(count, consumers=scale.consumers, source="keyring")
    )
    env = isolated_env(work)

    def painted(argv: list[str], what: str) -> Sample:
        done = run_child([python(), "-m", "benchmarks.paint", *argv], env).check(what)
        rows = int(done.stdout.split()[-1])
        if rows != count:
            raise RuntimeError(f"{what} painted {rows} rows, expected {count}")
        return {"wall": done.wall, "rss": done.peak_rss_kib * 1024 / 1e6}

    def dashboard() -> Sample:
        return painted(["rotui", str(config), str(fresh_dir(work, "run-"))], "the dashboard")

    def minimal() -> Sample:
        return painted(["minimal", str(count)], "the minimal DataTable app")

    ours, theirs = compare(scale, dashboard, minimal)
    what = f"dashboard start to painted table, {count} keys × {scale.consumers} consumers"
    reference = f"minimal Textual app, {count}-row DataTable"
    time_ratio = ours["wall"].median / theirs["wall"].median
    rss_ratio = ours["rss"].median / theirs["rss"].median
    return [
        Row(
            figure=f"3a {what}: wall time",
            unit="s",
            measured=ours["wall"],
            reference_name=reference,
            reference=theirs["wall"],
            comparison=f"{time_ratio:.2f}×",
            goal=f"≤ {TIME_GOAL:g}×",
            verdict=verdict(time_ratio <= TIME_GOAL),
        ),
        Row(
            figure=f"3b {what}: peak RSS",
            unit="MB",
            measured=ours["rss"],
            reference_name=reference,
            reference=theirs["rss"],
            comparison=f"{rss_ratio:.2f}×",
            goal=f"≤ {RSS_GOAL:g}×",
            verdict=verdict(rss_ratio <= RSS_GOAL),
        ),
    ]
