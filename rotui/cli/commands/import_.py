"""``rotui import [-o FILE]``: the organisation's keys (Admin API) as a configuration fragment."""

from __future__ import annotations

import argparse
from typing import Any

from rotui.cli.render import write_private
from rotui.context import Context
from rotui.core.errors import UsageError


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Every key of the organisation as a commented TOML fragment; configured ones skipped."""
    import asyncio

    from rotui.core.inventory import build_fragment, configured_ids
    from rotui.core.validation import read_admin_key

    services = ctx.services()
    config = services.config
    if not config.settings.admin_key:
        raise UsageError(
            "rotui import needs the Admin API",
            'set settings.admin_key (e.g. admin_key = "env:ANTHROPIC_ADMIN_KEY")',
        )
    known = configured_ids(config, services.snapshot().remote)

    async def go() -> tuple[str, Any]:
        admin = await read_admin_key(config.settings, services.store)
        assert admin is not None  # admin_key is set: read_admin_key raises when it gives nothing
        http, client = services.client()
        async with http:  # the Admin API at settings.admin_base_url, as every Admin call
            return await build_fragment(client, admin, config, known, ctx.clock())

    text, plan = asyncio.run(go())
    for remote, name in plan.skipped:
        ctx.say(f"rotui: skipped {remote.name or '(unnamed)'} ({remote.id}): configured as {name}")
    if args.output:
        write_private(args.output, text, new=True)
        ctx.say(f"rotui: wrote {len(plan.keys)} key(s) to {args.output}")
    else:
        ctx.out(text.rstrip("\n"))
    return 0
