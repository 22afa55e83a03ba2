"""``rotui validate [NAME ...] [--json] [--ping]``: check keys against the API, store results."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from rotui.cli.render import cut, table, terminal_width
from rotui.context import Context

if TYPE_CHECKING:
    from rotui.core.validation import ValidationRun


def run(args: argparse.Namespace, ctx: Context) -> int:
    import asyncio

    from rotui.core.model import ValidationMode

    services = ctx.services()
    if not services.config.keys:
        ctx.say("rotui: no keys configured; nothing to validate")
        return 0
    services.keys(args.names)  # unknown names are a usage error before any network call
    mode = ValidationMode.PING if args.ping else None
    done = asyncio.run(services.validate(args.names, mode=mode, save=not args.read_only))
    for warning in done.warnings:
        ctx.say(f"rotui: warning: {warning}")
    _report_keyring_trouble(done, ctx)
    if args.read_only:
        ctx.say("rotui: --read-only: results shown, not stored or audited")
    if args.json:
        _print_json_results(ctx, done)
    else:
        rows = [
            [
                r.key,
                str(r.status),
                str(r.http_status or "-"),
                f"{r.latency_ms:.0f} ms" if r.latency_ms is not None else "-",
                r.hint or "-",
                cut(r.message or "", 80),
            ]
            for r in done.results
        ]
        headers = ["NAME", "STATUS", "HTTP", "LATENCY", "KEY", "DETAIL"]
        width = terminal_width(ctx.stdout, ctx.environ)  # narrow: DETAIL under its row
        ctx.out(table(headers, rows, width, optional=("LATENCY",), below=True))
    return 0 if done.all_valid else 1


def _print_json_results(ctx: Context, done: ValidationRun) -> None:
    """``{"all_valid": ..., "results": [...]}`` written result by result, never built whole.

    One result per line: json's C encoder (``indent=`` switches to the pure-Python one, 0.4 s of
    10,000 keys' 25 s in make bench figure 8d); still one line per key for grep and diff.
    """
    write = ctx.write
    write(f'{{\n  "all_valid": {json.dumps(done.all_valid)},\n  "results": [')
    for index, r in enumerate(done.results):
        item = {
            **r.to_dict(),
            "remote": done.remote[r.key].to_dict() if r.key in done.remote else None,
        }
        body = json.dumps(item)
        write(("\n    " if index == 0 else ",\n    ") + body)
    write("\n  ]\n}\n" if done.results else "]\n}\n")


def _report_keyring_trouble(done: ValidationRun, ctx: Context) -> None:
    """Say once, not per key, when the keyring itself is the problem."""
    seen = set()
    for result in done.results:
        for title in ("keyring unavailable", "the keyring did not answer"):
            if result.message.startswith(title) and title not in seen:
                seen.add(title)
                ctx.say(f"rotui: {result.message}")
