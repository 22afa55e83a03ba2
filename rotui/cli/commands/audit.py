"""``rotui audit [--json] [--verify] [--key NAME]``: the audit log and its hash chain."""

from __future__ import annotations

import argparse
import json

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
            context = " ".join(f"{k}={_value(v)}" for k, v in entry.context.items())
            ctx.out(
                f"{entry.ts:%Y-%m-%d %H:%M:%S} {entry.actor} {entry.action} {entry.key or '-'} {context}".rstrip()
            )
        ctx.say(f"rotui: {report.summary}")
    return 0 if report.ok else 1


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


def _value(value: object) -> str:
    """A context value as text: strings as they are, lists and tables as compact JSON (not repr)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
