"""`rotui doctor` with no flow: the environment before any key.

The keyring backend, the configuration file's permissions, the state and data directories, the
reachability of each API (without a key) and the clock's skew against the API's Date header.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

from rotui.core.errors import KeyringUnavailable, RotuiError
from rotui.core.model import DEFAULT_BASE_URL, ManagedKey, ValidationResult, ValidationStatus
from rotui.core.troubleshoot.evidence import proxy_lines
from rotui.core.troubleshoot.key import _explain
from rotui.core.troubleshoot.model import STATUS_URL, Diagnosis, Severity

if TYPE_CHECKING:
    from rotui.core.anthropic import AnthropicClient
    from rotui.core.troubleshoot.deps import TroubleshootDeps

CLOCK_SKEW_LIMIT = 60.0


def _env(
    title: str, checked: str, evidence: list[str], cause: str, steps: list[str], severity: Severity
) -> Diagnosis:
    return Diagnosis(title, checked, evidence, cause, steps, severity, "environment")


async def _check_keyring(services: TroubleshootDeps) -> Diagnosis:
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
            "problem" if needed else "warning",  # none now: a key added later could not use it
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


def _check_config(services: TroubleshootDeps) -> Diagnosis:
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


async def _check_dirs(services: TroubleshootDeps) -> Diagnosis:
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
    services: TroubleshootDeps, client: AnthropicClient, base: str
) -> tuple[Diagnosis, dt.datetime | None]:
    """GET /v1/models without a key: the API answers 401, which proves it is reachable."""
    import email.utils

    title, checked = (
        f"Reachability of {base}",
        f"GET {base}/v1/models without a key (the API answers 401)",
    )
    outcome = await client.probe_models(base)
    if outcome.http_status is None:
        message = outcome.message
        down = ValidationResult(
            "",
            ValidationStatus.NETWORK_ERROR,
            services.clock(),
            error_type=outcome.error_type,
            message=message,
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
    try:
        date = email.utils.parsedate_to_datetime(outcome.headers.get("date", ""))
    except (TypeError, ValueError):
        date = None
    evidence = [f"HTTP {outcome.http_status}: {outcome.message or outcome.status}"]
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


def _check_clock(services: TroubleshootDeps, base: str, date: dt.datetime | None) -> Diagnosis:
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


async def check_environment(services: TroubleshootDeps) -> list[Diagnosis]:
    """What `rotui doctor` checks before any key: keyring, config, dirs, clock, reachability."""
    import asyncio

    from rotui.core.model import base_url_for

    keys = services.keys([]) or [
        ManagedKey("KEY", base_url=base_url_for(ManagedKey("KEY"), services.environ))
    ]
    bases = list(dict.fromkeys(k.base_url or DEFAULT_BASE_URL for k in keys))
    found = [await _check_keyring(services), _check_config(services), await _check_dirs(services)]
    http, client = services.client()
    async with http:
        reached = await asyncio.gather(*(_reach(services, client, base) for base in bases))
    found += [diagnosis for diagnosis, _date in reached]
    dated = [(base, date) for base, (_d, date) in zip(bases, reached, strict=True) if date]
    found.append(_check_clock(services, *(dated[0] if dated else (bases[0], None))))
    return found
