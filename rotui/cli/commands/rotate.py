"""``rotui rotate NAME``: the SOP as a resumable wizard, or ``--headless`` a line per step."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from rotui.cli.overview import reporting
from rotui.cli.readonly import refuse
from rotui.cli.rollback import rollback
from rotui.cli.terminal import need_terminal, read_secret_input, run_full_screen
from rotui.context import Context

if TYPE_CHECKING:
    from rotui.services import Services


def run(args: argparse.Namespace, ctx: Context) -> int:
    import asyncio

    services = ctx.services()
    services.keys([args.name])  # an unknown name is a usage error before anything else
    if args.dry_run:
        return asyncio.run(_dry_run(services, args.name, ctx))
    watch = f"`rotui rotate {args.name} --read-only` (no --headless) watches the run"
    if args.rollback:
        refuse(args, "a rollback", watch)
        return asyncio.run(rollback(services, args.name, ctx, "rotation", args.take_over))
    if not args.headless:
        from rotui.ui.app import make_app

        app = make_app(
            services,
            rotate=args.name,
            read_only=args.read_only,
            theme=args.theme,
            notices=ctx.warnings,
        )
        need_terminal(ctx, "add --headless to rotate from a script")
        return run_full_screen(app)
    refuse(args, "a headless rotation", watch)
    return asyncio.run(_headless(args, ctx, services))


async def _headless(args: argparse.Namespace, ctx: Context, services: Services) -> int:
    from rotui.core.headless import HeadlessOptions, drive

    def read_key() -> str:
        return read_secret_input(ctx, f"Paste the new key for {args.name} (input hidden): ")

    reporting(ctx)
    async with services.rotation(args.name, take_over=args.take_over) as rotation:
        from rotui.core.holders.gate import HolderGate

        options = HeadlessOptions(
            confirm_manual=args.confirm_manual,
            revoke=args.revoke,
            holders=HolderGate(rotation, services.config, ctx.environ),
            ack_holders=args.ack_holders,
        )
        return await drive(rotation, read_key, options, ctx.out)


async def _dry_run(services: Services, name: str, ctx: Context) -> int:
    from rotui.core.runs import STEP_TITLES

    # The dry run writes nothing: no lock, so it answers even while another rotui drives the key.
    async with services.rotation(name, lock=False) as rotation:
        checks = await rotation.preflight()
        steps = rotation.steps_for_kind()
        active = services.runs().active(name)
    ctx.out(f"plan for {name}" + (f" (resuming run {active.run_id})" if active else ""))
    for number, step in enumerate(steps, start=1):
        ctx.out(f"  {number}. {STEP_TITLES[step]}")
    ready = True
    ctx.out("checks:")
    for what, problems in checks:
        ready = ready and not problems
        ctx.out(
            f"  {'✓' if not problems else '✗'} {what}" + "".join(f"\n      {p}" for p in problems)
        )
    ctx.out("nothing was changed" + ("" if ready else "; fix the ✗ items before rotating"))
    return 0 if ready else 1
