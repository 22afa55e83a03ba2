"""``rotui status [--json]``: age, freshness and last validation of every key, no network."""

from __future__ import annotations

import argparse
import json

from rotui.cli.overview import status_rows
from rotui.cli.render import ago, table, terminal_width
from rotui.context import Context

FRESHNESS_WORDS = {
    "fresh": "fresh",
    "due_soon": "due soon",
    "overdue": "OVERDUE",
    "unknown": "unknown",
}
HEADERS = ["NAME", "ENV", "WORKSPACE", "AGE", "DUE IN", "FRESHNESS", "LAST CHECK", "CONSUMERS"]
# Left out, in this order, while the table is wider than the terminal (80 columns keeps the rest);
# --json and a pipe always have them: the due date is the age against the cadence.
NARROW_DROPS = ("WORKSPACE", "DUE IN")


def run(args: argparse.Namespace, ctx: Context) -> int:
    rows = status_rows(ctx)
    if args.json:  # one key per line: json's C encoder (indent= is pure Python: 10,000 keys)
        head = json.dumps(ctx.clock().isoformat())
        body = ",\n    ".join(json.dumps(row, ensure_ascii=False) for row in rows)
        ctx.out(f'{{\n  "generated_at": {head},\n  "keys": [' + (f"\n    {body}\n  ]\n}}" if rows else "]\n}"))
        return 0
    if not rows:
        ctx.say("rotui: no keys configured yet; add a [[keys]] table to the configuration")
        return 0
    now = ctx.clock()
    lines = []
    for row in rows:
        last = row["last_validation"]
        lines.append(
            [
                row["name"],
                row["environment"] or "-",
                row["workspace"],
                "?" if row["age_days"] is None else f"{row['age_days']}d",
                "?" if row["due_in_days"] is None else f"{row['due_in_days']}d",
                FRESHNESS_WORDS[row["freshness"]],
                f"{last['status']} {ago(last['checked_at'], now)}" if last else "never",
                str(row["consumers"]),
            ]
        )
    width = terminal_width(ctx.stdout, ctx.environ)
    ctx.out(table(HEADERS, lines, width, NARROW_DROPS, squeeze="LAST CHECK"))
    return 0
