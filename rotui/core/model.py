"""The domain: managed keys, their consumers, validation results and freshness."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from rotui.core.holders.settings import HoldersSettings

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSIONS = ("2023-06-01", "2026-10-21")
CONSOLE_KEYS_URL = "https://platform.claude.com/settings/keys"
KEYRING_SERVICE = "rotui"


class Freshness(enum.StrEnum):
    FRESH = "fresh"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    UNKNOWN = "unknown"


class ValidationMode(enum.StrEnum):
    AUTH = "auth"  # GET /v1/models: authenticates, spends no tokens
    PING = "ping"  # POST /v1/messages with max_tokens 1: billed


class ValidationStatus(enum.StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    FORBIDDEN = "forbidden"
    NO_CREDIT = "no_credit"
    RATE_LIMITED = "rate_limited"
    OVERLOADED = "overloaded"
    SERVER_ERROR = "server_error"
    NETWORK_ERROR = "network_error"
    BAD_RESPONSE = "bad_response"
    NO_SECRET = "no_secret"
    # 400: an identity-linked key sent no anthropic-workspace-id header
    WORKSPACE_REQUIRED = "workspace_required"
    # a spend limit: the customer's own (400) or the tier's or contract's cap (429 with a code)
    SPEND_LIMIT = "spend_limit"

    @property
    def ok(self) -> bool:
        return self is ValidationStatus.VALID


class ConsumerKind(enum.StrEnum):
    HEROKU = "heroku"
    GITHUB = "github"
    INFISICAL = "infisical"
    ENV_FILE = "env-file"
    COMMAND = "command"
    MANUAL = "manual"


@dataclass(frozen=True)
class Consumer:
    """A downstream system that holds a copy of a key; kind-specific fields are kept as parsed."""

    name: str
    kind: ConsumerKind
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ManagedKey:
    """One API key rotui manages. Only ``name`` is required in the config."""

    name: str
    environment: str = ""
    workspace: str = "default"
    source: str = "keyring"
    created: dt.datetime | None = None
    cadence_days: int | None = None
    base_url: str | None = None
    consumers: tuple[Consumer, ...] = ()


@dataclass(frozen=True)
class Settings:
    cadence_days: int = 90
    warn_days: int = 14
    validation: ValidationMode = ValidationMode.AUTH
    ping_model: str = "claude-haiku-4-5"
    max_concurrency: int = 8
    admin_key: str | None = None
    admin_base_url: str = DEFAULT_BASE_URL  # the Admin key is sent here and nowhere else
    api_version: str = "2023-06-01"
    timeout_seconds: float = 30.0
    theme: str | None = None


@dataclass(frozen=True)
class Config:
    settings: Settings = field(default_factory=Settings)
    keys: tuple[ManagedKey, ...] = ()
    keymap: Mapping[str, str] = field(default_factory=dict)
    path: str | None = None
    holders: HoldersSettings = field(default_factory=HoldersSettings)
    fragments: tuple[str, ...] = ()  # files the main one includes, in load order
    notify_urls: tuple[str, ...] = ()  # [notify] urls: secret sources of apprise URLs
    notify_runs: bool = True  # [notify] runs: runs notify on start, waiting and end

    def key(self, name: str) -> ManagedKey | None:
        return next((k for k in self.keys if k.name == name), None)


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of checking one key against the API. Holds no secret, only its masked hint."""

    key: str
    status: ValidationStatus
    checked_at: dt.datetime
    mode: ValidationMode = ValidationMode.AUTH
    hint: str = ""
    http_status: int | None = None
    error_type: str | None = None
    message: str = ""
    error_code: str | None = None  # error.details.error_code, where the API sends one
    request_id: str | None = None
    organization_id: str | None = None
    workspace_id: str | None = None
    ratelimits: Mapping[str, str] = field(default_factory=dict)
    retry_after: float | None = None
    latency_ms: float | None = None
    attempts: int = 1

    def to_dict(self) -> dict[str, Any]:
        # A shallow copy: asdict's deep copy was most of the cost of saving 10,000 results.
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["status"] = str(self.status)
        data["mode"] = str(self.mode)
        data["checked_at"] = self.checked_at.isoformat()
        data["ratelimits"] = dict(self.ratelimits)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ValidationResult:
        values = dict(data)
        values["status"] = ValidationStatus(values["status"])
        values["mode"] = ValidationMode(values.get("mode", "auth"))
        checked = dt.datetime.fromisoformat(values["checked_at"])
        values["checked_at"] = checked if checked.tzinfo else checked.replace(tzinfo=dt.UTC)
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in values.items() if k in known})


@dataclass(frozen=True)
class RemoteKey:
    """A key as the Admin API describes it (never the value)."""

    id: str
    name: str
    status: str
    partial_key_hint: str
    created_at: dt.datetime | None
    # the deprecated top-level field when sent (None: the default workspace), else scope's id
    workspace_id: str | None = None
    expires_at: dt.datetime | None = None
    scope: str = ""  # "workspace", "organization" (identity-linked), "" when the API sent none
    scope_workspace_id: str | None = None  # scope.workspace_id: the real id, default included
    in_default_workspace: bool | None = None  # known only from the deprecated field (2023-06-01)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("created_at", "expires_at"):
            value = getattr(self, name)
            data[name] = value.isoformat() if value else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RemoteKey:
        def when(value: Any) -> dt.datetime | None:
            if not value:
                return None
            parsed = dt.datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)

        return cls(
            id=str(data["id"]),
            name=str(data.get("name", "")),
            status=str(data.get("status", "")),
            partial_key_hint=str(data.get("partial_key_hint", "")),
            created_at=when(data.get("created_at")),
            workspace_id=data.get("workspace_id"),
            expires_at=when(data.get("expires_at")),
            scope=str(data.get("scope") or ""),
            scope_workspace_id=data.get("scope_workspace_id"),
            in_default_workspace=data.get("in_default_workspace"),
        )


@dataclass(frozen=True)
class KeyAge:
    """How old a key is and when it is due, as of one day."""

    age_days: int | None
    due: dt.date | None
    due_in_days: int | None
    freshness: Freshness


def key_age(
    key: ManagedKey, settings: Settings, today: dt.date, created: dt.datetime | None = None
) -> KeyAge:
    """Age and due date from the remote ``created_at`` when known, else the configured ``created``."""
    created = created or key.created
    if created is None:
        return KeyAge(None, None, None, Freshness.UNKNOWN)
    cadence = key.cadence_days if key.cadence_days is not None else settings.cadence_days
    created_day = created.date()
    due = created_day + dt.timedelta(days=cadence)
    due_in = (due - today).days
    if due_in < 0:
        freshness = Freshness.OVERDUE
    elif due_in <= settings.warn_days:
        freshness = Freshness.DUE_SOON
    else:
        freshness = Freshness.FRESH
    return KeyAge(max((today - created_day).days, 0), due, due_in, freshness)


def base_url_for(key: ManagedKey, environ: Mapping[str, str]) -> str:
    """The key's ``base_url``, else ``$ANTHROPIC_BASE_URL``, else the public API."""
    if key.base_url:
        return key.base_url
    from_env = environ.get("ANTHROPIC_BASE_URL", "").strip()
    if not from_env:
        return DEFAULT_BASE_URL
    if not from_env.startswith(("http://", "https://")):
        from rotui.core.errors import UsageError

        raise UsageError(
            "ANTHROPIC_BASE_URL is not a URL",
            "it must start with http:// or https://; unset it to use " + DEFAULT_BASE_URL,
        )
    return from_env.rstrip("/")
