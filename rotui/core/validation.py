"""Validate many keys at once: read each secret off the event loop, check it, match Admin records."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from rotui.core.anthropic import AnthropicClient, is_workspace_name, match_remote
from rotui.core.errors import RotuiError
from rotui.core.model import (
    ManagedKey,
    RemoteKey,
    Settings,
    ValidationMode,
    ValidationResult,
    ValidationStatus,
)
from rotui.core.secret import Secret, SecretStore, check_admin_key, check_usable_api_key

ADMIN_USERNAME = "__admin__"
Progress = Callable[[ValidationResult], None]


@dataclass
class ValidationRun:
    """Results of one validate-all, plus what the Admin API said and anything worth a warning."""

    # Not in the repr: asyncio.run formats the finished task (result included) when it restores
    # the SIGINT handler, and 10,000 results made a 32 MB string there (make bench, figure 8e).
    results: list[ValidationResult] = field(default_factory=list, repr=False)
    remote: dict[str, RemoteKey] = field(default_factory=dict, repr=False)
    warnings: list[str] = field(default_factory=list)
    admin_checked: bool = False  # the Admin API was asked, so an unmatched key has no record
    saved: bool = True

    @property
    def all_valid(self) -> bool:
        return self.saved and all(r.status is ValidationStatus.VALID for r in self.results)


async def read_admin_key(settings: Settings, store: SecretStore) -> Secret | None:
    """The Admin API key from ``settings.admin_key``, or None when none is configured."""
    if not settings.admin_key:
        return None
    secret = await store.aread(settings.admin_key, ADMIN_USERNAME)
    if secret is None:
        raise RotuiError(
            "no Admin API key", f"settings.admin_key = {settings.admin_key!r} gave no value"
        )
    return check_admin_key(secret.reveal())


async def _pooled(
    keys: Sequence[ManagedKey],
    one: Callable[[ManagedKey], Awaitable[ValidationResult]],
    width: int,
) -> list[ValidationResult]:
    """``one`` on every key, at most ``width`` at a time, the results in the keys' order.

    A fixed pool of workers, not one task per key: with thousands of keys, thousands of waiting
    tasks and their frames were most of validate's memory (make bench, figure 6).
    """
    results: list[ValidationResult | None] = [None] * len(keys)
    queue = iter(enumerate(keys))  # shared: each key is taken by exactly one worker

    async def worker() -> None:
        for index, key in queue:
            results[index] = await one(key)

    await asyncio.gather(*(worker() for _ in range(min(len(keys), max(width, 1)))))
    return [result for result in results if result is not None]


async def validate_keys(
    keys: Sequence[ManagedKey],
    settings: Settings,
    store: SecretStore,
    client: AnthropicClient,
    *,
    mode: ValidationMode | None = None,
    progress: Progress | None = None,
) -> ValidationRun:
    """Validate every key concurrently (bounded by the client), never stopping at a failure."""
    run = ValidationRun()
    mode = mode or settings.validation
    secrets: dict[str, Secret] = {}
    admin: Secret | None = None
    if any(is_workspace_name(k.workspace) for k in keys):
        try:  # a workspace given by name is resolved through the Admin API's workspaces list
            admin = await read_admin_key(settings, store)
        except RotuiError as exc:
            run.warnings.append(f"workspace names not resolved: {exc}")

    async def one(key: ManagedKey) -> ValidationResult:
        try:
            secret = await store.aread(key.source, key.name)
            if secret is not None:
                check_usable_api_key(secret, f"{key.name} (source {key.source.split(' ')[0]})")
        except RotuiError as exc:
            result = ValidationResult(
                key=key.name,
                status=ValidationStatus.NO_SECRET,
                checked_at=client.now(),
                mode=mode,
                message=str(exc),
                attempts=0,
            )
        else:
            if secret is not None:
                secrets[key.name] = secret
            result = await client.validate(
                key.name,
                secret,
                base_url=key.base_url,
                mode=mode,
                ping_model=settings.ping_model,
                workspace=key.workspace,
                admin=admin,
            )
        if progress:
            progress(result)
        return result

    run.results = await _pooled(keys, one, settings.max_concurrency)
    if settings.admin_key and keys:
        try:
            run.remote = await _match_admin(keys, settings, store, client, secrets)
            run.admin_checked = True
        except RotuiError as exc:
            run.warnings.append(f"Admin API skipped: {exc}")
    return run


async def _match_admin(
    keys: Sequence[ManagedKey],
    settings: Settings,
    store: SecretStore,
    client: AnthropicClient,
    secrets: dict[str, Secret],
) -> dict[str, RemoteKey]:
    admin = await read_admin_key(settings, store)
    if admin is None:
        return {}
    remote: list[RemoteKey] | None = None  # one organization, at settings.admin_base_url
    matched: dict[str, RemoteKey] = {}
    for key in keys:
        secret = secrets.get(key.name)
        if secret is None:
            continue
        if remote is None:
            remote = await client.list_api_keys(admin)
        record = match_remote(secret, remote)
        if record is not None:
            matched[key.name] = record
    return matched
