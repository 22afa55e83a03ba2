"""What the diagnoses need from a configured rotui, as a protocol the core owns.

``rotui.services.Services`` satisfies it; the core never imports the service layer, so the flows
depend only on these members (read-only: the diagnoses change nothing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from rotui.core.anthropic import AnthropicClient
    from rotui.core.model import Config, ManagedKey, RemoteKey, ValidationResult
    from rotui.core.runs import RunStore
    from rotui.core.secret import SecretStore


class Dirs(Protocol):
    """Where the state and the audit log live."""

    @property
    def state_dir(self) -> Path: ...

    @property
    def data_dir(self) -> Path: ...


class Saved(Protocol):
    """The last saved state, as far as the diagnoses read it."""

    @property
    def remote(self) -> Mapping[str, RemoteKey]: ...

    @property
    def results(self) -> Mapping[str, ValidationResult]: ...


class TroubleshootDeps(Protocol):
    """Config, dirs, secret store, clock and the API client: all a flow may use."""

    @property
    def config(self) -> Config: ...

    @property
    def paths(self) -> Dirs: ...

    @property
    def store(self) -> SecretStore: ...

    @property
    def environ(self) -> Mapping[str, str]: ...

    @property
    def clock(self) -> Callable[[], dt.datetime]: ...

    @property
    def trust_env(self) -> bool: ...

    def keys(self, names: Sequence[str] = ()) -> list[ManagedKey]: ...

    def snapshot(self) -> Saved: ...

    def runs(self) -> RunStore: ...

    def client(self) -> tuple[Any, AnthropicClient]: ...
