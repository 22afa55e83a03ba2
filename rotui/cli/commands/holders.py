"""``rotui holders [NAME ...] [--json]``: every place holding a key, by fingerprint."""

from __future__ import annotations

import argparse

from rotui.context import Context


def run(args: argparse.Namespace, ctx: Context) -> int:
    from rotui.cli_holders import run_holders

    return run_holders(args.names, args.json, ctx)
