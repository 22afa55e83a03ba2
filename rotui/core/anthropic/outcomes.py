"""Every HTTP outcome becomes a domain result here, and only here (:func:`classify`).

Codes and messages follow the official SDK, anthropic 2.14.0 (``src/anthropic/...``):
``_exceptions.py`` (``error.details.error_code``) and ``types/shared/*_error.py``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from sys import intern
from typing import Any

import httpx

from rotui.core.bounded_http import DeadlineExceeded
from rotui.core.errors import ProviderError
from rotui.core.model import ValidationStatus
from rotui.core.secret import redact

RATELIMIT_PREFIXES = ("anthropic-ratelimit-", "anthropic-priority-")
# Credit exhaustion has no error code in SDK 2.14.0 (types/shared/*_error_details.py): it is
# recognised by the 402 status, by a code where the API gives one, and by its message only as a
# fallback (the 400 many clients record, see /work/shared/reference/anthropic-api.md §2).
CREDIT_MESSAGE = "credit balance is too low"
CREDIT_CODES = frozenset(
    {
        # SDK types/shared/linked_organization_spend_limit_reached_error.py (402): "has reached a
        # spend limit that it set, or lacks credit for the request"
        "linked_organization_spend_limit_reached",
        "linked_organization_billing_unavailable",
    }
)
# A spend limit: SDK types/shared/enforced_spend_limit_reached_error.py (429, the tier's monthly
# cap) and contract_spend_limit_reached_error.py (429). The customer's own limit is a documented
# 400 invalid_request_error without a code in 2.14.0; its message begins as below
# (platform.claude.com/docs/en/api/errors, "spend limit reached").
SPEND_LIMIT_CODES = frozenset({"enforced_spend_limit_reached", "contract_spend_limit_reached"})
SPEND_LIMIT_MESSAGE = "you have reached your specified"
# The 400 an identity-linked key gets without the header (reference §5); no code in 2.14.0.
WORKSPACE_REQUIRED_MESSAGE = "anthropic-workspace-id is required"
# 400s with a code that say the key will not work again (SDK _error_classes.py ERROR_CLASSES):
# types/shared/claude_code_key_creator_not_member_error.py, "the user who created it is no
# longer a member of the organization or of that workspace".
DEAD_KEY_CODES = frozenset({"claude_code_key_creator_not_member"})
# types/shared/organization_on_hold_error.py: "Anthropic has disabled the organization for trust
# and safety reasons"; details.appeal_url, when present, is where to appeal. The key is fine.
ON_HOLD_CODE = "organization_on_hold"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Outcome:
    """The classified result of one HTTP exchange (after retries)."""

    status: ValidationStatus
    http_status: int | None = None
    error_type: str | None = None
    message: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    error_code: str | None = None
    body: Any = None
    retry_after: float | None = None
    latency_ms: float | None = None
    attempts: int = 1


def parse_retry_after(headers: Mapping[str, str], now: dt.datetime | None = None) -> float | None:
    """Seconds to wait, from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return float(raw_ms) / 1000
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max((when - (now or utcnow())).total_seconds(), 0.0)


def _error_envelope(body: Any) -> tuple[str, str, str | None] | None:
    """``error.type``, ``error.message`` and ``error.details.error_code`` (SDK _exceptions.py).

    An ``organization_on_hold`` error's ``details.appeal_url`` is added to the message.
    """
    if (
        isinstance(body, dict)
        and body.get("type") == "error"
        and isinstance(body.get("error"), dict)
    ):
        error = body["error"]
        details = error.get("details")
        code = details.get("error_code") if isinstance(details, dict) else None
        message = str(error.get("message", ""))
        appeal = details.get("appeal_url") if isinstance(details, dict) else None
        if code == ON_HOLD_CODE and isinstance(appeal, str) and appeal:
            message += f" (appeal: {appeal})"
        return (
            str(error.get("type", "")),
            redact(message)[:500],
            code if isinstance(code, str) and code else None,
        )
    return None


def classify_error(code: int, error_type: str, message: str, error_code: str | None) -> str:
    """The status of an API error body: by its code first, by its message only as a fallback."""
    lowered = message.lower()
    if code == 401 or error_code in DEAD_KEY_CODES:
        return ValidationStatus.INVALID
    if error_code == ON_HOLD_CODE:
        return ValidationStatus.FORBIDDEN
    if error_code in SPEND_LIMIT_CODES:
        return ValidationStatus.SPEND_LIMIT
    if code == 402 or error_code in CREDIT_CODES:
        return ValidationStatus.NO_CREDIT
    if code == 403:
        return ValidationStatus.FORBIDDEN
    if code == 400:
        if WORKSPACE_REQUIRED_MESSAGE in lowered:
            return ValidationStatus.WORKSPACE_REQUIRED
        if error_code is None and lowered.startswith(SPEND_LIMIT_MESSAGE):
            return ValidationStatus.SPEND_LIMIT
        if error_code is None and CREDIT_MESSAGE in lowered:
            return ValidationStatus.NO_CREDIT
        return ValidationStatus.BAD_RESPONSE
    if code == 429:
        return ValidationStatus.RATE_LIMITED
    if code == 529:
        return ValidationStatus.OVERLOADED
    if code >= 500:
        return ValidationStatus.SERVER_ERROR
    return ValidationStatus.BAD_RESPONSE


