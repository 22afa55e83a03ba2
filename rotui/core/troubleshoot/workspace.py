"""“Wrong workspace or different rate limits”: a key's workspace, organization and limits compared
with its configuration and with the other keys of its environment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rotui.core.errors import RotuiError
from rotui.core.model import (
    CONSOLE_KEYS_URL,
    ManagedKey,
    RemoteKey,
    ValidationResult,
    ValidationStatus,
)
from rotui.core.troubleshoot.model import LIMITS_URL, Diagnosis, Severity

if TYPE_CHECKING:
    from rotui.core.anthropic import WorkspaceDirectory
    from rotui.core.troubleshoot.deps import TroubleshootDeps


def _limits(result: ValidationResult) -> dict[str, int]:
    found = {}
    for header, value in result.ratelimits.items():
        kind = header.removeprefix("anthropic-ratelimit-").removesuffix("-limit")
        if header.endswith("-limit") and value.isdigit():
            found[kind] = int(value)
    return found


def _workspace_of(result: ValidationResult, record: RemoteKey | None) -> str | None:
    """The workspace a key acts in: the Admin API's ``scope`` first, then the response header."""
    if record is not None and record.scope == "workspace" and record.scope_workspace_id:
        return record.scope_workspace_id
    return result.workspace_id or (record.workspace_id if record else None)


def _peer_lines(
    peers: list[ManagedKey],
    results: dict[str, ValidationResult],
    remote: Mapping[str, RemoteKey],
    name: str,
) -> list[str]:
    """One line of evidence per key of the environment: status, organization, workspace, limits."""
    lines = []
    for peer in peers:
        r = results[peer.name]
        limits = ", ".join(f"{k} {v:,}" for k, v in sorted(_limits(r).items())) or "none reported"
        lines.append(
            f"{peer.name}{' (this key)' if peer.name == name else ''}: {r.status}; organization "
            f"{r.organization_id or '?'}; workspace {_workspace_of(r, remote.get(peer.name)) or 'default'} "
            f"(configured “{peer.workspace}”); limits {limits}"
        )
    return lines


def _compare_peer(
    key: ManagedKey,
    mine: ValidationResult,
    actual: str | None,
    label: bool,
    peer: ManagedKey,
    theirs: ValidationResult,
    their_ws: str | None,
) -> tuple[list[str], list[str]]:
    """Findings and warnings from one answering key of the same environment."""
    name, configured = key.name, key.workspace
    findings, warnings = [], []
    if mine.organization_id and theirs.organization_id not in (None, mine.organization_id):
        findings.append(
            f"{name} is in organization {mine.organization_id}, {peer.name} in {theirs.organization_id}"
        )
    if label and mine.status.ok and peer.workspace == configured and their_ws != actual:
        findings.append(
            f"{name} and {peer.name} are both configured as “{configured}” but sit in "
            f"workspaces {actual or 'default'} and {their_ws or 'default'}"
        )
    mine_limits, their_limits = _limits(mine), _limits(theirs)
    lower = [
        f"{kind} {value:,} < {their_limits[kind]:,}"
        for kind, value in sorted(mine_limits.items())
        if value < their_limits.get(kind, value)
    ]
    if lower:
        warnings.append(f"{name} has lower limits than {peer.name}: " + ", ".join(lower))
    return findings, warnings


def _compare_own(
    key: ManagedKey,
    mine: ValidationResult,
    record: RemoteKey | None,
    actual: str | None,
    directory: WorkspaceDirectory | None,
) -> tuple[list[str], list[str]]:
    """Findings and warnings from the key's own answer and Admin API record, against its config."""
    from rotui.core.anthropic import describe_workspace, in_configured_workspace

    name, configured = key.name, key.workspace
    findings: list[str] = []
    warnings: list[str] = []
    if not mine.status.ok:
        warnings.append(
            f"{name} answers {mine.status}, so its headers may be incomplete (`rotui doctor {name}`)"
        )
    if (
        record
        and record.scope == "workspace"
        and mine.workspace_id
        and actual not in (None, mine.workspace_id)
    ):
        warnings.append(f"the API reports workspace {mine.workspace_id}, the Admin API {actual}")
    wanted = "the default workspace" if configured == "default" else configured
    if mine.status is ValidationStatus.WORKSPACE_REQUIRED:
        findings.append(
            f"{name} is identity-linked (organization scope) and configured as {wanted}: the API "
            'needs the workspace\'s id in anthropic-workspace-id (set workspace = "wrkspc_…")'
        )
    elif record is not None:
        if in_configured_workspace(configured, record, directory) is False:
            findings.append(
                f"{name} is in {describe_workspace(record, directory)}, configured as {wanted}"
            )
    elif configured.startswith("wrkspc_") and actual and actual != configured:
        findings.append(f"{name} is in workspace {actual}, configured as {configured}")
    elif configured == "default" and actual:
        # without the Admin API only the response header tells: it names non-default workspaces
        findings.append(f"{name} is in workspace {actual}, configured as the default workspace")
    return findings, warnings


