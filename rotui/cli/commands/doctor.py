"""``rotui doctor [NAME] [--json] [--flow ID]``: diagnose a key or the environment."""

from __future__ import annotations

import argparse

from rotui.context import Context


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Run the diagnoses, print the report on stdout, return its exit code."""
    import asyncio

    from rotui.core.troubleshoot import run_doctor

    code, text = asyncio.run(run_doctor(ctx.services(), args.name, args.json, args.flow))
    ctx.out(text)
    return code
