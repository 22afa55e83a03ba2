"""“My key stopped working”: validate one key and explain the answer as a cause and next steps.

Every status class has its explanation (revoked, billing, permission, rate limit or spend cap,
the provider's side, network, proxy, TLS); behind a gateway the key is also tried as
``Authorization: Bearer`` to tell a header problem from a key problem.
"""

# Over 400 lines: EXPLAINED, the cause and next steps for every status, is some 170 lines of
# data; the logic is under 250.

from __future__ import annotations

from typing import TYPE_CHECKING

from rotui.core.errors import RotuiError
from rotui.core.model import (
    CONSOLE_KEYS_URL,
    DEFAULT_BASE_URL,
    ManagedKey,
    RemoteKey,
    ValidationMode,
    ValidationResult,
    ValidationStatus,
)
from rotui.core.troubleshoot.evidence import (
    _admin_record,
    _admin_secret,
    _host,
    _hostport,
    _read,
    _result_lines,
    _source,
    proxy_lines,
)
from rotui.core.troubleshoot.model import (
    BEARER_NOTE,
    BILLING_URL,
    LIMITS_URL,
    STATUS_URL,
    Diagnosis,
    Severity,
)

if TYPE_CHECKING:
    from rotui.core.troubleshoot.deps import TroubleshootDeps

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
    "spend_limit": (
        "A spend limit, not the key (HTTP {code}{coded}): {which}. Every key under that limit "
        "fails the same way until access resumes or the limit is raised.",
        [
            f"Check the limits in the Console ({LIMITS_URL}): raise or remove the spend limit, "
            "or move up a usage tier",
            "No rotation is needed: the key itself is fine; retrying does not help",
            "`rotui doctor {name} --flow usage` shows which keys spent the tokens",
        ],
        "problem",
    ),
    "workspace_required": (
        "The key is identity-linked (organization scope): it can act in more than one workspace, "
        "so the API requires the anthropic-workspace-id header and answered 400 without it. "
        "The key itself is fine, and this is not a spend limit.",
        [
            'Name the workspace this key acts in: workspace = "wrkspc_…" for {name} in the '
            "configuration (a workspace name also works when settings.admin_key is set)",
            f"Find the workspace id in the Console ({CONSOLE_KEYS_URL}, Workspaces)",
            "Then check again: `rotui validate {name}`",
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
        "The API refused the request (400) for a reason rotui does not recognise: with an auth "
        "check this is rarely the key; settings.api_version may not be one the API knows. The "
        "API's own message is above.",
        ["Check settings.api_version and base_url", f"Check the limits ({LIMITS_URL})"],
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


SPEND_LIMITS = {
    # SDK 2.14.0 types/shared/enforced_spend_limit_reached_error.py and
    # contract_spend_limit_reached_error.py; the customer's own limit is a 400 without a code
    "enforced_spend_limit_reached": "the organization crossed its usage tier's monthly spend cap",
    "contract_spend_limit_reached": "the organization reached its contract's spend limit",
    "": "a spend limit you set for the organization or the workspace was reached",
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
        "coded": f", {result.error_code}" if result.error_code else "",
        "which": SPEND_LIMITS.get(result.error_code or "", SPEND_LIMITS[""]),
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


def _header_drift(
    result: ValidationResult,
    record: RemoteKey | None,
    probe: str,
    base: str,
    gateway: bool,
    cause: str,
    severity: Severity,
) -> tuple[str, Severity]:
    """The cause once the Bearer probe has answered: a gateway that reads the other header."""
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
    return cause, severity


async def diagnose_key(services: TroubleshootDeps, name: str) -> Diagnosis:
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
    from rotui.core.anthropic import is_workspace_name  # httpx: only when a flow runs

    admin = None
    if is_workspace_name(key.workspace):  # resolved to an id through the workspaces list
        admin, _ = await _admin_secret(services)
    async with http:
        result = await client.validate(
            name,
            secret,
            base_url=key.base_url,
            mode=settings.validation,
            ping_model=settings.ping_model,
            workspace=key.workspace,
            admin=admin,
        )
        record, admin_lines = await _admin_record(services, client, secret, key.base_url)
        if gateway and result.status in (ValidationStatus.VALID, ValidationStatus.INVALID):
            bearer = await client.probe_models(base, bearer=secret)
            probe = str(bearer.status) if bearer.http_status is not None else bearer.message
    evidence += _result_lines(result) + admin_lines
    cause, steps, severity = _explain(key, result, record, secret.hint, settings.timeout_seconds)
    if probe:
        evidence.append(
            f"header check at {base}: X-Api-Key → {result.status}; Authorization: Bearer → {probe}"
        )
    cause, severity = _header_drift(result, record, probe, base, gateway, cause, severity)
    if _topic(result) in PROXY_TOPICS or (
        result.status is ValidationStatus.SERVER_ERROR and "proxy" in result.message
    ):
        evidence += proxy_lines(services, base)
    title = f"My key stopped working · {name}"
    return Diagnosis(title, checked, evidence, cause, steps, severity, "key", name)