def _describe_non_json(response: httpx.Response) -> str:
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    if "html" in kind:
        origin = "probably a proxy, gateway or captive portal, not the Anthropic API"
    else:
        origin = "not the JSON the Anthropic API sends"
    return f"HTTP {response.status_code} with a {kind} body: {origin}"


def classify(response: httpx.Response, expect: Callable[[Any], bool]) -> Outcome:
    """The one place where an HTTP response becomes a validation status."""
    code = response.status_code
    try:
        body: Any = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        if code == 529:
            return Outcome(ValidationStatus.OVERLOADED, code, None, _describe_non_json(response))
        if code >= 500:  # a gateway's error page: still the provider's side, and retried
            return Outcome(ValidationStatus.SERVER_ERROR, code, None, _describe_non_json(response))
        return Outcome(ValidationStatus.BAD_RESPONSE, code, None, _describe_non_json(response))
    envelope = _error_envelope(body)
    if code == 200:
        if expect(body):
            return Outcome(ValidationStatus.VALID, code, body=body)
        return Outcome(
            ValidationStatus.BAD_RESPONSE,
            code,
            None,
            "HTTP 200 but the body is not what the API sends",
        )
    if envelope is None:
        return Outcome(
            ValidationStatus.BAD_RESPONSE, code, None, f"HTTP {code} without the API's error body"
        )
    error_type, message, error_code = envelope
    status = ValidationStatus(classify_error(code, error_type, message, error_code))
    return Outcome(status, code, error_type, message, error_code=error_code)


def describe_transport_error(exc: httpx.TransportError, timeout: float) -> tuple[str, str]:
    """A short kind and a sentence for a network failure: DNS, refused, TLS, timeout or reset."""
    import socket
    import ssl

    if isinstance(exc, httpx.LocalProtocolError):
        # Raised while building the request, and its text can quote a header value: never show it.
        return "local", "the request could not be built (a header value is malformed)"
    causes = _causes(exc)
    texts = list(dict.fromkeys(str(c) for c in causes if str(c)))
    text = redact("; ".join(texts))
    lowered = text.lower()
    if isinstance(exc, DeadlineExceeded):
        return "timeout", f"{exc} in all (a stalled or trickling server)"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", f"no answer within {timeout:g} s ({type(exc).__name__})"
    if isinstance(exc, httpx.ProxyError):
        return "proxy", f"the proxy refused the connection: {text}"
    if any(isinstance(c, socket.gaierror) for c in causes) or any(
        s in lowered
        for s in ("name or service not known", "nodename nor servname", "name resolution")
    ):
        return "dns", f"DNS lookup failed: {text}"
    if any(isinstance(c, ssl.SSLError) for c in causes) or "certificate" in lowered:
        return "tls", f"TLS handshake failed: {text}"
    if any(isinstance(c, ConnectionRefusedError) for c in causes) or "refused" in lowered:
        return "connect", f"connection refused: {text}"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "reset", f"the connection closed mid-response: {text or type(exc).__name__}"
    return "network", f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 6:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def is_models_page(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("data"), list)


def is_message(body: Any) -> bool:
    return isinstance(body, dict) and body.get("type") == "message"


def ratelimits(headers: Mapping[str, str]) -> dict[str, str]:
    # Header names repeat in every result: one shared string each (validate-all of 2,000 keys).
    return {intern(k): v for k, v in headers.items() if k.startswith(RATELIMIT_PREFIXES)}


def admin_error(outcome: Outcome) -> ProviderError:
    """A clear error for an Admin API call that did not succeed."""
    what = {
        ValidationStatus.INVALID: "the Admin API key was refused (401): check settings.admin_key",
        ValidationStatus.FORBIDDEN: "the Admin API key lacks permission (403)",
        ValidationStatus.RATE_LIMITED: "the Admin API is rate limiting (429)",
        ValidationStatus.NETWORK_ERROR: "the Admin API could not be reached",
    }.get(outcome.status, f"the Admin API answered {outcome.status}")
    detail = (
        f"{outcome.message} (HTTP {outcome.http_status})"
        if outcome.http_status
        else outcome.message
    )
    return ProviderError(what, detail)
