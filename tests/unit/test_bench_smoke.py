"""`python -m benchmarks --quick` runs every figure once at tiny sizes, so the benchmarks cannot rot."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "benchmarks" / "results.md"
FIGURES = (
    "1 status --json",
    "2a validate-all",
    "2b validate-all",
    "3a dashboard start to painted table",
    "3b dashboard start to painted table",
    "4 longest event-loop stall during validate-all",
    "5 propagation of one rotation",
    "6 rotui validate --json",
    "7 rotui holders",
    "8 status --json, 60 keys × 4 consumers in 3 fragments",
    "8c rotui import, 60 Admin API keys",
    "8d rotui validate --json, 60 keys",
    "8e rotui validate --json, 60 keys",
    "9a dashboard start to painted table in tmux",
    "9b keypress to screen in tmux",
)


def test_every_benchmark_runs_once_at_tiny_sizes() -> None:
    before = RESULTS.stat().st_mtime_ns if RESULTS.exists() else None
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for figure in FIGURES:
        assert figure in done.stdout, f"no row for {figure!r}:\n{done.stdout}"
    assert "ERROR" not in done.stdout
    after = RESULTS.stat().st_mtime_ns if RESULTS.exists() else None
    assert after == before, "--quick must not rewrite benchmarks/results.md"


def test_closing_a_bench_terminal_waits_for_its_program_to_end(tmp_path: Path) -> None:
    """rotui writes its state after the hang-up; the bench then removes the work directory.

    CI failed with ``rmtree``'s "Directory not empty" in figure 9 when ``close`` returned while
    a hung-up rotui was still writing. This program does the same, a little slower.
    """
    from benchmarks.terminal import Terminal
    from tests.support.tmux import require_tmux

    term = Terminal(require_tmux(), tmp_path)
    late = tmp_path / "written-after-the-hang-up"
    ready = tmp_path / "ready"
    script = f"trap 'sleep 0.5; echo done > {late}; exit 0' HUP; touch {ready}; while :; do sleep 0.05; done"
    term.start(["sh", "-c", script], dict(os.environ))
    deadline = time.monotonic() + 20
    while not ready.exists():
        assert time.monotonic() < deadline, "the program never started"
        time.sleep(0.01)
    term.close()
    assert late.read_text() == "done\n"
