"""``rotui report RUN_ID [-o FILE]``: an incident report of a run, in Markdown (``-o``: a new file)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from rotui.cli.render import write_private
from rotui.context import Context
from rotui.core.errors import UsageError


def run(args: argparse.Namespace, ctx: Context) -> int:
    from rotui.core.audit import AuditLog
    from rotui.core.report import incident_report
    from rotui.core.runs import RunStore

    store = RunStore(ctx.paths.state_dir)
    if not known_run(store, args.run_id):
        recent = [r.run_id for r in reversed(store.all())][:3]
        raise UsageError(
            f"no run {args.run_id!r}",
            (f"recent runs: {', '.join(recent)}" if recent else "no run has been recorded yet")
            + f"; `{lister(args)}` lists them all (kept in {store.dir})",
        )
    found = store.load(args.run_id)
    text = incident_report(found, AuditLog(ctx.paths.data_dir).entries())
    if args.output:
        write_private(args.output, text, new=True)  # never over a file, as import and init
        ctx.say(f"rotui: wrote {args.output}")
    else:
        ctx.out(text)
    return 0


def lister(args: argparse.Namespace) -> str:
    """The command that lists the runs ``report`` reads: the demo's under ``rotui demo``."""
    if not getattr(args, "demo_command", None):
        return "rotui runs"
    from rotui.demo.hints import rotui_command  # as typed: not on PATH after `make demo`

    return f"{rotui_command()} demo runs"


def known_run(store: Any, run_id: str) -> bool:
    """A run id names a file in the runs directory, never a path elsewhere."""
    if not run_id or run_id.startswith(".") or "/" in run_id or os.sep in run_id:
        return False
    return bool(store.path(run_id).is_file())
