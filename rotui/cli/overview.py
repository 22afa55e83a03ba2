"""What several commands read of the inventory: one row per key, and services that report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rotui.context import Context

if TYPE_CHECKING:
    from rotui.services import Services


def status_rows(ctx: Context) -> list[dict[str, Any]]:
    """Every key's age, due date, freshness and last validation (``status`` and ``check``)."""
    from rotui.state import result_summary

    services = ctx.services()
    snap = services.snapshot()
    for warning in snap.warnings:
        ctx.say(f"rotui: warning: {warning}")
    return [
        {
            "name": row.name,
            "environment": row.key.environment,
            "workspace": row.key.workspace,
            "created": row.created.isoformat() if row.created else None,
            "age_days": row.age.age_days,
            "due": row.age.due.isoformat() if row.age.due else None,
            "due_in_days": row.age.due_in_days,
            "freshness": str(row.age.freshness),
            "last_validation": result_summary(row.last),
            "consumers": len(row.key.consumers),
        }
        for row in services.rows(snap)
    ]


def reporting(ctx: Context) -> Services:
    """The services, with a failed notification reported on stderr (not under a full screen)."""
    services = ctx.services()
    services.notices = lambda text: ctx.say(f"rotui: warning: {text}")
    return services
