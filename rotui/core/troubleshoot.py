"""Guided diagnoses for `rotui doctor` and the troubleshooting screen: live checks, plain answers.

Each flow checks something real (the API, the Admin API, the run journal, the consumers, the
host) and returns :class:`Diagnosis` objects: what was checked, the evidence, the likely cause and
the next steps. Nothing here writes state, the audit log or a consumer. Heavy imports (httpx, the
consumer adapters) happen inside the flows, so the CLI can import this module at start-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from rotui.core.errors import ConfigError, KeyringUnavailable, RotuiError, UsageError
from rotui.core.model import (
    CONSOLE_KEYS_URL,
    DEFAULT_BASE_URL,
    ManagedKey,
    RemoteKey,
    ValidationMode,
    ValidationResult,
    ValidationStatus,
)

if TYPE_CHECKING:
    import httpx

    from rotui.core.anthropic import AnthropicClient
    from rotui.core.consumers.base import ConsumerAdapter, VerifyOutcome
    from rotui.core.runs import Run
    from rotui.core.secret import Secret
    from rotui.services import Services

Severity = Literal["ok", "warning", "problem"]
SEVERITY_LABELS: dict[str, str] = {"ok": "✓ OK", "warning": "! WARNING", "problem": "✗ PROBLEM"}
BILLING_URL = "https://platform.claude.com/settings/billing"
LIMITS_URL = "https://platform.claude.com/settings/limits"
STATUS_URL = "https://status.anthropic.com"
SUPPORT_URL = "https://support.claude.com"
PROXY_VARS = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")
CLOCK_SKEW_LIMIT = 60.0
PROPAGATION_MINUTES = 10
SPIKE_FACTOR = 3
USAGE_DAYS = 7
BEARER_NOTE = (
    "SDKs released since 2026-10-21 send the key as Authorization: Bearer, not X-Api-Key; a proxy "
    "or gateway in front of such a client that reads only X-Api-Key answers 401 although the key "
    "is fine"
)


@dataclass
class Diagnosis:
    """One finding, shaped for a person under stress: what, why, and what to do next."""

    title: str
    checked: str
    evidence: list[str] = field(default_factory=list)
    cause: str = ""
    next_steps: list[str] = field(default_factory=list)
    severity: Severity = "ok"
    flow: str = ""
    key: str | None = None

    def __post_init__(self) -> None:
        from rotui.core.secret import redact

        # Every text goes through redact: an error body or a command's stderr may quote a key.
        self.title, self.checked, self.cause = map(redact, (self.title, self.checked, self.cause))
        self.evidence = [redact(line) for line in self.evidence]
        self.next_steps = [redact(line) for line in self.next_steps]

    @property
    def label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


FlowRunner = Callable[["Services", "str | None"], Awaitable[list[Diagnosis]]]


@dataclass(frozen=True)
class Flow:
    """A troubleshooting flow as the CLI (``--flow ID``) and the screen list it."""

    id: str
    title: str
    description: str
    run: FlowRunner
    needs_key: bool = True


# Evidence helpers --------------------------------------------------------------------------------


def _source(key: ManagedKey) -> str:
    """The key's source without the arguments a command may carry."""
    return key.source.split(" ")[0]


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).hostname or url


