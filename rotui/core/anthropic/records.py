"""Admin API records and workspaces: parsing a key object, and where a key lives.

SDK 2.14.0 ``types/organization/api_key.py`` (``scope``), ``types/organization/workspace.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rotui.core.model import RemoteKey
from rotui.core.secret import Secret

WORKSPACE_ID_PREFIX = "wrkspc_"
DEFAULT_WORKSPACE = "default"


def rfc3339(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def remote_key(item: Mapping[str, Any]) -> RemoteKey:
    """An Admin API key object, parsed tolerantly (its fields have drifted over time).

    SDK 2.14.0 types/organization/api_key.py: ``scope`` is ``{"type": "workspace",
    "workspace_id"}`` (the real id, the default workspace's included) or ``{"type":
    "organization"}``. The deprecated top-level ``workspace_id`` (null for the default workspace)
    is sent on 2023-06-01 only; when it is there it also says whether the key is in the default
    workspace.
    """
    given = item.get("scope")
    scope: dict[str, Any] = given if isinstance(given, dict) else {}
    scope_type = str(scope.get("type") or "")
    scope_ws = scope.get("workspace_id") if isinstance(scope.get("workspace_id"), str) else None
    in_default: bool | None = None
    if "workspace_id" in item:
        workspace = item.get("workspace_id")
        if scope_type == "workspace":
            in_default = workspace is None
    else:
        workspace = scope_ws
    return RemoteKey(
        id=str(item.get("id", "")),
        name=str(item.get("name") or ""),
        status=str(item.get("status") or ""),
        partial_key_hint=str(item.get("partial_key_hint") or ""),
        created_at=parse_time(item.get("created_at")),
        workspace_id=workspace if isinstance(workspace, str) else None,
        expires_at=parse_time(item.get("expires_at")),
        scope=scope_type,
        scope_workspace_id=scope_ws,
        in_default_workspace=in_default,
    )


@dataclass(frozen=True)
class WorkspaceDirectory:
    """The organization's workspaces as the Admin API lists them."""

    by_name: Mapping[str, str] = field(default_factory=dict)  # name -> wrkspc_ id (not default)
    default_id: str | None = None  # the default workspace's real id, when known


def in_configured_workspace(
    configured: str, remote: RemoteKey, directory: WorkspaceDirectory | None = None
) -> bool | None:
    """Does this Admin API key live where the configuration says? None when it cannot be told.

    Compared the way the API means it: through ``scope.workspace_id``, which holds the default
    workspace's real id. ``configured`` is ``default``, an id (``wrkspc_…``) or a workspace name.
    An organization-scoped (identity-linked) key lives in no workspace: it acts in the one each
    request names, so any configured workspace the organization has is its own.
    """
    directory = directory or WorkspaceDirectory()
    if configured.startswith(WORKSPACE_ID_PREFIX):
        wanted: str | None = configured
    elif configured in ("", DEFAULT_WORKSPACE):
        wanted = directory.default_id
    else:
        wanted = directory.by_name.get(configured)
        if wanted is None:
            return None
    if remote.scope == "organization":
        return True
    if remote.scope != "workspace":  # an old shape without scope: the top-level field says it
        if configured in ("", DEFAULT_WORKSPACE):
            return remote.workspace_id is None
        return remote.workspace_id == wanted
    actual = remote.scope_workspace_id
    if configured in ("", DEFAULT_WORKSPACE):
        if remote.in_default_workspace is not None:
            return remote.in_default_workspace
        if wanted is None or actual is None:
            return None
    return actual == wanted


def same_workspace(a: RemoteKey, b: RemoteKey) -> bool:
    """Do two Admin API keys live in the same place (same scope and workspace)?"""
    if a.scope == "organization" or b.scope == "organization":
        return a.scope == b.scope
    return (a.scope_workspace_id or a.workspace_id) == (b.scope_workspace_id or b.workspace_id)


def describe_workspace(remote: RemoteKey, directory: WorkspaceDirectory | None = None) -> str:
    """Where a key lives, in words: its workspace id (marked default) or organization scope."""
    if remote.scope == "organization":
        return "organization scope (identity-linked: acts in the workspace each request names)"
    actual = remote.scope_workspace_id or remote.workspace_id
    if actual is None:
        return "the default workspace"
    default = remote.in_default_workspace or (
        directory is not None and actual == directory.default_id
    )
    return f"workspace {actual}" + (" (the default workspace)" if default else "")


def is_workspace_name(workspace: str | None) -> bool:
    """A configured workspace that is neither ``default`` nor an id, so only a name."""
    return (
        bool(workspace)
        and workspace != DEFAULT_WORKSPACE
        and not str(workspace).startswith(WORKSPACE_ID_PREFIX)
    )


def workspace_required_message(name: str, workspace: str | None) -> str:
    """What to do when an identity-linked key was sent without ``anthropic-workspace-id``."""
    return (
        f"{name} is an identity-linked key (organization scope): the API requires the "
        f"anthropic-workspace-id header, and the configured workspace “{workspace or DEFAULT_WORKSPACE}” "
        'is not an id rotui could send. Set workspace = "wrkspc_…" (or a workspace name, with '
        "settings.admin_key) for this key"
    )


def match_remote(secret: Secret, remote: list[RemoteKey]) -> RemoteKey | None:
    """The Admin API record of a local key, matched by ``partial_key_hint``.

    Hints are not unique in principle; an ambiguous match prefers an active key and otherwise
    gives up rather than guess.
    """
    hint = secret.partial_key_hint
    found = [r for r in remote if r.partial_key_hint == hint]
    if len(found) == 1:
        return found[0]
    active = [r for r in found if r.status == "active"]
    return active[0] if len(active) == 1 else None
