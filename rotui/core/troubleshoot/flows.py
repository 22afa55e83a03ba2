"""The FLOWS registry (what ``--flow ID`` and the screen offer) and :func:`run_flow`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from rotui.core.errors import ConfigError, RotuiError, UsageError
from rotui.core.troubleshoot.after_rotation import diagnose_consumers, forgot_new_key
from rotui.core.troubleshoot.environment import check_environment
from rotui.core.troubleshoot.key import diagnose_key
from rotui.core.troubleshoot.model import Diagnosis, Flow, FlowRunner
from rotui.core.troubleshoot.old_key import diagnose_old_key_still_works
from rotui.core.troubleshoot.usage import diagnose_usage
from rotui.core.troubleshoot.workspace import diagnose_workspace

if TYPE_CHECKING:
    from rotui.core.troubleshoot.deps import TroubleshootDeps


def _for_key(diagnose: Callable[[TroubleshootDeps, str], Awaitable[Diagnosis]]) -> FlowRunner:
    async def run(services: TroubleshootDeps, name: str | None) -> list[Diagnosis]:
        assert name is not None  # run_flow refuses a key flow without a key
        return [await diagnose(services, name)]

    return run


async def _usage_flow(services: TroubleshootDeps, name: str | None) -> list[Diagnosis]:
    return [await diagnose_usage(services, name)]


async def _environment_flow(services: TroubleshootDeps, name: str | None) -> list[Diagnosis]:
    return await check_environment(services)


FLOWS: dict[str, Flow] = {
    flow.id: flow
    for flow in (
        Flow(
            "key",
            "My key stopped working",
            "Validate the key and explain the answer: revoked, billing, permission, limits, network, proxy.",
            _for_key(diagnose_key),
        ),
        Flow(
            "old-key",
            "My old key still works after revocation",
            "Check the retired key and its Admin status; wait for propagation or revoke again.",
            _for_key(diagnose_old_key_still_works),
        ),
        Flow(
            "forgot-new-key",
            "I forgot to copy my new key",
            "Delete it in the Console and resume the run at the new-key step.",
            _for_key(forgot_new_key),
        ),
        Flow(
            "usage",
            "Unexpected usage or charges",
            "Daily tokens per key from the Admin API, spikes flagged, and the emergency revoke.",
            _usage_flow,
            needs_key=False,
        ),
        Flow(
            "consumers",
            "Consumers fail after rotation",
            "Rerun the downstream checks of the last run and show which consumer fails.",
            _for_key(diagnose_consumers),
        ),
        Flow(
            "workspace",
            "Wrong workspace or different rate limits",
            "Compare the key's workspace, organization and limits with its environment.",
            _for_key(diagnose_workspace),
        ),
        Flow(
            "environment",
            "Check the environment",
            "Keyring, config permissions, state dir, clock skew and reachability of each API.",
            _environment_flow,
            needs_key=False,
        ),
    )
}


async def run_flow(services: TroubleshootDeps, flow_id: str, name: str | None) -> list[Diagnosis]:
    """Run one flow; a failure that stops it becomes a diagnosis rather than a crash."""
    flow = FLOWS[flow_id]
    if flow.needs_key and name is None:
        raise UsageError(
            f"“{flow.title}” needs a key", f"name one: rotui doctor NAME --flow {flow_id}"
        )
    try:
        return await flow.run(services, name)
    except (UsageError, ConfigError):
        raise
    except RotuiError as exc:
        title = flow.title + (f" · {name}" if name else "")
        cause = "The check could not finish: " + (exc.message or exc.title)
        steps = ["Fix what the message says, then run the check again"]
        return [
            Diagnosis(title, flow.description, [str(exc)], cause, steps, "problem", flow_id, name)
        ]
