"""``rotui audit [--json] [--verify] [--key NAME]``: the audit log and its hash chain."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rotui.context import Context
from rotui.core.errors import UsageError


def run(args: argparse.Namespace, ctx: Context) -> int:
    from rotui.core.audit import AuditLog

    log = AuditLog(ctx.paths.data_dir)
    if args.key:
        _check_audited_key(args.key, ctx, [e.key for e in log.entries()])
    report = log.verify()
    if args.verify and not args.json:
        ctx.out(f"audit {report.summary}")
        return 0 if report.ok else 1
    entries = [e for e in log.entries() if not args.key or e.key == args.key]
    if args.json:
        document = {
            "chain": {
                "ok": report.ok,
                "entries": report.entries,
                "line": report.line,
                "problem": report.problem,
                "kind": report.kind,
                "legacy": report.legacy,
            },
            "entries": [{**e.body(), "hash": e.hash} for e in entries],
        }
        ctx.out(json.dumps(document, indent=2))
    else:
        for entry in entries:
            context = " ".join(f"{k}={context_value(v)}" for k, v in entry.context.items())
            ctx.out(
                f"{entry.ts:%Y-%m-%d %H:%M:%S} {entry.actor} {entry.action} {entry.key or '-'} {context}".rstrip()
            )
        ctx.say(f"rotui: {report.summary}")
    return 0 if report.ok else 1


def context_value(value: Any) -> str:
    """One context value as the line shows it: a word as is, anything else as JSON (a list of
    findings as ``[{"status": "managed", …}]``, never Python's repr; a phrase quoted)."""
    if isinstance(value, str) and value and not any(c.isspace() or c in "\"=" for c in value):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _check_audited_key(name: str, ctx: Context, audited: list[str | None]) -> None:
    """``audit --key NAME``: a usage error unless NAME is configured (or in the log already)."""
    if name in audited:
        return  # a key since removed from the configuration keeps its history
    configured = [k.name for k in ctx.load_config().keys]
    if name not in configured:
        raise UsageError(
            f"unknown key {name!r}",
            "configured keys: " + (", ".join(configured) or "none"),
        )
