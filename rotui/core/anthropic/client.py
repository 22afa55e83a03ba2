"""The Anthropic client: key validation, the Admin API (workspaces, keys) and the usage report.

Keys are sent as ``x-api-key``, which the API accepts on every version (SDKs since 2026-10-21 send
``Authorization: Bearer``; both work). Shapes follow the official SDK, anthropic 2.14.0:
``types/organization/workspace_list_params.py`` (``include_default``) and ``_client.py`` (the
``anthropic-workspace-id`` client-level header).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Mapping
from typing import Any

from rotui.core.anthropic.outcomes import Outcome, is_message, is_models_page, ratelimits
from rotui.core.anthropic.records import (
    DEFAULT_WORKSPACE,
    WORKSPACE_ID_PREFIX,
    WorkspaceDirectory,
    parse_time,
    remote_key,
    rfc3339,
    workspace_required_message,
)
from rotui.core.anthropic.transport import Transport
from rotui.core.errors import ProviderError
from rotui.core.model import (
    DEFAULT_BASE_URL,
    RemoteKey,
    ValidationMode,
    ValidationResult,
    ValidationStatus,
)
from rotui.core.secret import Secret

# bucket_width → the most buckets one page of the usage report may hold (the documented maxima)
USAGE_BUCKET_LIMITS = {"1m": 1440, "1h": 168, "1d": 31}


class AnthropicClient(Transport):
    """Talks to the Messages, Models and Admin APIs over one shared ``httpx.AsyncClient``."""

    async def validate(
        self,
        name: str,
        secret: Secret | None,
        *,
        base_url: str | None = None,
        mode: ValidationMode = ValidationMode.AUTH,
        ping_model: str = "claude-haiku-4-5",
        workspace: str | None = None,
        admin: Secret | None = None,
    ) -> ValidationResult:
        """Check one key: ``auth`` lists models (no tokens), ``ping`` sends a 1-token message (billed).

        ``workspace`` is the key's configured workspace: an id (``wrkspc_…``) is sent as
        ``anthropic-workspace-id``, as the SDK's ``workspace_id`` client parameter does; a name is
        first resolved through the Admin API's workspaces list (with ``admin``, once per client).
        A workspace-bound key ignores the header; an identity-linked key cannot work without it.
        """
        if secret is None:
            return ValidationResult(
                key=name,
                status=ValidationStatus.NO_SECRET,
                checked_at=self._clock(),
                mode=mode,
                message="the key's source gave no value",
                attempts=0,
            )
        unresolved = ""
        try:
            workspace_id = await self.workspace_header(workspace, admin)
        except ProviderError as exc:
            # A workspace-bound key needs no header: check it anyway, and say why none was sent
            # if the key turns out to be identity-linked.
            workspace_id, unresolved = None, f" ({exc.title}: {exc.message})"
        outcome = await self._check(
            secret, base_url or DEFAULT_BASE_URL, mode, ping_model, workspace_id
        )
        message = outcome.message
        if outcome.status is ValidationStatus.WORKSPACE_REQUIRED:
            message = workspace_required_message(name, workspace) + unresolved
        return _result(name, secret, mode, outcome, message, self._clock())

    async def _check(
        self,
        secret: Secret,
        base_url: str,
        mode: ValidationMode,
        ping_model: str,
        workspace_id: str | None,
    ) -> Outcome:
        """``auth`` lists one model (no tokens); ``ping`` sends a 1-token message (billed)."""
        if mode is ValidationMode.PING:
            body = {
                "model": ping_model,
                "max_tokens": 1,
                "messages": [{"role": "user", "content": "ping"}],
            }
            return await self._exchange(
                "POST",
                base_url,
                "/v1/messages",
                secret,
                is_message,
                payload=body,
                workspace_id=workspace_id,
            )
        return await self._exchange(
            "GET",
            base_url,
            "/v1/models",
            secret,
            is_models_page,
            params={"limit": 1},
            workspace_id=workspace_id,
        )

    async def workspace_header(self, workspace: str | None, admin: Secret | None) -> str | None:
        """The ``anthropic-workspace-id`` to send for a configured workspace, or None.

        An id is sent as is; ``default`` (or nothing) sends no header; a name is resolved through
        the workspaces list, which needs the Admin key. Raises ``ProviderError`` when a name cannot
        be resolved.
        """
        if not workspace or workspace == DEFAULT_WORKSPACE:
            return None
        if workspace.startswith(WORKSPACE_ID_PREFIX):
            return workspace
        if admin is None:
            raise ProviderError(
                f"workspace “{workspace}” is a name",
                "rotui needs settings.admin_key to look its id up, or configure the id "
                '(workspace = "wrkspc_…")',
            )
        directory = await self.workspace_directory(admin)
        found = directory.by_name.get(workspace)
        if found is None:
            raise ProviderError(
                f"no workspace named “{workspace}”",
                "the Admin API lists: " + (", ".join(sorted(directory.by_name)) or "none"),
            )
        return found

    async def list_workspaces(
        self,
        admin: Secret,
        *,
        include_default: bool = False,
        include_archived: bool = False,
    ) -> list[dict[str, Any]]:
        """``GET /v1/organizations/workspaces``, every page (SDK workspace_list_params.py)."""
        params: dict[str, Any] = {
            "limit": 100,
            "include_default": str(include_default).lower(),
            "include_archived": str(include_archived).lower(),
        }
        found: list[dict[str, Any]] = []
        for _ in range(1000):
            page = await self._admin("GET", "/v1/organizations/workspaces", admin, params=params)
            found += [w for w in page.get("data") or [] if isinstance(w, dict) and w.get("id")]
            if not page.get("has_more") or not page.get("last_id"):
                break
            params = {**params, "after_id": page["last_id"]}
        return found

    async def workspace_directory(self, admin: Secret) -> WorkspaceDirectory:
        """The organization's workspaces by name and the default workspace's real id, cached.

        The list hides the default workspace unless ``include_default`` is true, so the one id
        that appears only with it is the default's.
        """
        base = self.admin_base_url
        lock = self._directory_locks.setdefault(base, asyncio.Lock())
        async with lock:
            if base not in self._directories:
                everything = await self.list_workspaces(admin, include_default=True)
                others = await self.list_workspaces(admin)
                other_ids = {w["id"] for w in others}
                defaults = [w["id"] for w in everything if w["id"] not in other_ids]
                self._directories[base] = WorkspaceDirectory(
                    by_name={str(w.get("name") or ""): str(w["id"]) for w in others},
                    default_id=defaults[0] if len(defaults) == 1 else None,
                )
            return self._directories[base]

    async def list_api_keys(
        self,
        admin: Secret,
        *,
        status: str | None = None,
        workspace_id: str | None = None,
    ) -> list[RemoteKey]:
        """Every API key of the organization, following the pages to the end."""
        keys: list[RemoteKey] = []
        async for item in self._pages(admin, status, workspace_id):
            keys.append(remote_key(item))
        return keys

    async def _pages(
        self, admin: Secret, status: str | None, workspace_id: str | None
    ) -> AsyncIterator[dict[str, Any]]:
        params: dict[str, Any] = {"limit": 100}
        if status:
            params["status"] = status
        if workspace_id:
            params["workspace_id"] = workspace_id
        for _ in range(1000):
            page = await self._admin("GET", "/v1/organizations/api_keys", admin, params=params)
            for item in page.get("data") or []:
                if isinstance(item, dict) and item.get("id"):
                    yield item
            if not page.get("has_more") or not page.get("last_id"):
                return
            params = {**params, "after_id": page["last_id"]}

    async def get_api_key(self, admin: Secret, key_id: str) -> RemoteKey:
        body = await self._admin("GET", f"/v1/organizations/api_keys/{key_id}", admin)
        return remote_key(body)

    async def set_api_key_status(self, admin: Secret, key_id: str, status: str) -> RemoteKey:
        """Deactivate (``inactive``, reversible) or reactivate a key through the Admin API."""
        body = await self._admin(
            "POST",
            f"/v1/organizations/api_keys/{key_id}",
            admin,
            payload={"status": status},
        )
        return remote_key(body)

    async def usage_report(
        self,
        admin: Secret,
        starting_at: dt.datetime,
        ending_at: dt.datetime | None = None,
        *,
        bucket_width: str = "1d",
        api_key_ids: list[str] | None = None,
    ) -> dict[str, dict[dt.datetime, int]]:
        """Tokens per API key id per bucket (keyed by the bucket's UTC start), grouped by key.

        ``bucket_width`` is ``1m``, ``1h`` or ``1d``; the API snaps ``starting_at`` to the bucket
        and treats ``ending_at`` as exclusive. Each page asks for the documented maximum number of
        buckets (1440, 168 or 31) and ``next_page`` is followed to the end. Buckets without usage
        are absent from the result.
        """
        if bucket_width not in USAGE_BUCKET_LIMITS:
            raise ValueError(f"bucket_width must be one of {', '.join(USAGE_BUCKET_LIMITS)}")
        params: dict[str, Any] = {
            "starting_at": rfc3339(starting_at),
            "bucket_width": bucket_width,
            "group_by[]": "api_key_id",
            "limit": USAGE_BUCKET_LIMITS[bucket_width],
        }
        if ending_at:
            params["ending_at"] = rfc3339(ending_at)
        if api_key_ids:
            params["api_key_ids[]"] = api_key_ids
        usage: dict[str, dict[dt.datetime, int]] = {}
        for _ in range(1000):
            page = await self._admin(
                "GET", "/v1/organizations/usage_report/messages", admin, params=params
            )
            for bucket in page.get("data") or []:
                begins = parse_time(bucket.get("starting_at"))
                for row in bucket.get("results") or []:
                    key_id = row.get("api_key_id")
                    if not key_id or begins is None:
                        continue
                    per_bucket = usage.setdefault(key_id, {})
                    per_bucket[begins] = per_bucket.get(begins, 0) + _tokens(row)
            if not page.get("has_more") or not page.get("next_page"):
                return usage
            params = {**params, "page": page["next_page"]}
        return usage

    async def hourly_usage(
        self,
        admin: Secret,
        starting_at: dt.datetime,
        ending_at: dt.datetime | None = None,
        *,
        api_key_ids: list[str] | None = None,
    ) -> dict[str, dict[dt.datetime, int]]:
        """Tokens per API key id per UTC hour (keyed by the hour's start)."""
        return await self.usage_report(
            admin,
            starting_at,
            ending_at,
            bucket_width="1h",
            api_key_ids=api_key_ids,
        )

    async def daily_usage(
        self,
        admin: Secret,
        starting_at: dt.datetime,
        ending_at: dt.datetime | None = None,
        *,
        api_key_ids: list[str] | None = None,
    ) -> dict[str, dict[dt.date, int]]:
        """Tokens per API key id per UTC day, from the messages usage report grouped by key."""
        report = await self.usage_report(
            admin,
            starting_at,
            ending_at,
            bucket_width="1d",
            api_key_ids=api_key_ids,
        )
        usage: dict[str, dict[dt.date, int]] = {}
        for key_id, buckets in report.items():
            per_day = usage.setdefault(key_id, {})
            for begins, tokens in buckets.items():
                per_day[begins.date()] = per_day.get(begins.date(), 0) + tokens
        return usage


def _tokens(row: Mapping[str, Any]) -> int:
    cache = row.get("cache_creation") or {}
    parts = [
        row.get("uncached_input_tokens"),
        row.get("cache_read_input_tokens"),
        row.get("output_tokens"),
        cache.get("ephemeral_1h_input_tokens") if isinstance(cache, dict) else 0,
        cache.get("ephemeral_5m_input_tokens") if isinstance(cache, dict) else 0,
    ]
    return sum(int(p) for p in parts if isinstance(p, int | float))


def _result(
    name: str,
    secret: Secret,
    mode: ValidationMode,
    outcome: Outcome,
    message: str,
    checked_at: dt.datetime,
) -> ValidationResult:
    """The result of one check, from the outcome and the answer's headers."""
    headers = outcome.headers
    return ValidationResult(
        key=name,
        status=outcome.status,
        checked_at=checked_at,
        mode=mode,
        hint=secret.hint,
        http_status=outcome.http_status,
        error_type=outcome.error_type,
        message=message,
        error_code=outcome.error_code,
        request_id=headers.get("request-id"),
        organization_id=headers.get("anthropic-organization-id"),
        workspace_id=headers.get("anthropic-workspace-id"),
        ratelimits=ratelimits(headers),
        retry_after=outcome.retry_after,
        latency_ms=outcome.latency_ms,
        attempts=outcome.attempts,
    )
