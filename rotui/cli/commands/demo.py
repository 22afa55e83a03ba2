"""``rotui demo [--headless] [--read-only]``, and ``rotui demo status|report|audit``, which read
the files of a demo another terminal runs. The demo lives in :mod:`rotui.demo`; this starts it."""

from __future__ import annotations

import argparse

from rotui.cli import registry
from rotui.cli.terminal import need_terminal
from rotui.context import Context
from rotui.core.errors import UsageError


def run(args: argparse.Namespace, ctx: Context) -> int:
    reader = getattr(args, "demo_command", None)
    if getattr(args, "config", None) is not None:  # silently ignored, it would mislead
        said = f"rotui demo {reader}" if reader else "rotui demo"
        raise UsageError(
            f"{said} does not read --config",
            "the demo runs on its own inventory; drop --config, or run the command without `demo`",
        )
    if reader:  # `rotui demo audit`: on the running demo's files
        from rotui.demo.pairing import follow_context

        return registry.load(reader)(args, follow_context(ctx))
    from rotui.demo.run import run_demo

    if not args.headless:
        need_terminal(ctx, "use `rotui demo --headless`")
    return run_demo(
        ctx,
        headless=args.headless,
        read_only=args.read_only,
        theme=args.theme,
        status=registry.load("status"),
        validate=registry.load("validate"),
    )
