"""An organisation's keys, as the Admin API lists them, turned into a configuration fragment.

``rotui import`` lists every API key of the organisation (every workspace, every page, active
and inactive; archived and expired keys can never authenticate again and are left out) and
writes one commented ``[[keys]]`` table per key. The Admin API never returns a key value, only
metadata, so the fragment holds none: each key's ``source`` is an ``env:`` placeholder the
operator points at the real value. Keys the configuration already has are skipped and listed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rotui.core.anthropic import DEFAULT_WORKSPACE, AnthropicClient, WorkspaceDirectory
from rotui.core.model import Config, RemoteKey
from rotui.core.safetext import one_line
from rotui.core.secret import Secret

__all__ = ["ImportPlan", "Imported", "config_name", "fetch_inventory", "plan_import", "render"]

IMPORTED_STATUSES = ("active", "inactive")
ADMIN_ID_COMMENT = re.compile(r"#\s*admin id:\s*(apikey_[A-Za-z0-9_-]+)")
MAX_NAME = 120  # under the loader's 128, leaving room for a "-NNNN" suffix
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Imported:
    """One Admin API key and the configuration name it gets."""

    name: str
    remote: RemoteKey

    @property
    def env_var(self) -> str:
        """The placeholder variable: the name in upper snake case, valid for ``env:``."""
        var = re.sub(r"[^A-Z0-9_]", "_", self.name.upper())
        return var if not var[:1].isdigit() else f"KEY_{var}"


@dataclass
class ImportPlan:
    """What ``rotui import`` writes, and what it skips because the configuration has it."""

    keys: list[Imported] = field(default_factory=list)
    skipped: list[tuple[RemoteKey, str]] = field(default_factory=list)  # (key, configured name)
    left_out: int = 0  # archived or expired keys


async def fetch_inventory(
    client: AnthropicClient, admin: Secret
) -> tuple[list[RemoteKey], WorkspaceDirectory]:
    """Every key of the organisation (all workspaces: the list is unfiltered) and the workspaces.

    The Admin API is reached at ``settings.admin_base_url`` only, like every Admin call. The
    workspace lists are fetched while the key pages are, not before them (two round trips fewer).
    """
    import asyncio

    directory, keys = await asyncio.gather(
        client.workspace_directory(admin), client.list_api_keys(admin)
    )
    return keys, directory


def config_name(raw: str, taken: set[str]) -> str:
    """A valid configuration key name from an Admin API key name, unique regardless of case.

    Runs of characters the loader refuses or that read badly (spaces, ``#``, control and
    invisible characters) become ``-``; an empty result becomes ``imported-key``.
    """
    from rotui.core.secret import SECRET_PATTERN

    cleaned = _UNSAFE_NAME.sub("-", SECRET_PATTERN.sub("redacted", raw))
    base = cleaned.strip("-.")[:MAX_NAME] or "imported-key"
    name, number = base, 2
    while name.casefold() in taken:
        name = f"{base}-{number}"
        number += 1
    taken.add(name.casefold())
    return name


def plan_import(
    remote: Sequence[RemoteKey],
    config: Config,
    configured_ids: Mapping[str, str],
    directory: WorkspaceDirectory | None = None,
) -> ImportPlan:
    """Name each importable key, skipping those the configuration already has.

    ``configured_ids`` maps Admin ids to configured names: from validation (the state's matched
    Admin records) and from the ``# admin id:`` comments of earlier imports. A key whose derived
    name is already configured in the same workspace is also taken as configured.
    """
    directory = directory or WorkspaceDirectory()
    names = {ws_id: name for name, ws_id in directory.by_name.items()}
    plan = ImportPlan()
    configured = {k.name.casefold(): k for k in config.keys}
    taken = set(configured)
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    for key in sorted(remote, key=lambda k: (k.created_at or oldest, k.id)):
        if key.status not in IMPORTED_STATUSES:
            plan.left_out += 1
            continue
        if key.id in configured_ids:
            plan.skipped.append((key, configured_ids[key.id]))
            continue
        same = configured.get(config_name(key.name, set()).casefold())
        workspace = _workspace(key, directory, names)[0]
        if same is not None and same.workspace in (workspace, names.get(workspace)):
            plan.skipped.append((key, same.name))
            continue
        plan.keys.append(Imported(config_name(key.name, taken), key))
    return plan


def render(plan: ImportPlan, directory: WorkspaceDirectory, now: dt.datetime) -> str:
    """The fragment: a header, then one commented ``[[keys]]`` table per key."""
    import tomli_w

    names = {ws_id: name for name, ws_id in directory.by_name.items()}
    lines = [
        f"# Imported by `rotui import` on {now:%Y-%m-%d %H:%M} UTC from the Admin API:",
        f"# {len(plan.keys)} key(s), active and inactive, from every workspace.",
        "# No key value is here (the Admin API returns none): point each source at the key",
        '# ("keyring", "env:VAR" or "command:PROGRAM ARGS...") before validating or rotating.',
    ]
    if plan.skipped:
        lines.append(f"# Skipped {len(plan.skipped)} key(s) the configuration already has.")
    for item in plan.keys:
        key = item.remote
        workspace, where = _workspace(key, directory, names)
        lines += [
            "",
            f"# admin id: {key.id}",
            f"# Admin API name: {_comment(key.name) or '(none)'}; status: {_comment(key.status)}",
            f"# {where}",
        ]
        table: dict[str, object] = {
            "name": item.name,
            "workspace": workspace,
            "source": f"env:{item.env_var}",
        }
        if key.created_at is not None:
            table["created"] = key.created_at.date()
        lines += ["[[keys]]", tomli_w.dumps(table).strip()]
    return "\n".join(lines) + "\n"


def _workspace(
    key: RemoteKey, directory: WorkspaceDirectory, names: Mapping[str, str]
) -> tuple[str, str]:
    """The ``workspace`` value (an id, stable across renames, or ``default``) and a comment."""
    if key.scope == "organization":
        return DEFAULT_WORKSPACE, "organization scope: acts in the workspace each request names"
    actual = key.scope_workspace_id or key.workspace_id
    if actual is None or key.in_default_workspace or actual == directory.default_id:
        return DEFAULT_WORKSPACE, "workspace: the default workspace"
    label = names.get(actual)
    return actual, f"workspace: {_comment(label) if label else '(name unknown)'}"


def _comment(text: str) -> str:
    """Outside text made safe for one comment line (no line break can end the comment)."""
    from rotui.core.secret import SECRET_PATTERN

    return one_line(SECRET_PATTERN.sub("(redacted)", text)).replace("\r", "\\r")


def configured_ids(config: Config, remote: Mapping[str, RemoteKey]) -> dict[str, str]:
    """Admin ids the configuration already covers, each with the configured name.

    From the state's Admin records (what validation matched) and the ``# admin id:`` comments
    an earlier import left in the configuration's files; unreadable files are skipped.
    """
    from pathlib import Path

    names = {k.name for k in config.keys}
    found = {record.id: name for name, record in remote.items() if name in names and record.id}
    for path in (config.path, *config.fragments):
        if not path:
            continue
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for admin_id, name in _ids_with_names(text):
            found.setdefault(admin_id, name)
    return found


def _ids_with_names(text: str) -> Iterable[tuple[str, str]]:
    """(admin id, the name of the [[keys]] table that follows the comment) in a file's text."""
    pending: str | None = None
    for line in text.splitlines():
        match = ADMIN_ID_COMMENT.search(line)
        if match:
            pending = match.group(1)
            continue
        named = _NAME_LINE.match(line)
        if named and pending:
            yield pending, named.group(1)
            pending = None


_NAME_LINE = re.compile(r'\s*name\s*=\s*"([^"\\]*)"')


async def build_fragment(
    client: AnthropicClient,
    admin: Secret,
    config: Config,
    known: Mapping[str, str],
    now: dt.datetime,
) -> tuple[str, ImportPlan]:
    """List the organisation's keys and render the fragment of those not yet configured."""
    remote, directory = await fetch_inventory(client, admin)
    plan = plan_import(remote, config, known, directory)
    return render(plan, directory, now), plan
