"""Words and symbols for states, so nothing depends on colour alone (NO_COLOR stays readable)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from rich.style import Style

from rotui.core.model import Freshness, ValidationResult, ValidationStatus

FRESHNESS = {
    Freshness.FRESH: ("✓", "fresh", "success"),
    Freshness.DUE_SOON: ("!", "due soon", "warning"),
    Freshness.OVERDUE: ("✗", "overdue", "error"),
    Freshness.UNKNOWN: ("?", "unknown", "foreground-muted"),
}

STATUS_LABELS = {
    ValidationStatus.VALID: "valid",
    ValidationStatus.INVALID: "invalid",
    ValidationStatus.FORBIDDEN: "forbidden",
    ValidationStatus.NO_CREDIT: "no credit",
    ValidationStatus.RATE_LIMITED: "rate limited",
    ValidationStatus.OVERLOADED: "overloaded",
    ValidationStatus.SERVER_ERROR: "server error",
    ValidationStatus.NETWORK_ERROR: "network error",
    ValidationStatus.BAD_RESPONSE: "bad response",
    ValidationStatus.NO_SECRET: "no secret",
    ValidationStatus.WORKSPACE_REQUIRED: "needs workspace",
    ValidationStatus.SPEND_LIMIT: "spend limit",
}

STATUS_EXPLAINED = {
    ValidationStatus.VALID: "the key authenticates",
    ValidationStatus.INVALID: "401: revoked, deleted, expired or mistyped",
    ValidationStatus.FORBIDDEN: "403: the key lacks permission (workspace or organization settings)",
    ValidationStatus.NO_CREDIT: "the organization is out of credit or has a billing problem",
    ValidationStatus.RATE_LIMITED: "429: rate limited, or a spend cap when there is no retry-after",
    ValidationStatus.OVERLOADED: "529: the API is overloaded for everyone; retry later",
    ValidationStatus.SERVER_ERROR: "5xx: a problem on the provider's side; retry later",
    ValidationStatus.NETWORK_ERROR: "the API could not be reached (DNS, proxy, TLS or timeout)",
    ValidationStatus.BAD_RESPONSE: "the answer was not the API's JSON (a proxy or gateway?)",
    ValidationStatus.NO_SECRET: "the key's source gave no value",
    ValidationStatus.WORKSPACE_REQUIRED: "400: an identity-linked key must name its workspace "
    '(workspace = "wrkspc_…" or a workspace name)',
    ValidationStatus.SPEND_LIMIT: "a spend limit was reached (yours, the tier's or the contract's)",
}


def status_style(status: ValidationStatus) -> str:
    if status is ValidationStatus.VALID:
        return "success"
    if status in (
        ValidationStatus.RATE_LIMITED,
        ValidationStatus.OVERLOADED,
        ValidationStatus.SERVER_ERROR,
    ):
        return "warning"
    return "error"


def status_symbol(status: ValidationStatus) -> str:
    return "✓" if status is ValidationStatus.VALID else "✗"


def ago(when: dt.datetime, now: dt.datetime) -> str:
    """Compact relative time: ``just now``, ``5m ago``, ``3h ago``, ``2d ago``."""
    seconds = max((now - when).total_seconds(), 0)
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return "just now"


def last_check(result: ValidationResult | None, now: dt.datetime) -> tuple[str, str]:
    """The table's "last check" cell and its theme variable."""
    if result is None:
        return "– never", "foreground-muted"
    label = STATUS_LABELS[result.status]
    when = ago(result.checked_at, now).removesuffix(" ago").replace("just now", "now")
    return f"{status_symbol(result.status)} {label} {when}", status_style(result.status)


def theme_style(variables: Mapping[str, str], variable: str) -> Style:
    """A Rich style coloured by a theme variable such as ``error`` (never a hard-coded colour)."""
    from textual.color import Color, ColorParseError

    value = variables.get(variable)
    if not value:
        return Style()
    try:
        return Style(color=Color.parse(value).rich_color)
    except ColorParseError:
        return Style()
