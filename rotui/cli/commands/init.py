"""``rotui init``: write a commented starter configuration (mode 0600)."""

from __future__ import annotations

import argparse

from rotui.cli.readonly import refuse
from rotui.context import Context


def run(args: argparse.Namespace, ctx: Context) -> int:
    refuse(args, "`rotui init` (it writes a configuration file)")
    from rotui.config import resolve_config_path, write_starter_config

    path, _origin = resolve_config_path(ctx.config_arg, ctx.environ)
    write_starter_config(path)
    ctx.say(
        f"rotui: wrote {path} (mode 0600); edit it, then `rotui key set NAME` and `rotui validate`"
    )
    return 0