def _checked(key: ManagedKey, peers: int, results: Sequence[ValidationResult]) -> str:
    """What was checked: the keys sent, not every key of the environment (one may have no value)."""
    sent = sum(1 for r in results if r.status is not ValidationStatus.NO_SECRET)
    unsent = "" if sent == peers else f" ({peers - sent} with no value: nothing sent)"
    return (
        f"validated {sent} of the {peers} key(s) of environment “{key.environment or '-'}”"
        f"{unsent} and compared their workspace, organization and rate-limit headers with the "
        "config and the Admin API"
    )


def _workspace_steps(name: str, mine: ValidationResult) -> list[str]:
    """Where the key sits and how to move it: a rotation only from a key that answers valid."""
    move = (
        f"workspace and rotate to it (`rotui rotate {name}`, r on the dashboard)"
        if mine.status is ValidationStatus.VALID
        else f"workspace and replace this one through the emergency revoke (`rotui revoke "
        f"{name}`, x on the dashboard; choose overlap): a rotation refuses a key that "
        f"answers {mine.status}"
    )
    return [
        f"Open {CONSOLE_KEYS_URL} and check which workspace holds the key with hint {mine.hint or '?'}",
        "A key bills and is limited by its workspace: to move it, create a key in the right "
        + move,
        'Or correct workspace = "…" in the configuration if the key is where it should be',
        f"Limits are per workspace and usage tier: compare them at {LIMITS_URL}",
    ]


async def diagnose_workspace(services: TroubleshootDeps, name: str) -> Diagnosis:
    """Compare a key's workspace, organization and limits with its config and its environment."""
    from rotui.core.validation import validate_keys

    [key] = services.keys([name])
    peers = [k for k in services.keys([]) if k.environment == key.environment]
    from rotui.core.troubleshoot.evidence import _admin_secret

    http, client = services.client()
    directory: WorkspaceDirectory | None = None
    async with http:
        run = await validate_keys(peers, services.config.settings, services.store, client)
        admin, _ = await _admin_secret(services)
        if admin is not None and run.remote:
            try:  # the default workspace's real id and the names, as the API means them
                directory = await client.workspace_directory(admin)
            except RotuiError as exc:
                run.warnings.append(f"workspaces not listed: {exc}")
    results = {r.key: r for r in run.results}
    mine, record = results[name], run.remote.get(name)
    actual, configured = _workspace_of(mine, record), key.workspace
    evidence = list(run.warnings) + _peer_lines(peers, results, run.remote, name)
    findings, warnings = _compare_own(key, mine, record, actual, directory)
    label = (
        configured != "default"
        and not configured.startswith("wrkspc_")
        and (directory is None or configured not in directory.by_name)
    )
    for peer in peers:
        theirs = results[peer.name]
        if peer.name == name or not theirs.status.ok:
            continue
        their_ws = _workspace_of(theirs, run.remote.get(peer.name))
        found, warned = _compare_peer(key, mine, actual, label, peer, theirs, their_ws)
        findings += found
        warnings += warned
    evidence += [f"✗ {f}" for f in findings] + [f"! {w}" for w in warnings]
    steps = _workspace_steps(name, mine)
    severity: Severity = "problem" if findings else "warning" if warnings else "ok"
    if findings:
        cause = "The key is not where the configuration says: " + "; ".join(findings) + "."
    elif warnings:
        cause = "No mismatch found, but: " + "; ".join(warnings) + "."
    else:
        cause = f"No mismatch: {name} sits in workspace {actual or 'default'}, in the same organization as its environment's keys, with limits no lower than theirs."
        if label:
            cause += f" (“{configured}” is a name, not an id: rotui compares it only with keys configured the same way.)"
    checked = _checked(key, len(peers), run.results)
    title = f"Wrong workspace or different rate limits · {name}"
    return Diagnosis(title, checked, evidence, cause, steps, severity, "workspace", name)
