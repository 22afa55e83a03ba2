"""`rotui doctor`: its parser, its command and :func:`run_doctor` (text or one JSON document).

The CLI imports :func:`add_doctor_parser` at start-up, so this module imports nothing heavy.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Protocol

from rotui.core.errors import UsageError
from rotui.core.troubleshoot.flows import FLOWS, run_flow
from rotui.core.troubleshoot.model import _counts, render_text

if TYPE_CHECKING:
    from rotui.core.troubleshoot.deps import TroubleshootDeps


async def run_doctor(
    services: TroubleshootDeps, name: str | None, as_json: bool, flow: str | None
) -> tuple[int, str]:
    """`rotui doctor [NAME] [--flow ID] [--json]`: the output, and 0 when healthy or 1 on a problem."""
    import json

    if flow is not None and flow not in FLOWS:
        raise UsageError(f"unknown flow {flow!r}", "flows: " + ", ".join(FLOWS))
    if name is not None:
        services.keys([name])  # an unknown key is a usage error (exit 2) before any check
    if flow is None:
        diagnoses = await run_flow(services, "environment", None)
        diagnoses += await run_flow(services, "key", name) if name else []
    else:
        if FLOWS[flow].needs_key and name is None and len(services.config.keys) == 1:
            name = services.config.keys[0].name
        diagnoses = await run_flow(services, flow, name)
    code = 1 if any(d.severity == "problem" for d in diagnoses) else 0
    if not as_json:
        return code, render_text(diagnoses)
    document = {
        "ok": code == 0,
        "exit_code": code,
        "key": name,
        "flow": flow,
        "checked_at": services.clock().isoformat(),
        "summary": _counts(diagnoses),
        "diagnoses": [d.to_dict() for d in diagnoses],
    }
    return code, json.dumps(document, indent=2, ensure_ascii=False)


class CliContext(Protocol):
    """The part of ``rotui.cli.Context`` the doctor command uses."""

    def services(self) -> TroubleshootDeps: ...

    def out(self, text: str) -> None: ...


def add_doctor_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``rotui doctor [NAME] [--json] [--flow ID]``, declared beside the flows it offers."""
    p = sub.add_parser(
        "doctor",
        help="diagnose a key or the environment (exit 0 healthy, 1 a problem found)",
        description="Without --flow: the environment (keyring, config, state dir, clock, "
        "reachability), plus “my key stopped working” for NAME. Flows: "
        + "; ".join(f"{f.id}: {f.title}" for f in FLOWS.values()),
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="the key to diagnose")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument(
        "--flow", choices=list(FLOWS), metavar="ID", help="one flow: " + ", ".join(FLOWS)
    )


def doctor_command(args: argparse.Namespace, ctx: CliContext) -> int:
    """The CLI entry: run the doctor, print its report on stdout, return its exit code."""
    import asyncio

    code, text = asyncio.run(run_doctor(ctx.services(), args.name, args.json, args.flow))
    ctx.out(text)
    return code
