"""``rotui holders [NAME ...] [--json]``: the scan on the command line, progress on stderr."""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rotui.core.holders.model import Progress, ScanReport, Status

if TYPE_CHECKING:
    from rotui.context import Context

EXIT_INTERRUPTED = 130


def run(args: argparse.Namespace, ctx: Context) -> int:
    return run_holders(args.names, args.json, ctx, audited=not args.read_only)


def run_holders(
    names: Sequence[str], as_json: bool, ctx: Context, *, audited: bool = True
) -> int:
    """0: every holder is managed; 1: an unmanaged, stale or unknown holder; 130: stopped early."""
    import asyncio

    services = ctx.services()
    services.keys(names)  # unknown names are a usage error before any scan
    stop = threading.Event()
    shown = [0.0]

    def progress(p: Progress) -> None:
        now = time.monotonic()
        if now - shown[0] >= 1.0:
            shown[0] = now
            ctx.say(f"rotui: holders: {p.done}/{p.total} places, {p.elapsed:.1f} s ({p.source})")

    async def go() -> ScanReport:
        from rotui.holders_run import scan_holders

        return await scan_holders(services, names, stop, progress, audited=audited)

    previous = signal.getsignal(signal.SIGINT)
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        report = asyncio.run(go())
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
    _print(report, as_json, ctx, names or [k.name for k in services.config.keys])
    if report.partial and stop.is_set():
        return EXIT_INTERRUPTED
    return 1 if any(f.status is not Status.MANAGED for f in report.findings) else 0


def _print(report: ScanReport, as_json: bool, ctx: Context, names: Sequence[str]) -> None:
    from rotui.core.secret import redact

    if as_json:
        ctx.out(redact(json.dumps(report.to_dict(), indent=2)))
    else:
        rows = [
            (
                str(f.status),
                f.key or "-",
                str(f.held),
                f.hint,
                f.place.label(),
                f.consumer or "-",
                f.note,
            )
            for f in report.findings
        ]
        if rows:
            head = ("STATUS", "KEY", "HELD", "HINT", "PLACE", "CONSUMER", "NOTE")
            widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]
            for row in [head, *rows]:
                ctx.out(
                    redact(
                        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False))
                        + "  "
                        + row[-1]
                    ).rstrip()
                )
        else:
            ctx.out("no holder found")
    for name in names:
        drift = report.drift(name)
        if drift:
            ctx.say(f"rotui: drift: {len(drift)} place(s) still hold the previous value of {name}")
    skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(report.skipped.items()))
    if skipped:
        ctx.say(f"rotui: holders: skipped {sum(report.skipped.values())} place(s): {skipped}")
    for problem in report.problems:
        ctx.say(f"rotui: holders: {redact(problem)}")
    state = "stopped early: partial result" if report.partial else "done"
    ctx.say(f"rotui: holders: {state}; {report.places} places in {report.elapsed:.1f} s")
