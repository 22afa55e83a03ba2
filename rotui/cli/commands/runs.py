"""``rotui runs [NAME ...] [--json]``: rotation and emergency runs, newest first."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rotui.cli.render import table
from rotui.context import Context
from rotui.core.errors import UsageError

HEADERS = ["RUN", "KEY", "KIND", "MODE", "STATUS", "STEP", "STARTED", "BY"]


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Every run, newest first: id, key, kind, mode, status, step, started, who."""
    from rotui.core.runs import RunStore

    store = RunStore(ctx.paths.state_dir)
    runs = [r for r in reversed(store.all()) if not args.names or r.key in args.names]
    unknown = sorted(set(args.names) - {r.key for r in store.all()})
    if unknown and not runs:
        configured = {k.name for k in ctx.load_config().keys}
        missing = [n for n in unknown if n not in configured]
        if missing:
            raise UsageError(
                f"no key named {missing[0]!r} in the config", f"`{_status(args)}` lists them"
            )
    rows = [
        {
            "run_id": r.run_id,
            "key": r.key,
            "kind": r.kind,
            "mode": r.mode,
            "status": str(r.status),
            "step": r.current_step() if r.status == "active" else None,
            "started": r.started_at,
            "updated": r.updated_at,
            "actor": r.actor,
        }
        for r in runs
    ]
    if args.json:
        ctx.out(json.dumps({"runs": rows, "damaged": store.damaged}, indent=2))
        return 0
    for name in store.damaged:
        ctx.say(f"rotui: warning: run file {name} is damaged and was skipped")
    if not rows:
        ctx.out("no runs" + (f" of {', '.join(args.names)}" if args.names else "") + " yet")
        return 0
    ctx.out(table(HEADERS, [_cells(r) for r in rows]))
    return 0


def _status(args: argparse.Namespace) -> str:
    """The command that lists the keys: the demo's, as typed, under ``rotui demo runs``."""
    if not getattr(args, "demo_command", None):
        return "rotui status"
    from rotui.demo.hints import rotui_command

    return f"{rotui_command()} demo status"


def _cells(row: dict[str, Any]) -> list[str]:
    return [
        str(row["run_id"]),
        str(row["key"]),
        str(row["kind"]),
        str(row["mode"]),
        str(row["status"]),
        str(row["step"] or "-"),
        str(row["started"])[:16].replace("T", " "),
        str(row["actor"]),
    ]
