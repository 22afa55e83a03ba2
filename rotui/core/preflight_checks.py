"""Checks the dry run adds before it may say "ready": the current key still works, a keyring exists.

Pure core: each takes what it needs (the client, the store) and returns the problems it found, in
the ``(what, problems)`` shape ``Rotation.preflight`` returns; an empty list means ✓.
"""

from __future__ import annotations

import asyncio

from rotui.core.anthropic import AnthropicClient
from rotui.core.errors import SecretError
from rotui.core.model import ManagedKey, Settings, ValidationStatus
from rotui.core.secret import Secret, SecretStore

CURRENT_KEY_CHECK = "current key answers the API"
KEYRING_CHECK = "keyring for the new (PENDING) and old (PREVIOUS) key"


async def current_key_problems(
    client: AnthropicClient,
    key: ManagedKey,
    secret: Secret | None,
    settings: Settings,
    admin: Secret | None = None,
) -> list[str]:
    """Validate the current key as step 1 will; anything but valid would stop the rotation there."""
    if secret is None:
        return []  # the "current key from …" check already says the value is missing
    result = await client.validate(
        key.name,
        secret,
        base_url=key.base_url,
        mode=settings.validation,
        ping_model=settings.ping_model,
        workspace=key.workspace,
        admin=admin,
    )
    if result.status is ValidationStatus.VALID:
        return []
    code = f"HTTP {result.http_status}" if result.http_status else str(result.status)
    said = f": {result.message}" if result.message else ""
    problem = f"the current key {secret.hint} answers {result.status} ({code}){said}"
    if result.status is ValidationStatus.INVALID:
        problem += (
            "; it is already revoked, expired or mistyped, so the rotation would stop at step 1. "
            f"Create a key in the Console and store it (`rotui key set {key.name}`), or run "
            f"`rotui doctor {key.name}`"
        )
    else:
        problem += f"; the rotation would stop at step 1 (`rotui doctor {key.name}` explains it)"
    return [problem]


async def keyring_problems(store: SecretStore) -> list[str]:
    """A usable keyring: the rotation keeps the new key and the old one there while it runs."""
    try:
        await asyncio.to_thread(store.keyring_backend_name)
    except SecretError as exc:
        return [
            f"{exc.title}: without a keyring a crash mid-rotation means pasting the new key "
            "again, and the old key is not kept to confirm its revocation. "
            f"{exc.message}"
        ]
    return []
