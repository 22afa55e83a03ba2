"""``rotui`` without a command: the full-screen dashboard on the configured inventory."""

from __future__ import annotations

import argparse

from rotui.cli.terminal import need_terminal, run_full_screen
from rotui.context import Context


def run(args: argparse.Namespace, ctx: Context) -> int:
    from rotui.ui.app import make_app

    app = make_app(ctx.services(), read_only=args.read_only, theme=args.theme, notices=ctx.warnings)
    need_terminal(ctx, "use `rotui status` (or `--json`) in scripts, or `rotui serve` for a browser")
    return run_full_screen(app)
