"""Figure 5: propagation of one rotation to 50 consumers; a row that says it cannot be measured yet."""

from __future__ import annotations

from pathlib import Path

from benchmarks.harness import Row, Scale

METHOD = (
    "Not measured yet: propagation to consumers lands with the rotation work; the figure will "
    "time one rotation pushed to 50 consumers on a simulated Heroku with 100 ms latency against "
    "ceil(50/concurrency) × 100 ms."
)

NOT_YET = "not yet measured: propagation lands with the rotation work"


def run(scale: Scale, work: Path) -> list[Row]:
    """No propagation code exists yet; a made-up number would be worse than none."""
    return [
        Row(
            figure="5 propagation of one rotation to 50 consumers, simulated Heroku, 100 ms",
            unit="s",
            measured=None,
            reference_name="limit ceil(50/concurrency) × 100 ms",
            reference=None,
            comparison="—",
            goal="≤ 1.3×",
            verdict="TODO",
            notes=(NOT_YET,),
        )
    ]
