"""`python -m benchmarks [--quick]`: run every figure of issue 6, print the table, write results.md."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from benchmarks import (
    dashboard_start,
    holders_scan,
    propagation,
    responsiveness,
    status_json,
    terminal,
    validate_all,
    validate_memory,
)
from benchmarks import (
    scale as inventory_scale,
)
from benchmarks.harness import Row, Scale, isolated_env, share_bytecode_cache
from benchmarks.report import terminal_table, write_results

RESULTS = Path(__file__).resolve().parent / "results.md"
FIGURES: tuple[tuple[str, ModuleType], ...] = (
    ("1", status_json),
    ("2", validate_all),
    ("3", dashboard_start),
    ("4", responsiveness),
    ("5", propagation),
    ("6", validate_memory),
    ("7", holders_scan),
    ("8", inventory_scale),
    ("9", terminal),
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="1 run, tiny sizes, no results.md (the smoke test)"
    )
    parser.add_argument("--runs", type=int, default=5, help="measured runs per figure (min 5)")
    parser.add_argument(
        "--only", metavar="N,N", help="run only these figures (results.md is then not written)"
    )
    args = parser.parse_args(argv)
    if not args.quick and args.runs < 5:
        parser.error("--runs: issue 6 asks for at least 5 runs (use --quick for a smoke run)")
    return args


def run_figure(number: str, module: ModuleType, scale: Scale, work: Path) -> list[Row]:
    """Run one figure; a failure becomes an ERROR row so the other figures still report."""
    runner: Callable[[Scale, Path], list[Row]] = module.run
    started = time.perf_counter()
    try:
        rows = runner(scale, work)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        title = (module.__doc__ or number).split(":")[0]
        rows = [Row(title, "s", None, "—", None, "—", "—", "ERROR", (f"{exc}",))]
    took = time.perf_counter() - started
    print(f"benchmarks: figure {number} took {took:.1f} s", file=sys.stderr, flush=True)
    return rows


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    scale = Scale.tiny() if args.quick else Scale.full(args.runs)
    chosen = set(args.only.split(",")) if args.only else {n for n, _ in FIGURES}
    with tempfile.TemporaryDirectory(prefix="rotui-bench-") as tmp:
        root = Path(tmp)
        share_bytecode_cache(root / "pycache")
        # In-process figures (2, 4) run here: point this process, too, away from the user's dirs.
        os.environ.clear()
        os.environ.update(isolated_env(root / "parent"))
        rows: list[Row] = []
        for number, module in FIGURES:
            if number in chosen:
                rows += run_figure(number, module, scale, root / f"figure-{number}")
    if args.quick:
        print("quick run: tiny sizes, 1 run, no warm-up; the verdicts below mean nothing")
    print(terminal_table(rows), flush=True)
    if not args.quick and not args.only:
        method = "\n".join(f"{n}. {m.METHOD}" for n, m in FIGURES)
        write_results(RESULTS, rows, scale, method)
        print(f"\nwrote {RESULTS}")
    return 1 if any(r.verdict == "ERROR" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
