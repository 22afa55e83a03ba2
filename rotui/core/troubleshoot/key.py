"""“My key stopped working”: validate one key and explain the answer as a cause and next steps.

Every status class has its explanation (revoked, billing, permission, rate limit or spend cap,
the provider's side, network, proxy, TLS), written out as data in :mod:`.explanations`; behind a
gateway the key is also tried as ``Authorization: Bearer`` to tell a header problem from a key
problem.
"""

from __future__ import annotations

from collections.abc import Mapping
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
from rotui.core.troubleshoot.explanations import (
    EXPLAINED,
    INVALID_CAUSES,
    PROXY_TOPICS,
    SPEND_LIMITS,
)
from rotui.core.troubleshoot.model import (
    BEARER_NOTE,
    Diagnosis,
    Severity,
)

if TYPE_CHECKING:
    from rotui.core.troubleshoot.deps import TroubleshootDeps


def _topic(result: ValidationResult) -> str:
    """Which explanation fits a result that is neither valid nor a 401."""
    status = result.status
    if status is ValidationStatus.RATE_LIMITED:
        if result.retry_after is None:
            return "spend_cap"
        # the transport waited each retry-after it was given: a 429 that outlasts them persists
        return "rate_limited_retried" if result.attempts > 1 else "rate_limited"
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
            f"Revoked, deleted, expired or leaked (secret scanning revokes a leaked key): replace "
            f"it through the emergency revoke (`rotui revoke {name}`, x on the dashboard), which "
            "takes the new key; a rotation refuses a key that does not answer valid",
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


SHOWN_PEERS = 5  # the organization's other keys named in a billing diagnosis


def _same_organization(
    name: str, org: str | None, saved: Mapping[str, ValidationResult]
) -> tuple[str, list[str], list[str]]:
    """What the saved checks of the organization's other keys say about a billing cause.

    Billing is the organization's, so the others should fail too; rotui says what it last saw of
    them (nothing is sent): a billed check that passed contradicts the cause, a check that spends
    nothing (GET /v1/models) does not prove there is credit. Returns cause, evidence and steps.
    """
    peers = {
        k: r for k, r in sorted(saved.items()) if k != name and org and r.organization_id == org
    }
    if not peers:
        return " No other key of this organization was validated, so that is not confirmed.", [], []
    failing = [k for k, r in peers.items() if r.status is ValidationStatus.NO_CREDIT]
    billed = [k for k, r in peers.items() if r.status.ok and r.mode is ValidationMode.PING]
    unbilled = [k for k, r in peers.items() if r.status.ok and r.mode is not ValidationMode.PING]
    telling = list(dict.fromkeys([*failing, *billed, *unbilled, *peers]))  # what tells first
    evidence = [
        f"same organization: {k} {peers[k].status} ({peers[k].mode}) at "
        f"{peers[k].checked_at:%m-%d %H:%M} UTC"
        for k in telling[:SHOWN_PEERS]
    ]
    if len(telling) > SHOWN_PEERS:
        evidence.append(f"… and {len(telling) - SHOWN_PEERS} more key(s) of this organization")
    said: list[str] = []
    if failing:
        said.append(f"{_names(failing)}, of the same organization, failed the same way.")
    if billed:
        said.append(
            f"Yet {_names(billed)} answered valid to a billed request when last checked: if it "
            "still does, billing is not the whole story."
        )
    if unbilled:
        said.append(
            f"{_names(unbilled)} answered valid when last checked, but that check spends "
            "nothing, so it shows neither credit nor its lack."
        )
    steps = []
    if billed or unbilled:
        others = " ".join((billed + unbilled)[:SHOWN_PEERS])
        steps.append(
            f"Check the organization's other keys with a billed request: `rotui validate {others} --ping`"
        )
    return "".join(f" {s}" for s in said), evidence, steps


async def _billing_peers(
    services: TroubleshootDeps, name: str, result: ValidationResult
) -> tuple[str, list[str], list[str]]:
    """For a billing answer, :func:`_same_organization` from the saved results (else nothing)."""
    if result.status is not ValidationStatus.NO_CREDIT:
        return "", [], []
    import asyncio

    saved = (await asyncio.to_thread(services.snapshot)).results
    return _same_organization(name, result.organization_id, saved)


def _names(names: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``, ``A, B, C and 4 more``."""
    shown = names[:3] + ([f"{len(names) - 3} more"] if len(names) > 3 else [])
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


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
    if secret is None:  # nothing was sent: the check says so, not "validated it"
        unsent = f"read {name} from {_source(key)}: no usable value, so nothing was sent to {base}"
        return _no_secret(key, why, unsent)
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
    said, seen, then = await _billing_peers(services, name, result)
    cause, evidence, steps = cause + said, evidence + seen, steps[:-1] + then + steps[-1:]
    if _topic(result) in PROXY_TOPICS or (
        result.status is ValidationStatus.SERVER_ERROR and "proxy" in result.message
    ):
        evidence += proxy_lines(services, base)
    title = f"My key stopped working · {name}"
    return Diagnosis(title, checked, evidence, cause, steps, severity, "key", name)
