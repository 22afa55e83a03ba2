"""Evidence helpers shared by the flows: hosts and proxies, validation results, Admin API records.

A source's or the Admin API's failure becomes a line of evidence, not a crash. httpx and the
Anthropic client are imported inside the functions that use them.
"""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING

from rotui.core.errors import RotuiError
from rotui.core.model import ManagedKey, RemoteKey, ValidationResult, ValidationStatus

if TYPE_CHECKING:
    from rotui.core.anthropic import AnthropicClient
    from rotui.core.runs import Run
    from rotui.core.secret import Secret
    from rotui.core.troubleshoot.deps import TroubleshootDeps

PROXY_VARS = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")


def _source(key: ManagedKey) -> str:
    """The key's source without the arguments a command may carry."""
    return key.source.split(" ")[0]


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).hostname or url


def _hostport(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return parts.hostname or url
    return f"{parts.hostname}:{port}"


def _proxy_shown(value: str) -> str:
    """A proxy URL as ``scheme://host:port``: never its user name or password."""
    parts = urllib.parse.urlsplit(value if "://" in value else "http://" + value)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{parts.hostname}{port}" if parts.hostname else "set, not a URL"


def _bypassed(host: str, no_proxy: str) -> bool:
    for entry in (e.strip().lstrip(".").lower() for e in no_proxy.split(",")):
        if entry == "*" or (entry and (host == entry or host.endswith("." + entry))):
            return True
    return False


def proxy_lines(services: TroubleshootDeps, base_url: str) -> list[str]:
    """The proxy variables rotui's HTTP client sees: names and hosts, never credentials."""
    shown, no_proxy = [], ""
    for name in PROXY_VARS:
        for variant in (name, name.lower()):
            value = services.environ.get(variant, "").strip()
            if value and name == "NO_PROXY":
                no_proxy = value
                shown.append(f"{variant}={value[:200]}")
            elif value:
                shown.append(f"{variant}={_proxy_shown(value)}")
    if not shown:
        return ["no proxy variables set (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY)"]
    if not services.trust_env:
        shown.append("rotui ignores them in this session (trust_env off)")
    elif no_proxy and _bypassed(_host(base_url).lower(), no_proxy):
        shown.append(f"{_host(base_url)} is in NO_PROXY: rotui connects to it directly")
    return ["proxy environment: " + "; ".join(shown)]


def _result_lines(result: ValidationResult) -> list[str]:
    lines = []
    if result.http_status is not None:
        said = f"{result.error_type}: " if result.error_type else ""
        lines.append(f"HTTP {result.http_status} {said}{result.message}".rstrip(": "))
    elif result.message:
        lines.append(f"{result.error_type or 'error'}: {result.message}")
    if result.request_id:
        lines.append(f"request id {result.request_id}")
    if result.organization_id or result.workspace_id:
        workspace = result.workspace_id or "default (no workspace header)"
        lines.append(f"organization {result.organization_id or '?'}, workspace {workspace}")
    if result.status is ValidationStatus.RATE_LIMITED:
        after = result.retry_after
        lines.append(f"retry-after: {after:g} s" if after is not None else "no retry-after header")
        lines += [f"{k}: {v}" for k, v in sorted(result.ratelimits.items()) if "-remaining" in k]
    if result.attempts > 1:
        lines.append(f"{result.attempts} attempts (retried)")
    return lines


ADMIN_STATUS = {
    "inactive": "inactive: deactivated in the Console or through the Admin API (reversible)",
    "archived": "archived: deleted in the Console, it cannot be restored",
    "expired": "expired: past the expiry date chosen when it was created",
}


def _record_line(record: RemoteKey) -> str:
    status = ADMIN_STATUS.get(record.status, record.status or "of unknown status")
    expiry = f"; expiry {record.expires_at:%Y-%m-%d %H:%M} UTC" if record.expires_at else ""
    from rotui.core.anthropic import describe_workspace

    # scope first: on 2026-10-21 the top-level workspace_id is gone and scope holds the real id
    return (
        f"Admin API: {record.id} “{record.name}” is {status}{expiry}; {describe_workspace(record)}"
    )


async def _read(
    services: TroubleshootDeps, source: str, username: str
) -> tuple[Secret | None, str]:
    """A value from a source, or why there is none (a source's failure is evidence, not a crash)."""
    try:
        return await services.store.aread(source, username), ""
    except RotuiError as exc:
        return None, str(exc)


async def _admin_secret(services: TroubleshootDeps) -> tuple[Secret | None, str]:
    from rotui.core.validation import read_admin_key

    if not services.config.settings.admin_key:
        return None, ""
    try:
        return await read_admin_key(services.config.settings, services.store), ""
    except RotuiError as exc:
        return None, f"Admin API not consulted: {exc}"


async def _admin_record(
    services: TroubleshootDeps, client: AnthropicClient, secret: Secret, base_url: str | None
) -> tuple[RemoteKey | None, list[str]]:
    """The Admin API's record of a key, matched by hint, with a line of evidence."""
    from rotui.core.anthropic import match_remote

    admin, why = await _admin_secret(services)
    if admin is None:
        return None, [why] if why else []
    try:
        record = match_remote(secret, await client.list_api_keys(admin))
    except RotuiError as exc:
        return None, [f"Admin API not consulted: {exc}"]
    if record is None:
        return None, [
            f"the Admin API lists no key with hint {secret.partial_key_hint}: deleted, in another "
            "organization, or the value is mistyped"
        ]
    return record, [_record_line(record)]


def _resume(run: Run) -> str:
    """How an operator resumes ``run``: its command and its key on the dashboard (``r`` refuses
    an emergency's run, ``x`` reopens it)."""
    from rotui.core.rotation.policy import resume_command

    return f"`{resume_command(run)}` ({'x' if run.kind == 'emergency' else 'r'} on the dashboard)"