def _hostport(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return parts.hostname or url
    return f"{parts.hostname}:{port}"


def _proxy_shown(value: str) -> str:
    """A proxy URL as ``scheme://host:port``: never its user name or password."""
    parts = urllib.parse.urlsplit(value if "://" in value else "http://" + value)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{parts.hostname}{port}" if parts.hostname else "set, not a URL"


def _bypassed(host: str, no_proxy: str) -> bool:
    for entry in (e.strip().lstrip(".").lower() for e in no_proxy.split(",")):
        if entry == "*" or (entry and (host == entry or host.endswith("." + entry))):
            return True
    return False


def proxy_lines(services: Services, base_url: str) -> list[str]:
    """The proxy variables rotui's HTTP client sees: names and hosts, never credentials."""
    shown, no_proxy = [], ""
    for name in PROXY_VARS:
        for variant in (name, name.lower()):
            value = services.environ.get(variant, "").strip()
            if value and name == "NO_PROXY":
                no_proxy = value
                shown.append(f"{variant}={value[:200]}")
            elif value:
                shown.append(f"{variant}={_proxy_shown(value)}")
    if not shown:
        return ["no proxy variables set (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY)"]
    if not services.trust_env:
        shown.append("rotui ignores them in this session (trust_env off)")
    elif no_proxy and _bypassed(_host(base_url).lower(), no_proxy):
        shown.append(f"{_host(base_url)} is in NO_PROXY: rotui connects to it directly")
    return ["proxy environment: " + "; ".join(shown)]


def _result_lines(result: ValidationResult) -> list[str]:
    lines = []
    if result.http_status is not None:
        said = f"{result.error_type}: " if result.error_type else ""
        lines.append(f"HTTP {result.http_status} {said}{result.message}".rstrip(": "))
    elif result.message:
        lines.append(f"{result.error_type or 'error'}: {result.message}")
    if result.request_id:
        lines.append(f"request id {result.request_id}")
    if result.organization_id or result.workspace_id:
        workspace = result.workspace_id or "default (no workspace header)"
        lines.append(f"organization {result.organization_id or '?'}, workspace {workspace}")
    if result.status is ValidationStatus.RATE_LIMITED:
        after = result.retry_after
        lines.append(f"retry-after: {after:g} s" if after is not None else "no retry-after header")
        lines += [f"{k}: {v}" for k, v in sorted(result.ratelimits.items()) if "-remaining" in k]
    if result.attempts > 1:
        lines.append(f"{result.attempts} attempts (retried)")
    return lines


ADMIN_STATUS = {
    "inactive": "inactive: deactivated in the Console or through the Admin API (reversible)",
    "archived": "archived: deleted in the Console, it cannot be restored",
    "expired": "expired: past the expiry date chosen when it was created",
}


def _record_line(record: RemoteKey) -> str:
    status = ADMIN_STATUS.get(record.status, record.status or "of unknown status")
    expiry = f"; expiry {record.expires_at:%Y-%m-%d %H:%M} UTC" if record.expires_at else ""
    workspace = record.workspace_id or "default"
    return f"Admin API: {record.id} “{record.name}” is {status}{expiry}; workspace {workspace}"


async def _read(services: Services, source: str, username: str) -> tuple[Secret | None, str]:
    """A value from a source, or why there is none (a source's failure is evidence, not a crash)."""
    try:
        return await services.store.aread(source, username), ""
    except RotuiError as exc:
        return None, str(exc)


async def _admin_secret(services: Services) -> tuple[Secret | None, str]:
    from rotui.core.validation import read_admin_key

    if not services.config.settings.admin_key:
        return None, ""
    try:
        return await read_admin_key(services.config.settings, services.store), ""
    except RotuiError as exc:
        return None, f"Admin API not consulted: {exc}"


async def _admin_record(
    services: Services, client: AnthropicClient, secret: Secret, base_url: str | None
) -> tuple[RemoteKey | None, list[str]]:
    """The Admin API's record of a key, matched by hint, with a line of evidence."""
    from rotui.core.anthropic import match_remote

    admin, why = await _admin_secret(services)
    if admin is None:
        return None, [why] if why else []
    try:
        record = match_remote(secret, await client.list_api_keys(admin, base_url=base_url))
    except RotuiError as exc:
        return None, [f"Admin API not consulted: {exc}"]
    if record is None:
        return None, [
            f"the Admin API lists no key with hint {secret.partial_key_hint}: deleted, in another "
            "organization, or the value is mistyped"
        ]
    return record, [_record_line(record)]


def _bearer_auth(secret: Secret) -> httpx.Auth:
    import httpx

    class BearerAuth(httpx.Auth):
        """The key as ``Authorization: Bearer``, added at the last moment like ``x-api-key``."""

        def auth_flow(self, request: httpx.Request) -> Any:
            request.headers["authorization"] = "Bearer " + secret.reveal()
            yield request

        def __repr__(self) -> str:
            return f"BearerAuth({secret!r})"

    return BearerAuth()


async def _get_models(
    services: Services, http: httpx.AsyncClient, base: str, auth: httpx.Auth | None
) -> tuple[Any, tuple[str, str]]:
    """GET /v1/models (no tokens): the response, or the failure's kind and sentence."""
    import httpx

    from rotui.core.anthropic import describe_transport_error

    settings = services.config.settings
    try:
        response = await http.get(
            base.rstrip("/") + "/v1/models",
            params={"limit": 1},
            headers={"anthropic-version": settings.api_version, "accept": "application/json"},
            auth=auth or httpx.USE_CLIENT_DEFAULT,
            timeout=settings.timeout_seconds,
        )
    except httpx.TransportError as exc:
        return None, describe_transport_error(exc, settings.timeout_seconds)
    return response, ("", "")


def _classify(response: Any) -> Any:
    from rotui.core.anthropic import classify

    return classify(response, lambda b: isinstance(b, dict) and isinstance(b.get("data"), list))


# "My key stopped working" ------------------------------------------------------------------------

EXPLAINED: dict[str, tuple[str, list[str], Severity]] = {
    "no_credit": (
        "Billing, not the key: the organization has no credit left or a billing problem (HTTP "
        "{code}). Every key of the organization fails the same way.",
        [
            f"Open Plans & Billing in the Console ({BILLING_URL}): add credit or fix the payment method",
            "No rotation is needed: the key itself is fine",
            "Then check again: `rotui validate {name}`",
        ],
        "problem",
    ),
    "forbidden": (
        "The key authenticates but lacks permission (403): the workspace's settings, the "
        "organization's access, or a model or feature the key's workspace may not use.",
        [
            f"Check the key's workspace at {CONSOLE_KEYS_URL}; it is configured as “{{workspace}}”",
            "`rotui doctor {name} --flow workspace` compares it with its environment's keys",
            "In the wrong workspace: create a key in the right one and rotate to it",
        ],
        "problem",
    ),
    "rate_limited": (
        "Rate limited (429 with retry-after {after:g} s): too many requests or tokens per minute "
        "for the key's workspace or usage tier. It clears by itself.",
        [
            "Wait {after:g} s and retry; clients should honour retry-after",
            "If it persists: lower the concurrency of the clients sharing the workspace, or ask "
            f"for higher limits ({LIMITS_URL})",
            "A sharp jump in traffic can hit acceleration limits: ramp up gradually",
        ],
        "warning",
    ),
    "spend_cap": (
        "A spend cap, not a rate limit (429 without retry-after): the usage tier's monthly spend "
        "cap or a workspace spend limit was reached. It keeps failing until access resumes or "
        "the limit is raised.",
        [
            f"Check the limits in the Console ({LIMITS_URL}): raise the workspace spend limit or "
            "move up a usage tier",
            "Do not retry in a loop: it does not clear by itself",
            "`rotui doctor {name} --flow usage` shows which keys spent the tokens",
        ],
        "problem",
    ),
    "overloaded": (
        "The provider's side, not the key: the API is overloaded for everyone (529).",
        ["Retry later with backoff (rotui tried {attempts} times)", f"Check {STATUS_URL}"],
        "warning",
    ),
    "server_error": (
        "The provider's side, not the key: a server error (HTTP {code}).",
        ["Retry later with backoff (rotui tried {attempts} times)", f"Check {STATUS_URL}"],
        "warning",
    ),
    "html": (
        "Something other than the Anthropic API answered: an HTML page or broken JSON usually "
        "comes from a proxy, captive portal or gateway (a login or block page).",
        [
            "Open {base} in a browser on this machine: a login or block page means the network "
            "intercepts the traffic",
            "Check the proxy environment above, or set NO_PROXY for the API's host",
        ],
        "problem",
    ),
    "http_400": (
        "The API refused the request (400): with an auth check this is rarely the key; a spend "
        "limit you set was reached, or settings.api_version is not one the API knows.",
        [f"Check the limits ({LIMITS_URL}) and settings.api_version"],
        "problem",
    ),
    "http_404": (
        "Nothing is at that address on {base} (404): base_url is probably wrong (it must not end "
        "in /v1); a disabled key is also reported to answer 404.",
        ["Check base_url: {base}", f"Find the key by its hint {{hint}} at {CONSOLE_KEYS_URL}"],
        "problem",
    ),
    "dns": (
        "The host name {host} did not resolve (DNS): this machine is offline, its DNS fails, "
        "base_url has a typo, or the network resolves names only through a proxy.",
        [
            "Check the host name in base_url (or $ANTHROPIC_BASE_URL): {host}",
            "Try `getent hosts {host}` (or `nslookup {host}`) on this machine",
            "Behind a corporate proxy, set HTTPS_PROXY (see the proxy environment above)",
        ],
        "problem",
    ),
    "connect": (
        "Nothing accepted the connection at {hostport} (refused): a wrong base_url or port, a "
        "local proxy or gateway that is not running, or a firewall.",
        [
            "Check base_url: {base}",
            "If a local gateway or proxy should listen there, start it",
            "Check the proxy environment above: a dead proxy refuses every connection",
        ],
        "problem",
    ),
    "proxy": (
        "The proxy refused the connection or the tunnel: a wrong proxy address, or a proxy that "
        "needs authentication or blocks {host}.",
        [
            "Check HTTPS_PROXY / HTTP_PROXY (shown above without credentials)",
            "Add {host} to NO_PROXY if it must be reached directly",
        ],
        "problem",
    ),
    "tls": (
        "The TLS handshake failed: usually a TLS-inspecting (corporate) proxy whose certificate "
        "authority this machine does not trust, or a clock far off.",
        [
            "Install the proxy's CA certificate and point SSL_CERT_FILE at the bundle",
            "Check the clock: `rotui doctor` compares it with the API's",
        ],
        "problem",
    ),
    "timeout": (
        "No answer within {timeout:g} s: a slow or blocked network, a proxy holding the "
        "connection, or a firewall dropping packets.",
        [
            "Retry; if the network is slow, raise settings.timeout_seconds",
            "Check the proxy environment above",
        ],
        "problem",
    ),
    "reset": (
        "The connection closed in the middle of the answer: a proxy, firewall or load balancer "
        "cut it, or the network dropped.",
        ["Retry", "If it keeps happening, check the proxy or firewall between here and {host}"],
        "problem",
    ),
    "local": (
        "The request could not be built: the stored key or settings.api_version holds "
        "characters an HTTP header cannot carry.",
        ["Store the key again as one clean line: `rotui key set {name}`"],
        "problem",
    ),
    "network": (
        "The API could not be reached at {host}.",
        ["Check the network and the proxy environment above", "Retry"],
        "problem",
    ),
}

PROXY_TOPICS = frozenset({"html", "dns", "connect", "proxy", "tls", "timeout", "reset", "network"})
INVALID_CAUSES = {
    "inactive": "The key was deactivated (Admin API status inactive): someone revoked it in the "
    "Console or through the Admin API.",
    "archived": "The key was deleted in the Console (Admin API status archived); a deleted key "
    "cannot be restored.",
    "expired": "The key expired (Admin API status expired).",
    "active": "The Admin API lists the key as active, yet the API refuses it: the value rotui "
    "holds differs from the real key (mistyped, cut short), or a gateway refuses the header.",
    "": "The API refused the key (401): it was revoked, deleted or expired, or the value is "
    "mistyped or was pasted with whitespace, or it was sent with the wrong header.",
}


def _topic(result: ValidationResult) -> str:
    """Which explanation fits a result that is neither valid nor a 401."""
    status = result.status
    if status is ValidationStatus.RATE_LIMITED:
        return "rate_limited" if result.retry_after is not None else "spend_cap"
    if status is ValidationStatus.NETWORK_ERROR:
        return result.error_type if result.error_type in EXPLAINED else "network"
    if status is ValidationStatus.BAD_RESPONSE:
        return {400: "http_400", 404: "http_404"}.get(result.http_status or 0, "html")
    return str(status)


def _explain(
    key: ManagedKey, result: ValidationResult, record: RemoteKey | None, hint: str, timeout: float
) -> tuple[str, list[str], Severity]:
    """The likely cause, next steps and severity of one validation result."""
    name, base = key.name, key.base_url or DEFAULT_BASE_URL
    if result.status is ValidationStatus.VALID:
        steps = [
            f"If an application still gets 401 with this key, check how it sends it: {BEARER_NOTE}",
            f"Compare the key the application holds with this one by its hint {hint}: "
            f"`rotui doctor {name} --flow consumers` checks the consumers",
        ]
        if result.mode is ValidationMode.AUTH:
            steps.append(
                "This check lists models and spends no tokens, so it does not prove the "
                f"organization has credit: `rotui validate {name} --ping` does (1 token, billed)"
            )
        if record is not None and record.status != "active":
            return (
                f"The key works, yet the Admin API lists it as {record.status}.",
                steps,
                "warning",
            )
        return "The key works: the API accepted it.", steps, "ok"
    if result.status is ValidationStatus.INVALID:
        cause = INVALID_CAUSES[record.status if record and record.status in INVALID_CAUSES else ""]
        steps = [
            f"Find the key by its hint {hint} at {CONSOLE_KEYS_URL}: is it still active?",
            f"Revoked, deleted or expired: rotate to a new key (`rotui rotate {name}`, r on the dashboard)",
            f"If it may have leaked (secret scanning can revoke a leaked key): `rotui revoke {name}`",
            f"If the Console shows it active: store it again in one line, without spaces or quotes (`rotui key set {name}`)",
            "Behind a proxy or gateway: make it forward the header the client sends, X-Api-Key "
            "(rotui, older SDKs) or Authorization: Bearer (SDKs since 2026-10-21)",
        ]
        return cause, steps, "problem"
    cause, steps, severity = EXPLAINED[_topic(result)]
    values = {
        "name": name,
        "base": base,
        "host": _host(base),
        "hostport": _hostport(base),
        "hint": hint,
        "workspace": key.workspace,
        "code": result.http_status,
        "after": result.retry_after or 0.0,
        "attempts": result.attempts,
        "timeout": timeout,
    }
    cause, steps = cause.format(**values), [s.format(**values) for s in steps]
    if result.status is ValidationStatus.SERVER_ERROR and "proxy" in result.message:
        cause += " The error page is not the API's JSON: a proxy or gateway on the way failed."
    return cause, steps, severity


def _no_secret(key: ManagedKey, why: str, checked: str) -> Diagnosis:
    if key.source == "keyring":
        where, steps = (
            f"the keyring entry rotui/{key.name}",
            [f"Store the key: `rotui key set {key.name}`"],
        )
    elif key.source.startswith("env:"):
        var = key.source[4:]
        where, steps = (
            f"the environment variable {var} (unset or empty for rotui)",
            [f"Export {var} in the environment rotui runs in"],
        )
    else:
        where = f"the command {_source(key)} (it printed nothing)"
        steps = ["Run the command yourself: it must print the key alone on one line"]
    cause = f"rotui got no value from {where}, so there was nothing to send."
    if "keyring unavailable" in why:
        cause = "There is no usable keyring on this host, so the key cannot be read from it."
        steps.append('Or use source = "env:VAR" or "command:..." for this key')
    elif "did not answer" in why:
        cause = (
            "The keyring did not answer in time, so the key could not be read; it may well be "
            "stored. A locked Secret Service can wait for a password on a desktop you cannot see."
        )
        steps = [
            "Unlock the keyring (on a desktop session, or `gnome-keyring-daemon --unlock`), or "
            "check it with `python -m keyring diagnose`",
            f'Or give {key.name} a source that needs no keyring: "env:VAR" or "command:..."',
        ]
    elif "whitespace" in why:
        cause = "The stored value is not a usable key: it was pasted with whitespace, quotes or a line break."
        steps = [f"Store it again as one unbroken line: `rotui key set {key.name}`"]
    evidence = [f"source: {where}", *([why] if why else [])]
    title = f"My key stopped working · {key.name}"
    return Diagnosis(title, checked, evidence, cause, steps, "problem", "key", key.name)


async def diagnose_key(services: Services, name: str) -> Diagnosis:
    """Validate one key and explain the answer, so the operator gets a cause, not a status code."""
    from rotui.core.secret import check_api_key, check_usable_api_key

    [key] = services.keys([name])
    settings = services.config.settings
    base = key.base_url or DEFAULT_BASE_URL
    how = "GET /v1/models, no tokens" if settings.validation is ValidationMode.AUTH else "billed"
    checked = f"read {name} from {_source(key)} and validated it against {base} ({how})"
    secret, why = await _read(services, key.source, name)
    if secret is not None:
        try:
            check_usable_api_key(secret, f"{name} (source {_source(key)})")
        except RotuiError as exc:
            secret, why = None, str(exc)
    if secret is None:
        return _no_secret(key, why, checked)
    evidence = [f"key {secret.hint} from {_source(key)}"]
    try:
        evidence += check_api_key(secret.reveal()).warnings
    except RotuiError as exc:
        evidence.append(f"the value does not look like an API key: {exc}")
    gateway = base.rstrip("/") != DEFAULT_BASE_URL
    probe = ""
    http, client = services.client()
    async with http:
        result = await client.validate(
            name,
            secret,
            base_url=key.base_url,
            mode=settings.validation,
            ping_model=settings.ping_model,
        )
        record, admin_lines = await _admin_record(services, client, secret, key.base_url)
        if gateway and result.status in (ValidationStatus.VALID, ValidationStatus.INVALID):
            response, failed = await _get_models(services, http, base, _bearer_auth(secret))
            probe = str(_classify(response).status) if response is not None else failed[1]
    evidence += _result_lines(result) + admin_lines
    cause, steps, severity = _explain(key, result, record, secret.hint, settings.timeout_seconds)
    if probe:
        evidence.append(
            f"header check at {base}: X-Api-Key → {result.status}; Authorization: Bearer → {probe}"
        )
    explained = record is not None and record.status != "active"
    if result.status is ValidationStatus.VALID and probe == "invalid":
        cause = (
            f"The key works with X-Api-Key, but the gateway at {base} refuses it as "
            f"Authorization: Bearer: {BEARER_NOTE}. That is what happens here."
        )
        severity = "warning"
    elif result.status is ValidationStatus.INVALID and probe == "valid":
        cause = (
            f"The key is fine, but the gateway at {base} reads only Authorization: Bearer; rotui "
            "sends X-Api-Key, so the 401 comes from the header, not the key."
        )
    elif (
        result.status is ValidationStatus.INVALID
        and gateway
        and not explained
        and probe != "invalid"
    ):
        cause += f" base_url is not the public API: the 401 may come from the gateway at {base}."
    if _topic(result) in PROXY_TOPICS or (
        result.status is ValidationStatus.SERVER_ERROR and "proxy" in result.message
    ):
        evidence += proxy_lines(services, base)
    title = f"My key stopped working · {name}"
    return Diagnosis(title, checked, evidence, cause, steps, severity, "key", name)


# "My old key still works after revocation" -------------------------------------------------------


def _last_run(services: Services, name: str) -> Run | None:
    from rotui.core.runs import RunStatus

    done = (RunStatus.COMPLETED, RunStatus.ACTIVE)
    runs = [r for r in services.runs().all() if r.key == name and r.status in done]
    return runs[-1] if runs else None


def _minutes_since(iso: Any, now: dt.datetime) -> float | None:
    try:
        then = dt.datetime.fromisoformat(str(iso)) if iso else None
    except ValueError:
        return None
    if then is None:
        return None
    then = then if then.tzinfo else then.replace(tzinfo=dt.UTC)
    return max((now - then).total_seconds() / 60, 0.0)


async def _old_record(
    services: Services,
    client: AnthropicClient,
    key: ManagedKey,
    facts: Mapping[str, Any],
    old: Secret | None,
) -> tuple[RemoteKey | None, str]:
    """The retired key's Admin record: by the id the run noted, else by its hint."""
    admin, why = await _admin_secret(services)
    hint = old.partial_key_hint if old else str(facts.get("current_hint") or "").replace("…", "...")
    if admin is None or not (facts.get("current_remote_id") or hint):
        return None, why
    try:
        if facts.get("current_remote_id"):
            record: RemoteKey | None = await client.get_api_key(
                admin, str(facts["current_remote_id"]), base_url=key.base_url
            )
        else:
            remote = await client.list_api_keys(admin, base_url=key.base_url)
            record = next((r for r in remote if r.partial_key_hint == hint), None)
    except RotuiError as exc:
        return None, f"Admin API not consulted: {exc}"
    return record, _record_line(record) if record else "the Admin API does not list the old key"


async def diagnose_old_key_still_works(services: Services, name: str) -> Diagnosis:
    """Check the key a rotation retired: does it still authenticate, and what the Admin API says."""
    import asyncio

    from rotui.core.rotation import previous_name

    [key] = services.keys([name])
    run = await asyncio.to_thread(_last_run, services, name)
    facts: Mapping[str, Any] = run.facts if run is not None else {}
    new_hint = facts.get("pending_hint")
    evidence = [
        f"last run {run.run_id} ({run.kind}, {run.status}): old key "
        f"{facts.get('current_hint') or 'unknown'}, new key {new_hint or 'not yet'}"
        if run is not None
        else f"no completed or active rotation of {name} is recorded"
    ]
    minutes = _minutes_since(facts.get("revoked_at"), services.clock())
    if minutes is not None:
        evidence.append(f"revoked {minutes:.0f} min ago ({facts.get('revoke_method', '?')})")
    old, why = await _read(services, "keyring", previous_name(name))
    shown = old.hint if old else "absent" + (f" ({why})" if why else "")
    evidence.append(f"keyring entry {previous_name(name)}: {shown}")
    answered: ValidationStatus | None = None
    http, client = services.client()
    async with http:
        if old is not None:
            result = await client.validate(name, old, base_url=key.base_url)
            answered = result.status
            evidence += [f"old key {old.hint} answers {result.status}", *_result_lines(result)]
        record, line = await _old_record(services, client, key, facts, old)
    evidence += [line] if line else []
    hint = (old.hint if old else facts.get("current_hint")) or "the old key"
    steps = [
        f"Make sure the right key was revoked: find {hint} at {CONSOLE_KEYS_URL} (the hint is "
        "the key's first and last characters)",
        "Revoke it again there (or set it inactive through the Admin API)",
        "Wait a few minutes: a revocation takes time to propagate",
        f"If it still works after that, contact Anthropic support ({SUPPORT_URL}) with the request id",
        *(
            [
                f"Check that what “still works” does not simply use the new key {new_hint}: that is expected"
            ]
            if new_hint
            else []
        ),
    ]
    active = record is not None and record.status == "active"
    severity: Severity = "problem"
    if active:
        cause = f"The Admin API lists the old key {hint} as active: it was never deactivated — the revoke missed it or targeted another key."
    elif (
        answered is ValidationStatus.VALID and minutes is not None and minutes < PROPAGATION_MINUTES
    ):
        cause = f"The old key {hint} still authenticates {minutes:.0f} min after the revoke: the revocation is probably still propagating."
    elif answered is ValidationStatus.VALID:
        cause = f"The old key {hint} still authenticates although it was revoked. This should not happen."
    elif answered is ValidationStatus.INVALID or record is not None:
        said = " (it answers 401)" if answered is ValidationStatus.INVALID else ""
        cause = f"The old key {hint} is revoked{said}. Whatever still works uses another key — most likely the new one."
        severity = "ok"
    elif run is None:
        cause = f"rotui does not know which key was the old one: no rotation of {name} is recorded."
        severity = "warning"
    else:
        cause = "rotui cannot check the old key: its value is not kept after a completed rotation, and the Admin API does not say."
        severity = "warning"
    checked = (
        f"{name}'s last run, the old value in the keyring if kept, and the old key's Admin status"
    )
    title = f"My old key still works after revocation · {name}"
    return Diagnosis(title, checked, evidence, cause, steps, severity, "old-key", name)


# "I forgot to copy my new key" -------------------------------------------------------------------


async def forgot_new_key(services: Services, name: str) -> Diagnosis:
    """How to recover when the Console showed a new key once and it was not copied."""
    import asyncio

    from rotui.core.rotation import pending_name
    from rotui.core.runs import StepState

    services.keys([name])
    run = await asyncio.to_thread(services.runs().active, name)
    command = f"rotui {'revoke' if run and run.kind == 'emergency' else 'rotate'} {name}"
    delete = [
        f"Open {CONSOLE_KEYS_URL} and find the key you just created (the wizard suggests a name "
        f"like {name.lower().replace('_', '-')}-rotation-{services.clock():%Y-%m-%d})",
        "Delete it: the Console shows a key's value only once, it cannot be retrieved",
        "Create a new key and copy it at once",
    ]
    severity: Severity = "warning"
    new_key = run.step.get("new_key") if run else None
    if run is None:
        evidence = [f"no rotation of {name} is in progress"]
        cause = "The new key is not in rotui yet, and the Console cannot show it again."
        steps = [
            *delete,
            f"Then `{command}`: the wizard stores the key as PENDING the moment you paste it",
        ]
    elif new_key is None or new_key.state is not StepState.DONE:
        evidence = [f"run {run.run_id} ({run.kind}) is active at “{run.current_step()}”"]
        cause = "The run is waiting at the new-key step: nothing is lost, it resumes there."
        steps = [*delete, f"Resume the run: `{command}` (or the dashboard) and paste the new key"]
    else:
        stored, why = await _read(services, "keyring", pending_name(name))
        shown = stored.hint if stored else "absent" + (f" ({why})" if why else "")
        evidence = [
            f"run {run.run_id} ({run.kind}) is active at “{run.current_step()}”; the new-key step is done",
            f"keyring entry {pending_name(name)}: {shown}",
        ]
        if stored is not None:
            severity = "ok"
            cause = f"You do not need the copy: the run already stored the new key as PENDING ({run.facts.get('pending_hint')}) in the keyring."
            steps = [f"Resume the run: `{command}`; it continues from “{run.current_step()}”"]
        else:
            severity = "problem"
            cause = "The run accepted a new key, but the keyring does not hold it (it was kept in memory only), so it is gone."
            steps = [
                f"Roll back: `rotui rotate {name} --rollback` puts the current key back on every consumer",
                *delete,
                f"Start again: `{command}`",
            ]
    checked = f"{name}'s active run and its PENDING key in the keyring (no network)"
    title = f"I forgot to copy my new key · {name}"
    return Diagnosis(title, checked, evidence, cause, steps, severity, "forgot-new-key", name)


# "Unexpected usage or charges" -------------------------------------------------------------------


def usage_spike(days: Mapping[dt.date, int]) -> str | None:
    """The latest day over 3× the 7-day median (the dashboard's rule)."""
    import statistics

    if not days:
        return None
    order = sorted(days)
    latest, median = days[order[-1]], statistics.median(days[d] for d in order)
    if latest > SPIKE_FACTOR * median and latest > 0:
        return f"{latest:,} tokens on {order[-1]:%m-%d}: over {SPIKE_FACTOR}× the 7-day median ({median:,.0f})"
    return None


async def _records(
    services: Services, client: AnthropicClient, admin: Secret, keys: Sequence[ManagedKey]
) -> dict[str, RemoteKey]:
    """Each key's Admin record matched by hint; the last saved record when its value is unreadable."""
    import asyncio

    from rotui.core.anthropic import match_remote

    values = await asyncio.gather(*(_read(services, k.source, k.name) for k in keys))
    saved = (await asyncio.to_thread(services.snapshot)).remote
    listed: dict[str | None, list[RemoteKey]] = {}
    found: dict[str, RemoteKey] = {}
    for key, (secret, _why) in zip(keys, values, strict=True):
        record = None
        if secret is not None:
            if key.base_url not in listed:
                listed[key.base_url] = await client.list_api_keys(admin, base_url=key.base_url)
            record = match_remote(secret, listed[key.base_url])
        if record or key.name in saved:
            found[key.name] = record or saved[key.name]
    return found


async def _daily(
    services: Services,
    client: AnthropicClient,
    admin: Secret,
    records: Mapping[str, tuple[str | None, str]],
) -> dict[str, dict[dt.date, int]]:
    """Tokens per day for the last 7 UTC days, by key name (``records``: name → base, key id)."""
    today = services.clock().date()
    start = dt.datetime.combine(today - dt.timedelta(days=USAGE_DAYS - 1), dt.time(), dt.UTC)
    by_base: dict[str | None, dict[str, str]] = {}
    for name, (base, key_id) in records.items():
        by_base.setdefault(base, {})[key_id] = name
    days = [today - dt.timedelta(days=i) for i in range(USAGE_DAYS)]
    usage: dict[str, dict[dt.date, int]] = {}
    for base, ids in by_base.items():
        end = start + dt.timedelta(days=USAGE_DAYS)
        report = await client.daily_usage(admin, start, end, api_key_ids=list(ids), base_url=base)
        for key_id, name in ids.items():
            usage[name] = {day: report.get(key_id, {}).get(day, 0) for day in days}
    return usage


async def _last_24h(
    services: Services,
    client: AnthropicClient,
    admin: Secret,
    records: Mapping[str, tuple[str | None, str]],
) -> dict[str, int]:
    """Tokens per key name over the rolling last 24 h, from hourly buckets (those overlapping it)."""
    from rotui.core.timeparse import floor_hour

    now = services.clock()
    start, end = floor_hour(now - dt.timedelta(days=1)), floor_hour(now) + dt.timedelta(hours=1)
    by_base: dict[str | None, dict[str, str]] = {}
    for name, (base, key_id) in records.items():
        by_base.setdefault(base, {})[key_id] = name
    totals: dict[str, int] = {}
    for base, ids in by_base.items():
        report = await client.hourly_usage(admin, start, end, api_key_ids=list(ids), base_url=base)
        for key_id, name in ids.items():
            totals[name] = sum(report.get(key_id, {}).values())
    return totals


async def diagnose_usage(services: Services, name: str | None = None) -> Diagnosis:
    """Daily tokens per key from the Admin usage report, spikes flagged, and the way out."""
    keys = services.keys([name] if name else [])
    title = "Unexpected usage or charges" + (f" · {name}" if name else "")
    checked = (
        f"the Admin usage report: tokens per key per UTC day, last {USAGE_DAYS} days, "
        "and per hour over the last 24 h"
    )
    revoke = [f"If you suspect a leak: `rotui revoke {name}` (x on the dashboard)"] if name else []
    admin, why = await _admin_secret(services)
    if admin is None:
        steps = [
            "Set settings.admin_key (an Admin API key, sk-ant-admin01-…) to see usage per key",
            "Meanwhile the Console's Usage page shows the organization's usage",
            *revoke,
        ]
        cause = "Usage per key needs the Admin API, which rotui does not have here."
        evidence = [why or "no Admin API key configured (settings.admin_key)"]
        return Diagnosis(title, checked, evidence, cause, steps, "warning", "usage", name)
    http, client = services.client()
    async with http:
        records = await _records(services, client, admin, keys)
        ids = {k.name: (k.base_url, records[k.name].id) for k in keys if k.name in records}
        usage = await _daily(services, client, admin, ids)
        recent = await _last_24h(services, client, admin, ids)
    evidence, flagged = [], []
    for key in keys:
        days = usage.get(key.name)
        if days is None:
            evidence.append(f"{key.name}: not found in the Admin API, so no usage per key")
            continue
        record = records[key.name]
        series = " · ".join(f"{days[d]:,}" for d in sorted(days))
        last_24h = recent.get(key.name, 0)
        evidence.append(
            f"{key.name} ({record.id}): {series} (oldest → today); last 24 h {last_24h:,}"
        )
        spike = usage_spike(days)
        if record.status in ("inactive", "archived", "expired") and last_24h > 0:
            spike = f"{last_24h:,} tokens in the last 24 h on a key that is {record.status}"
        if spike:
            evidence.append(f"⚠ {key.name}: {spike}")
            flagged.append(key.name)
    steps = [
        f"Unexpected? Start the emergency revoke: `rotui revoke {n}` (x on the dashboard)"
        for n in flagged
    ]
    if flagged:
        cause = (
            f"Unexpected usage on {', '.join(flagged)}: a leaked key, a runaway job or a retry "
            "loop. If nobody expects it, treat it as a leak."
        )
        steps.append("Before revoking, ask the owners of the consumers whether a job explains it")
    else:
        cause = f"No key's latest day exceeds {SPIKE_FACTOR}× its 7-day median."
        steps += [
            *revoke,
            "Console and Workbench usage is not attributed to any API key: see the Console's "
            "Usage and Cost pages",
        ]
    steps.append("Usage usually appears in the report within about 5 minutes")
    severity: Severity = "problem" if flagged else "ok"
    return Diagnosis(title, checked, evidence, cause, steps, severity, "usage", name)


# "Consumers fail after rotation" -----------------------------------------------------------------


async def _held_hint(path: str, var: str) -> str | None:
    """The hint of the value a dotenv file gives ``var`` (read only)."""
    import asyncio

    from rotui.core.consumers.env_file import read_value

    target = Path(os.path.realpath(os.path.expanduser(path)))
    try:
        content = await asyncio.to_thread(target.read_bytes)
    except OSError:
        return None
    value = read_value(content, var)
    return value.hint if value else None


def _no_fingerprint(_secret: Secret) -> str:
    """Verifying compares nothing, so it needs no installation key (and creates none)."""
    return ""


async def _verify(adapter: ConsumerAdapter, ctx: Any) -> VerifyOutcome | None:
    from rotui.core.consumers.base import VerifyOutcome

    try:
        return await adapter.verify(ctx)
    except RotuiError as exc:
        return VerifyOutcome(False, str(exc))


async def diagnose_consumers(services: Services, name: str) -> Diagnosis:
    """Rerun the downstream checks of the key's last run, changing nothing, and name the failures."""
    import asyncio

    from rotui.core.consumers.base import ConsumerContext
    from rotui.core.consumers.fields import consumer_spec
    from rotui.core.consumers.registry import adapter_for

    [key] = services.keys([name])
    run = (await asyncio.to_thread(services.runs().latest)).get(name)
    where = services.config.path or "<config>"
    adapters = [
        adapter_for(consumer_spec(c, name, f"consumers[{i}]", where))
        for i, c in enumerate(key.consumers)
    ]
    facts: Mapping[str, Any] = run.facts if run is not None else {}
    title = f"Consumers fail after rotation · {name}"
    checked = f"reran the verify_url / verify_command of {name}'s {len(adapters)} consumer(s), writing nothing"
    evidence = [
        f"last run {run.run_id} ({run.kind}, {run.status}); new key {facts.get('pending_hint') or '?'}"
        if run is not None
        else f"no run of {name} is recorded: checking the configured consumers"
    ]
    current, _why = await _read(services, key.source, name)
    known = {
        facts.get("pending_hint"): "the NEW key",
        facts.get("current_hint"): "the OLD key",
        current.hint if current else None: f"{name}'s current key",
    }
    failed: list[str] = []
    unchecked: list[str] = []
    http, _client = services.client()
    async with http:
        ctx = ConsumerContext(
            http=http,
            store=services.store,
            fingerprint=_no_fingerprint,
            environ=services.environ,
            timeout=services.config.settings.timeout_seconds,
        )
        outcomes = await asyncio.gather(
            *(_verify(a, ctx) for a in adapters if not a.needs_operator)
        )
        checks = iter(outcomes)
        for adapter in adapters:
            spec = adapter.spec
            outcome = None if adapter.needs_operator else next(checks)
            if adapter.needs_operator:
                line = f"? {spec.name}: manual — {spec.fields.get('instructions', '')}; confirm by hand"
            elif outcome is None:
                line = f"? {spec.name}: {adapter.describe()} — no verify_url or verify_command, rotui cannot check it"
            elif outcome.ok:
                line = f"✓ {spec.name}: {adapter.describe()} — {outcome.detail}"
            else:
                problems = await adapter.preflight(ctx)
                line = f"✗ {spec.name}: {adapter.describe()} — FAILS: {outcome.detail}"
                line += "".join(f"; preflight: {p}" for p in problems)
            if outcome is None:
                unchecked.append(spec.name)
            elif not outcome.ok:
                failed.append(spec.name)
            record = run.consumers.get(spec.name) if run is not None else None
            if record is not None:
                line += f" (journal: {record.state}{'; ' + record.detail[:80] if record.detail else ''})"
            evidence.append(line)
            if spec.kind == "env-file":
                held = await _held_hint(str(spec.fields["path"]), spec.var)
                label = known.get(held, "neither the old nor the new key") if held else "no value"
                evidence.append(f"  {spec.name} holds {held or 'nothing for ' + spec.var}: {label}")
    resumable = run is not None and str(run.status) == "active"
    if failed:
        cause = (
            f"{', '.join(failed)} {'fails its' if len(failed) == 1 else 'fail their'} check: it "
            "still holds the old (revoked) key, it was not restarted or redeployed to read the new "
            f"value, or it sends the key in a way its proxy refuses ({BEARER_NOTE})."
        )
        steps = [
            "Look at the failing consumer's own logs for the status it gets from the API",
            "Restart or redeploy it so it reads the new value",
            f"`rotui rotate {name}` resumes the run at its verify step"
            if resumable
            else f"`rotui rotate {name}` propagates a new key again",
            f"`rotui doctor {name}` checks the key itself",
        ]
        severity: Severity = "problem"
    elif unchecked or not adapters:
        cause = "Every consumer rotui can check passes; the others need a person to look."
        steps = [
            "Confirm the unchecked consumers by hand, or give them a verify_url or verify_command"
        ]
        severity = "warning"
    else:
        cause = "Every consumer passes its check."
        steps = [f"If an application still fails, `rotui doctor {name}` checks the key itself"]
        severity = "ok"
    return Diagnosis(title, checked, evidence, cause, steps, severity, "consumers", name)


# "Wrong workspace or different rate limits" ------------------------------------------------------


def _limits(result: ValidationResult) -> dict[str, int]:
    found = {}
    for header, value in result.ratelimits.items():
        kind = header.removeprefix("anthropic-ratelimit-").removesuffix("-limit")
        if header.endswith("-limit") and value.isdigit():
            found[kind] = int(value)
    return found


def _workspace_of(result: ValidationResult, record: RemoteKey | None) -> str | None:
    return result.workspace_id or (record.workspace_id if record else None)


async def diagnose_workspace(services: Services, name: str) -> Diagnosis:
    """Compare a key's workspace, organization and limits with its config and its environment."""
    from rotui.core.validation import validate_keys

    [key] = services.keys([name])
    peers = [k for k in services.keys([]) if k.environment == key.environment]
    http, client = services.client()
    async with http:
        run = await validate_keys(peers, services.config.settings, services.store, client)
    results = {r.key: r for r in run.results}
    mine, record = results[name], run.remote.get(name)
    actual, configured = _workspace_of(mine, record), key.workspace
    evidence = list(run.warnings)
    for peer in peers:
        r = results[peer.name]
        limits = ", ".join(f"{k} {v:,}" for k, v in sorted(_limits(r).items())) or "none reported"
        evidence.append(
            f"{peer.name}{' (this key)' if peer.name == name else ''}: {r.status}; organization "
            f"{r.organization_id or '?'}; workspace {_workspace_of(r, run.remote.get(peer.name)) or 'default'} "
            f"(configured “{peer.workspace}”); limits {limits}"
        )
    findings, warnings = [], []
    if not mine.status.ok:
        warnings.append(
            f"{name} answers {mine.status}, so its headers may be incomplete (`rotui doctor {name}`)"
        )
    if record and mine.workspace_id and record.workspace_id not in (None, mine.workspace_id):
        warnings.append(
            f"the API reports workspace {mine.workspace_id}, the Admin API {record.workspace_id}"
        )
    if configured.startswith("wrkspc_") and actual and actual != configured:
        findings.append(f"{name} is in workspace {actual}, configured as {configured}")
    elif configured == "default" and actual:
        findings.append(f"{name} is in workspace {actual}, configured as the default workspace")
    label = configured != "default" and not configured.startswith("wrkspc_")
    for peer in peers:
        theirs = results[peer.name]
        if peer.name == name or not theirs.status.ok:
            continue
        if mine.organization_id and theirs.organization_id not in (None, mine.organization_id):
            findings.append(
                f"{name} is in organization {mine.organization_id}, {peer.name} in {theirs.organization_id}"
            )
        their_ws = _workspace_of(theirs, run.remote.get(peer.name))
        if label and mine.status.ok and peer.workspace == configured and their_ws != actual:
            findings.append(
                f"{name} and {peer.name} are both configured as “{configured}” but sit in "
                f"workspaces {actual or 'default'} and {their_ws or 'default'}"
            )
        mine_limits, their_limits = _limits(mine), _limits(theirs)
        lower = [
            f"{kind} {value:,} < {their_limits[kind]:,}"
            for kind, value in sorted(mine_limits.items())
            if value < their_limits.get(kind, value)
        ]
        if lower:
            warnings.append(f"{name} has lower limits than {peer.name}: " + ", ".join(lower))
    evidence += [f"✗ {f}" for f in findings] + [f"! {w}" for w in warnings]
    steps = [
        f"Open {CONSOLE_KEYS_URL} and check which workspace holds the key with hint {mine.hint or '?'}",
        "A key bills and is limited by its workspace: to move it, create a key in the right "
        f"workspace and rotate to it (`rotui rotate {name}`)",
        'Or correct workspace = "…" in the configuration if the key is where it should be',
        f"Limits are per workspace and usage tier: compare them at {LIMITS_URL}",
    ]
    severity: Severity = "problem" if findings else "warning" if warnings else "ok"
    if findings:
        cause = "The key is not where the configuration says: " + "; ".join(findings) + "."
    elif warnings:
        cause = "No mismatch found, but: " + "; ".join(warnings) + "."
    else:
        cause = f"No mismatch: {name} sits in workspace {actual or 'default'}, in the same organization as its environment's keys, with limits no lower than theirs."
        if label:
            cause += f" (“{configured}” is a name, not an id: rotui compares it only with keys configured the same way.)"
    checked = (
        f"validated the {len(peers)} key(s) of environment “{key.environment or '-'}” and compared "
        "their workspace, organization and rate-limit headers with the config and the Admin API"
    )
    title = f"Wrong workspace or different rate limits · {name}"
    return Diagnosis(title, checked, evidence, cause, steps, severity, "workspace", name)


# `rotui doctor` with no flow: the environment ----------------------------------------------------


def _env(
    title: str, checked: str, evidence: list[str], cause: str, steps: list[str], severity: Severity
) -> Diagnosis:
    return Diagnosis(title, checked, evidence, cause, steps, severity, "environment")


async def _check_keyring(services: Services) -> Diagnosis:
    import asyncio

    from rotui.core.secret import NO_KEYRING_HELP

    settings = services.config.settings
    needed = settings.admin_key == "keyring" or any(
        k.source == "keyring" for k in services.config.keys
    )
    checked = 'which keyring backend rotui opens (for sources "keyring")'
    try:
        backend = await asyncio.to_thread(services.store.keyring_backend_name)
    except KeyringUnavailable:
        steps = [
            'Use source = "env:VAR" or "command:..." for each key',
            "Or choose a backend with PYTHON_KEYRING_BACKEND",
        ]
        return _env(
            "Keyring backend",
            checked,
            ["no usable keyring backend"],
            NO_KEYRING_HELP,
            steps,
            "problem" if needed else "ok",
        )
    except RotuiError as exc:
        steps = ["Unlock the keyring, or use env: or command: sources"]
        return _env(
            "Keyring backend",
            checked,
            [str(exc)],
            exc.message or exc.title,
            steps,
            "problem" if needed else "warning",
        )
    memory = (
        " (in memory: the demo or tests; nothing persists)"
        if backend.endswith("MemoryKeyring")
        else ""
    )
    cause = "The keyring opens." + ("" if needed else " No key uses it.")
    return _env("Keyring backend", checked, [f"backend: {backend}{memory}"], cause, [], "ok")


def _check_config(services: Services) -> Diagnosis:
    path, checked = services.config.path, "the configuration file's permissions"
    if not path:
        return _env(
            "Configuration file",
            checked,
            ["no file: a built-in configuration"],
            "Nothing to check.",
            [],
            "ok",
        )
    try:
        mode = os.stat(path).st_mode & 0o777
    except OSError as exc:
        return _env(
            "Configuration file",
            checked,
            [f"{path}: {exc.strerror}"],
            "It cannot be read.",
            ["Check its path and permissions"],
            "problem",
        )
    readers = [who for bit, who in ((0o040, "group"), (0o004, "everyone")) if mode & bit]
    writers = [who for bit, who in ((0o020, "group"), (0o002, "everyone")) if mode & bit]
    evidence = [f"{path}: mode {mode:04o}"]
    if not readers and not writers:
        return _env("Configuration file", checked, evidence, "Only you can read it.", [], "ok")
    who = [
        f"{verb} by {' and '.join(w)}"
        for verb, w in (("readable", readers), ("writable", writers))
        if w
    ]
    cause = (
        f"It is {', '.join(who)}: it names where every key comes from, and someone who can change "
        "it can redirect a rotation."
    )
    return _env("Configuration file", checked, evidence, cause, [f"chmod 600 {path}"], "warning")


def _unwritable(path: Path) -> str | None:
    """Why rotui could not write in ``path`` (None when it could), leaving nothing behind."""
    import tempfile

    if path.exists():
        if not path.is_dir():
            return f"{path} exists but is not a directory"
        try:
            fd, probe = tempfile.mkstemp(prefix=".rotui-doctor-", dir=path)
        except OSError as exc:
            return f"cannot create a file in {path}: {exc.strerror}"
        os.close(fd)
        os.unlink(probe)
        return None
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return f"{path} cannot be created: {parent} is not a writable directory"
    return None


async def _check_dirs(services: Services) -> Diagnosis:
    import asyncio

    state, data = services.paths.state_dir, services.paths.data_dir
    found = await asyncio.gather(
        asyncio.to_thread(_unwritable, state), asyncio.to_thread(_unwritable, data)
    )
    problems = [p for p in found if p]
    evidence = [f"state dir {state}", f"data dir (audit log) {data}", *problems]
    checked = "that rotui can write its state (validations, run journals) and its audit log"
    if not problems:
        return _env("State directory writable", checked, evidence, "Both are writable.", [], "ok")
    cause = "rotui cannot save validations, journal a rotation or append to the audit log, so a rotation cannot run safely."
    steps = [
        "Fix the directory's ownership or permissions, or free disk space",
        "XDG_STATE_HOME and XDG_DATA_HOME move these directories",
    ]
    return _env("State directory writable", checked, evidence, cause, steps, "problem")


async def _reach(
    services: Services, http: httpx.AsyncClient, base: str
) -> tuple[Diagnosis, dt.datetime | None]:
    """GET /v1/models without a key: the API answers 401, which proves it is reachable."""
    import email.utils

    title, checked = (
        f"Reachability of {base}",
        f"GET {base}/v1/models without a key (the API answers 401)",
    )
    response, (kind, message) = await _get_models(services, http, base, None)
    if response is None:
        down = ValidationResult(
            "", ValidationStatus.NETWORK_ERROR, services.clock(), error_type=kind, message=message
        )
        cause, steps, _ = _explain(
            ManagedKey("KEY", base_url=base),
            down,
            None,
            "",
            services.config.settings.timeout_seconds,
        )
        return _env(
            title, checked, [message, *proxy_lines(services, base)], cause, steps, "problem"
        ), None
    outcome = _classify(response)
    try:
        date = email.utils.parsedate_to_datetime(response.headers.get("date", ""))
    except (TypeError, ValueError):
        date = None
    evidence = [f"HTTP {response.status_code}: {outcome.message or outcome.status}"]
    if outcome.status in (ValidationStatus.INVALID, ValidationStatus.VALID):
        return _env(title, checked, evidence, "The API answers.", [], "ok"), date
    if outcome.status in (ValidationStatus.OVERLOADED, ValidationStatus.SERVER_ERROR):
        cause = "It answers, with an error on the provider's side."
        return _env(
            title, checked, evidence, cause, [f"Retry later; check {STATUS_URL}"], "warning"
        ), date
    cause = "Something answers, but not as the Anthropic API does: a proxy, captive portal or gateway, or a wrong base_url."
    steps = [
        f"Open {base} in a browser on this machine",
        "Check the proxy environment and base_url",
    ]
    return _env(
        title, checked, [*evidence, *proxy_lines(services, base)], cause, steps, "problem"
    ), date


def _check_clock(services: Services, base: str, date: dt.datetime | None) -> Diagnosis:
    checked = "this machine's clock against the API's Date header"
    if date is None:
        return _env(
            "Clock",
            checked,
            ["no Date header was received"],
            "The clock could not be compared.",
            [],
            "warning",
        )
    now = services.clock()
    skew = (now - date).total_seconds()
    evidence = [
        f"{base} says {date:%Y-%m-%d %H:%M:%S} UTC; here {now:%Y-%m-%d %H:%M:%S} UTC ({skew:+.0f} s)"
    ]
    if abs(skew) <= CLOCK_SKEW_LIMIT:
        return _env("Clock", checked, evidence, "The clock is right (within a minute).", [], "ok")
    cause = (
        f"The clock is {abs(skew):,.0f} s {'ahead' if skew > 0 else 'behind'}: TLS certificates may "
        "look invalid, and key ages, due dates and audit times are off."
    )
    return _env(
        "Clock",
        checked,
        evidence,
        cause,
        ["Enable time synchronisation (NTP, e.g. `timedatectl set-ntp true`)"],
        "warning",
    )


async def check_environment(services: Services) -> list[Diagnosis]:
    """What `rotui doctor` checks before any key: keyring, config, dirs, clock, reachability."""
    import asyncio

    from rotui.services import base_url_for

    keys = services.keys([]) or [
        ManagedKey("KEY", base_url=base_url_for(ManagedKey("KEY"), services.environ))
    ]
    bases = list(dict.fromkeys(k.base_url or DEFAULT_BASE_URL for k in keys))
    found = [await _check_keyring(services), _check_config(services), await _check_dirs(services)]
    http, _client = services.client()
    async with http:
        reached = await asyncio.gather(*(_reach(services, http, base) for base in bases))
    found += [diagnosis for diagnosis, _date in reached]
    dated = [(base, date) for base, (_d, date) in zip(bases, reached, strict=True) if date]
    found.append(_check_clock(services, *(dated[0] if dated else (bases[0], None))))
    return found


# The flows and `rotui doctor` --------------------------------------------------------------------


def _for_key(diagnose: Callable[[Services, str], Awaitable[Diagnosis]]) -> FlowRunner:
    async def run(services: Services, name: str | None) -> list[Diagnosis]:
        assert name is not None  # run_flow refuses a key flow without a key
        return [await diagnose(services, name)]

    return run


async def _usage_flow(services: Services, name: str | None) -> list[Diagnosis]:
    return [await diagnose_usage(services, name)]


async def _environment_flow(services: Services, name: str | None) -> list[Diagnosis]:
    return await check_environment(services)


FLOWS: dict[str, Flow] = {
    flow.id: flow
    for flow in (
        Flow(
            "key",
            "My key stopped working",
            "Validate the key and explain the answer: revoked, billing, permission, limits, network, proxy.",
            _for_key(diagnose_key),
        ),
        Flow(
            "old-key",
            "My old key still works after revocation",
            "Check the retired key and its Admin status; wait for propagation or revoke again.",
            _for_key(diagnose_old_key_still_works),
        ),
        Flow(
            "forgot-new-key",
            "I forgot to copy my new key",
            "Delete it in the Console and resume the run at the new-key step.",
            _for_key(forgot_new_key),
        ),
        Flow(
            "usage",
            "Unexpected usage or charges",
            "Daily tokens per key from the Admin API, spikes flagged, and the emergency revoke.",
            _usage_flow,
            needs_key=False,
        ),
        Flow(
            "consumers",
            "Consumers fail after rotation",
            "Rerun the downstream checks of the last run and show which consumer fails.",
            _for_key(diagnose_consumers),
        ),
        Flow(
            "workspace",
            "Wrong workspace or different rate limits",
            "Compare the key's workspace, organization and limits with its environment.",
            _for_key(diagnose_workspace),
        ),
        Flow(
            "environment",
            "Check the environment",
            "Keyring, config permissions, state dir, clock skew and reachability of each API.",
            _environment_flow,
            needs_key=False,
        ),
    )
}


async def run_flow(services: Services, flow_id: str, name: str | None) -> list[Diagnosis]:
    """Run one flow; a failure that stops it becomes a diagnosis rather than a crash."""
    flow = FLOWS[flow_id]
    if flow.needs_key and name is None:
        raise UsageError(
            f"“{flow.title}” needs a key", f"name one: rotui doctor NAME --flow {flow_id}"
        )
    try:
        return await flow.run(services, name)
    except (UsageError, ConfigError):
        raise
    except RotuiError as exc:
        title = flow.title + (f" · {name}" if name else "")
        cause = "The check could not finish: " + (exc.message or exc.title)
        steps = ["Fix what the message says, then run the check again"]
        return [
            Diagnosis(title, flow.description, [str(exc)], cause, steps, "problem", flow_id, name)
        ]


def _counts(diagnoses: Sequence[Diagnosis]) -> dict[str, int]:
    return {s: sum(d.severity == s for d in diagnoses) for s in ("ok", "warning", "problem")}


def render_text(diagnoses: Sequence[Diagnosis]) -> str:
    """The human form: severity in words and symbols, so nothing depends on colour."""
    blocks = []
    for d in diagnoses:
        lines = [f"{d.label} · {d.title}", f"  Checked: {d.checked}"]
        lines += ["  Evidence:", *(f"    - {e}" for e in d.evidence)] if d.evidence else []
        lines.append(f"  Likely cause: {d.cause}")
        steps = [f"    {i}. {s}" for i, s in enumerate(d.next_steps, 1)]
        lines += ["  Next steps:", *steps] if steps else []
        blocks.append("\n".join(lines))
    counts = _counts(diagnoses)
    blocks.append(
        f"doctor: {counts['problem']} problem(s), {counts['warning']} warning(s), {counts['ok']} ok"
    )
    return "\n\n".join(blocks)


async def run_doctor(
    services: Services, name: str | None, as_json: bool, flow: str | None
) -> tuple[int, str]:
    """`rotui doctor [NAME] [--flow ID] [--json]`: the output, and 0 when healthy or 1 on a problem."""
    import json

    if flow is not None and flow not in FLOWS:
        raise UsageError(f"unknown flow {flow!r}", "flows: " + ", ".join(FLOWS))
    if name is not None:
        services.keys([name])  # an unknown key is a usage error (exit 2) before any check
    if flow is None:
        diagnoses = await run_flow(services, "environment", None)
        diagnoses += await run_flow(services, "key", name) if name else []
    else:
        if FLOWS[flow].needs_key and name is None and len(services.config.keys) == 1:
            name = services.config.keys[0].name
        diagnoses = await run_flow(services, flow, name)
    code = 1 if any(d.severity == "problem" for d in diagnoses) else 0
    if not as_json:
        return code, render_text(diagnoses)
    document = {
        "ok": code == 0,
        "exit_code": code,
        "key": name,
        "flow": flow,
        "checked_at": services.clock().isoformat(),
        "summary": _counts(diagnoses),
        "diagnoses": [d.to_dict() for d in diagnoses],
    }
    return code, json.dumps(document, indent=2, ensure_ascii=False)


class CliContext(Protocol):
    """The part of ``rotui.cli.Context`` the doctor command uses."""

    def services(self) -> Services: ...

    def out(self, text: str) -> None: ...


def add_doctor_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``rotui doctor [NAME] [--json] [--flow ID]``, declared beside the flows it offers."""
    p = sub.add_parser(
        "doctor",
        help="diagnose a key or the environment (exit 0 healthy, 1 a problem found)",
        description="Without --flow: the environment (keyring, config, state dir, clock, "
        "reachability), plus “my key stopped working” for NAME. Flows: "
        + "; ".join(f"{f.id}: {f.title}" for f in FLOWS.values()),
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="the key to diagnose")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument(
        "--flow", choices=list(FLOWS), metavar="ID", help="one flow: " + ", ".join(FLOWS)
    )


def doctor_command(args: argparse.Namespace, ctx: CliContext) -> int:
    """The CLI entry: run the doctor, print its report on stdout, return its exit code."""
    import asyncio

    code, text = asyncio.run(run_doctor(ctx.services(), args.name, args.json, args.flow))
    ctx.out(text)
    return code
