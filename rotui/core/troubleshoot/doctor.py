"""`rotui doctor`'s work: :func:`run_doctor` (text or one JSON document); its parser is the CLI's."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
