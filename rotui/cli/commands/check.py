"""``rotui check [--json] [--notify]``: for cron, exit 1 when a key is overdue or failing."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rotui.cli.overview import reporting, status_rows
from rotui.cli.readonly import refuse
from rotui.context import Context
from rotui.core.errors import UsageError


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.notify:
        refuse(args, "--notify (it sends and records a notification)", "drop --notify to check")
    if args.notify and not ctx.load_config().notify_urls:
        raise UsageError(
            "--notify needs [notify] urls", 'e.g. [notify] urls = ["env:ROTUI_NOTIFY_URL"]'
        )
    rows = status_rows(ctx)
    problems = _problems(rows)
    never = sum(1 for row in rows if not row["last_validation"])
    if args.json:
        ctx.out(
            json.dumps(
                {
                    "ok": not problems,
                    "checked": len(rows),
                    "never_validated": never,
                    "problems": problems,
                },
                indent=2,
            )
        )
    elif problems:
        for p in problems:
            ctx.out(f"{p['name']}: {p['problem'].replace('_', ' ')} ({p['detail']})")
    else:
        ctx.out(f"ok: {len(rows)} keys, none overdue, {_failing_words(len(rows), never)}")
    if args.notify:
        _notify_check(ctx)
    return 1 if problems else 0


def _failing_words(total: int, never: int) -> str:
    """"none failing" only of keys validated: a key never validated is not known to work."""
    if not never:
        return "none failing"
    if never == total:
        return "none validated yet (`rotui validate` checks them)"
    return f"none failing of {total - never} validated, {never} never validated (`rotui validate`)"


def _problems(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    problems = []
    for row in rows:
        last = row["last_validation"]
        if row["freshness"] == "overdue":
            problems.append(
                {"name": row["name"], "problem": "overdue", "detail": f"due {row['due']}"}
            )
        if last and last["status"] != "valid":
            problems.append(
                {"name": row["name"], "problem": "failed_validation", "detail": last["status"]}
            )
    return problems


def _notify_check(ctx: Context) -> None:
    """``check --notify``: a failed notification is reported and audited, never an exit code."""
    import asyncio

    from rotui.core.notify import notify_check

    services = reporting(ctx)
    notifier = services.notifier()
    assert notifier is not None  # run() refused --notify without urls
    where = ctx.paths.state_dir / "notify.json"
    done = asyncio.run(notify_check(notifier, services.rows(), where, ctx.clock().isoformat()))
    ctx.say(
        {
            "sent": "rotui: notification sent",
            "unchanged": "rotui: no notification: nothing changed since the last one",
            "failed": "rotui: warning: the notification was not delivered; it is tried again "
            "on the next check",
        }[done]
    )
