"""``rotui revoke NAME``: the emergency, revoke now or overlap (the screen, or ``--headless``)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING, Any

from rotui.cli.overview import reporting
from rotui.cli.readonly import refuse
from rotui.cli.rollback import rollback
from rotui.cli.terminal import need_terminal, read_secret_input, run_full_screen
from rotui.context import Context
from rotui.core.errors import RotuiError, UsageError

if TYPE_CHECKING:
    from rotui.core.runs import Run
    from rotui.services import Services


def run(args: argparse.Namespace, ctx: Context) -> int:
    """The typed confirmation checked first, before anything else is read or started."""
    _check_confirm(args)
    import asyncio

    services = ctx.services()
    services.keys([args.name])
    exposed = _exposed(args.exposed_at, services.clock())
    watch = f"`rotui revoke {args.name} --read-only` (no --headless) watches the run"
    if args.rollback:
        refuse(args, "a rollback", watch)
        return asyncio.run(rollback(services, args.name, ctx, "emergency", args.take_over))
    active = services.runs().active(args.name)
    if not args.headless:
        from rotui.ui.app import make_app

        app = make_app(
            services,
            emergency=args.name,
            read_only=args.read_only,
            theme=args.theme,
            exposed_at=exposed,
            notices=ctx.warnings,
        )
        need_terminal(ctx, "add --headless to run the emergency from a script")
        return run_full_screen(app)
    refuse(args, "a headless emergency revoke", watch)
    mode = _mode(args, active)
    return asyncio.run(_headless(args, ctx, services, mode, exposed))


def _check_confirm(args: argparse.Namespace) -> None:
    """A typed confirmation that names another key is refused, and said so, before anything."""
    if args.confirm and args.confirm != args.name:
        raise UsageError(
            f"--confirm {args.confirm} does not match the key's name {args.name}",
            f"type the name of the key to revoke: --confirm {args.name}",
        )


def _exposed(value: str | None, now: dt.datetime) -> dt.datetime | None:
    if value is None:
        return None
    from rotui.core.timeparse import parse_exposure

    return parse_exposure(value, now, what="--exposed-at")


def _mode(args: argparse.Namespace, active: Run | None) -> str:
    """The emergency's mode: the running one's, else ``--mode`` (a rotation may give way)."""
    if active is not None and active.kind != "emergency":
        from rotui.core.rotation.policy import Verdict, start_conflict

        verdict = start_conflict(active, "emergency", args.mode or "now")
        if verdict.verdict is Verdict.REFUSE:
            raise UsageError(verdict.title, verdict.message)
        active = None  # it wrote nothing: the emergency supersedes it when it starts (audited)
    if active is None and not args.mode:
        raise UsageError(
            "choose --mode now or --mode overlap",
            "now: revoke first, accept downtime; overlap: new key, propagate, verify, then revoke",
        )
    mode: str = active.mode if active is not None else args.mode
    return mode


async def _headless(
    args: argparse.Namespace,
    ctx: Context,
    services: Services,
    mode: str,
    exposed: dt.datetime | None,
) -> int:
    from rotui.core.headless import HeadlessOptions, drive
    from rotui.core.holders.gate import HolderGate

    def read_key() -> str:
        return read_secret_input(ctx, f"Paste the new key for {args.name} (input hidden): ")

    reporting(ctx)
    async with services.rotation(
        args.name, kind="emergency", mode=mode, exposed_at=exposed, take_over=args.take_over
    ) as rotation:
        rotation.open()
        for line in await _usage_lines(rotation, exposed):
            ctx.out(line)
        # An overlap emergency revokes the old key after propagation: the places that still
        # hold it are shown first, and the typed --confirm NAME acknowledges them (audited).
        gate = HolderGate(rotation, services.config, ctx.environ) if mode == "overlap" else None
        options = HeadlessOptions(
            confirm_manual=args.confirm_manual,
            confirm=args.confirm,
            holders=gate,
            ack_holders=args.confirm,
        )
        return await drive(rotation, read_key, options, ctx.out)


async def _usage_lines(rotation: Any, exposed: dt.datetime | None) -> list[str]:
    """The old key's tokens over the last 24 h and 7 days, hour by hour, flagged after exposure."""
    from rotui.core.usage import SHOWN_HOURS

    try:
        summary = await rotation.old_key_usage_window(exposed)
    except RotuiError as exc:
        return [f"! usage not available: {exc}"]
    if summary is None:
        return ["  usage: needs the Admin API (settings.admin_key)"]
    lines = [f"  old key usage: {summary.headline()}"]
    days = summary.by_day()
    for day in sorted(days):
        lines.append(f"    {day.isoformat()}  {days[day]:>12,}")
    flagged = summary.flagged
    if summary.exposed_at is not None:
        lines.append(f"  {summary.exposure_line()}")
    hours = sorted(flagged)
    for hour in hours[:SHOWN_HOURS]:
        lines.append(
            f"    {hour:%Y-%m-%d %H:00}  {flagged[hour]:>12,} ← after the suspected exposure"
        )
    if len(hours) > SHOWN_HOURS:
        rest = sum(flagged[h] for h in hours[SHOWN_HOURS:])
        lines.append(f"    … {len(hours) - SHOWN_HOURS} more hour(s)  {rest:>12,}")
    return lines
