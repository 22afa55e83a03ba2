"""What a run stands on, injected: :class:`RotationDeps`, the key's lock, and the keyring names.

The journal, the audit, the secret store, the API client, the consumers' context and the clock
come in from outside (the service layer, a test, the demo), so the engine touches nothing it was
not given. The key's PENDING and PREVIOUS values live in the keyring under
:func:`pending_name` and :func:`previous_name`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from rotui.core.keynames import pending_name as pending_name
from rotui.core.keynames import previous_name as previous_name

if TYPE_CHECKING:
    from rotui.core.anthropic import AnthropicClient
    from rotui.core.audit import AuditLog
    from rotui.core.consumers.base import ConsumerAdapter, ConsumerContext
    from rotui.core.consumers.fields import ConsumerSpec
    from rotui.core.model import RemoteKey, Settings, ValidationResult
    from rotui.core.runs import Run, RunStore
    from rotui.core.secret import Secret, SecretStore

REVOKE_POLL_ATTEMPTS = 10
REVOKE_POLL_SECONDS = 3.0


class RunLock(Protocol):
    """The key's lock as the engine sees it: taken at the first write, never by looking."""

    @property
    def held(self) -> bool: ...

    def take(self, take_over: bool = False) -> None: ...


class HeldLock:
    """A lock the caller already holds for the engine's whole life (tests, one-shot tools)."""

    held = True

    def take(self, take_over: bool = False) -> None:
        return None


@dataclass
class RotationDeps:
    """Everything a rotation touches, injected so tests and the demo pass their own."""

    settings: Settings
    store: SecretStore
    client: AnthropicClient
    consumer_ctx: ConsumerContext
    runs: RunStore
    audit: AuditLog
    clock: Callable[[], dt.datetime]
    admin: Secret | None = None
    adapter_for: Callable[[ConsumerSpec], ConsumerAdapter] | None = None
    sleep: Callable[[float], Any] = asyncio.sleep
    revoke_poll_attempts: int = REVOKE_POLL_ATTEMPTS
    revoke_poll_seconds: float = REVOKE_POLL_SECONDS
    on_change: Callable[[Run], None] | None = None  # the wizard redraws on every journal write
    lock: RunLock | None = None  # None: the caller holds the key's lock
    # (event, run, detail): a run started, waits for a person, or ended; it must not raise or
    # block (Services sends in the background). Events: started, waiting, completed, rolled_back.
    notify: Callable[[str, Run, str], None] | None = None
    # A check of the key's value, for the state the dashboard reads; ``replaced``: the name now
    # holds a new key, so what was kept about the old one (its usage) no longer describes it.
    record: Callable[[ValidationResult, bool], None] | None = None
    # The key's Admin API record as the run changed it (the old key deactivated), kept where the
    # dashboard reads, so it never shows "active" next to a key this run killed.
    record_remote: Callable[[str, RemoteKey], None] | None = None


@dataclass(frozen=True)
class Precheck:
    """The read-only pre-check's outcome, kept in memory until a run starts (and journaled then)."""

    ok: bool
    detail: str
    at: str
    hint: str
    fingerprint: str
    result: ValidationResult
