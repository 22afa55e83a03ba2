"""Each troubleshooting flow against the simulated API on loopback: the diagnosis an operator reads."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import httpx
import pytest

from rotui import cli
from rotui.cli.commands import doctor
from rotui.core import anthropic
from rotui.core.errors import UsageError
from rotui.core.model import (
    DEFAULT_BASE_URL,
    Config,
    Consumer,
    ConsumerKind,
    ManagedKey,
    Settings,
    ValidationMode,
)
from rotui.core.runs import Run, RunStatus, RunStore, StepRecord, StepState
from rotui.core.secret import MemoryKeyring, Secret, SecretStore
from rotui.core.troubleshoot import (
    FLOWS,
    Diagnosis,
    check_environment,
    diagnose_consumers,
    diagnose_key,
    diagnose_old_key_still_works,
    diagnose_usage,
    diagnose_workspace,
    forgot_new_key,
    run_doctor,
    usage_spike,
)
from rotui.demo import fake_key
from rotui.demo.hints import demo_hints
from rotui.paths import Paths
from rotui.services import Services
from rotui.sim.anthropic import Behavior, SimKey, SimulatedAnthropic

NAME = "ANTHROPIC_API_KEY"
VALUE = fake_key("doctor-current")
OLD = fake_key("doctor-old")
NEW = fake_key("doctor-new")
ADMIN = fake_key("doctor-admin", "sk-ant-admin01-")
SECRETS = (VALUE, OLD, NEW, ADMIN)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries of 5xx, resets and refused connections still happen, without seconds of backoff."""
    monkeypatch.setattr(anthropic.transport, "INITIAL_BACKOFF", 0.001)


@pytest.fixture
def sim() -> Iterator[SimulatedAnthropic]:
    with SimulatedAnthropic(admin_keys=[ADMIN]) as running:
        yield running


def build(
    root: Path,
    base_url: str,
    *,
    keys: Sequence[ManagedKey] | None = None,
    values: Mapping[str, str] | None = None,
    admin: bool = True,
    environ: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
    timeout: float = 5.0,
    config_path: str | None = None,
    paths: Paths | None = None,
    store: SecretStore | None = None,
) -> Services:
    """Services in-process, like the e2e guards: a memory keyring and loopback (or mock) HTTP."""
    ring = MemoryKeyring()
    for name, value in (values if values is not None else {NAME: VALUE}).items():
        ring.set_password("rotui", name, value)
    env = {"ROTUI_ADMIN": ADMIN, "PATH": os.environ.get("PATH", ""), **(environ or {})}
    settings = Settings(
        admin_key="env:ROTUI_ADMIN" if admin else None,
        admin_base_url=base_url or DEFAULT_BASE_URL,
        timeout_seconds=timeout,
    )
    config = Config(
        settings=settings,
        keys=tuple(keys or (ManagedKey(NAME, environment="prod", base_url=base_url),)),
        path=config_path,
    )
    return Services(
        config=config,
        paths=paths or Paths.under(root / "rotui"),
        store=store or SecretStore(ring, environ=env),
        environ=env,
        clock=clock,
        trust_env=False,
        transport=transport,
    )


def text(diagnosis: Diagnosis) -> str:
    """Everything the operator reads, checked for leaks on the way."""
    shown = json.dumps(diagnosis.to_dict(), ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in shown
    return shown


# My key stopped working -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("behavior", "severity", "says"),
    [
        (Behavior.INVALID, "problem", ["HTTP 401", "revoked", "wrong header", "rotui revoke"]),
        (Behavior.BILLING, "problem", ["HTTP 402", "Billing, not the key", "settings/billing"]),
        (Behavior.NO_CREDIT, "problem", ["HTTP 400", "credit balance", "Billing, not the key"]),
        (Behavior.FORBIDDEN, "problem", ["HTTP 403", "lacks permission", "--flow workspace"]),
        (
            Behavior.RATE_LIMITED,
            "problem",
            ["retry-after: 0.01 s", "after 3 attempts", "--flow usage"],
        ),
        (
            Behavior.SPEND_CAP,
            "problem",
            ["enforced_spend_limit_reached", "monthly spend cap", "settings/limits"],
        ),
        (
            Behavior.SPEND_LIMIT,
            "problem",
            ["HTTP 400", "spend limit you set", "No rotation is needed"],
        ),
        (Behavior.OVERLOADED, "warning", ["HTTP 529", "overloaded for everyone", "status."]),
        (Behavior.SERVER_ERROR, "warning", ["HTTP 500", "provider's side", "3 attempts"]),
        (Behavior.BAD_RESPONSE, "warning", ["HTTP 502", "text/html", "proxy or gateway"]),
        (Behavior.MALFORMED_JSON, "problem", ["HTTP 200", "not the JSON", "captive portal"]),
    ],
)
async def test_each_status_class_gets_its_cause(
    sim: SimulatedAnthropic, tmp_path: Path, behavior: Behavior, severity: str, says: list[str]
) -> None:
    sim.add_key(SimKey(VALUE, behavior=behavior, retry_after="0.01"))
    diagnosis = await diagnose_key(build(tmp_path, sim.base_url, admin=False), NAME)
    shown = text(diagnosis)
    assert diagnosis.severity == severity, shown
    for phrase in says:
        assert phrase in shown, phrase
    assert diagnosis.flow == "key" and diagnosis.key == NAME
    assert diagnosis.checked and diagnosis.cause and diagnosis.next_steps


async def test_a_429_that_outlasted_the_retries_is_not_said_to_clear_by_itself(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    """Walk s14 1.7: rotui had already retried 3 times, honouring retry-after, and the diagnosis
    still said "It clears by itself. Wait 0.2 s and retry"; a retry-after rotui did not wait
    (over 60 s, as the SDK) still says to wait."""
    sim.add_key(SimKey(VALUE, behavior=Behavior.RATE_LIMITED, retry_after="0.01"))
    retried = await diagnose_key(build(tmp_path, sim.base_url, admin=False), NAME)
    assert "3 attempts (retried)" in retried.evidence, retried.evidence
    assert "still 429 after 3 attempts" in retried.cause and "clears" not in retried.cause
    assert not any(s.startswith("Wait") for s in retried.next_steps), retried.next_steps
    assert "--flow usage" in retried.next_steps[0], retried.next_steps
    sim.add_key(SimKey(VALUE, behavior=Behavior.RATE_LIMITED, retry_after="120"))
    once = await diagnose_key(build(tmp_path / "once", sim.base_url, admin=False), NAME)
    assert "It clears by itself" in once.cause, once.cause
    assert once.next_steps[0].startswith("Wait 120 s and retry"), once.next_steps


@pytest.mark.parametrize("behavior", [b for b in Behavior if b is not Behavior.VALID])
async def test_no_next_step_of_a_failing_key_is_a_rotation_it_refuses(
    sim: SimulatedAnthropic, tmp_path: Path, behavior: Behavior
) -> None:
    """Walk s14 2.2: a 401 said "rotate to a new key (r on the dashboard)", and r refuses a key
    that does not answer valid (its pre-check); only the emergency revoke (x) replaces it."""
    sim.add_key(SimKey(VALUE, behavior=behavior, retry_after="0.01"))
    diagnosis = await diagnose_key(build(tmp_path, sim.base_url, admin=False), NAME)
    steps = " ".join(diagnosis.next_steps)
    assert "r on the dashboard" not in steps, steps
    assert "`rotui rotate" not in steps and "rotate to" not in steps, steps
    if behavior in (Behavior.INVALID, Behavior.FORBIDDEN):
        assert f"`rotui revoke {NAME}`, x on the dashboard" in steps, steps


@pytest.mark.parametrize(
    ("status", "cause"),
    [
        ("inactive", "deactivated"),
        ("archived", "deleted in the Console"),
        ("expired", "expired"),
    ],
)
async def test_a_401_names_the_admin_status_of_the_key(
    sim: SimulatedAnthropic, tmp_path: Path, status: str, cause: str
) -> None:
    key = sim.add_key(SimKey(VALUE, name="prod-2026", status=status))
    diagnosis = await diagnose_key(build(tmp_path, sim.base_url), NAME)
    shown = text(diagnosis)
    assert diagnosis.severity == "problem"
    assert f"Admin API: {key.id} “prod-2026” is {status}" in shown
    assert cause in diagnosis.cause


async def test_an_unknown_key_says_the_admin_api_does_not_list_it(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    diagnosis = await diagnose_key(build(tmp_path, sim.base_url), NAME)  # never added to the sim
    assert "the Admin API lists no key with hint sk-ant-api03-" in text(diagnosis)
    assert diagnosis.severity == "problem"


async def test_a_valid_key_is_ok_and_names_the_bearer_header_case(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    sim.add_key(SimKey(VALUE))
    diagnosis = await diagnose_key(build(tmp_path, sim.base_url), NAME)
    assert diagnosis.severity == "ok"
    assert "Authorization: Bearer" in " ".join(diagnosis.next_steps)
    assert "--ping" in " ".join(diagnosis.next_steps)  # an auth check does not prove credit


async def test_a_gateway_that_reads_only_x_api_key_is_named(tmp_path: Path) -> None:
    def gateway(request: httpx.Request) -> httpx.Response:
        if request.headers.get("x-api-key") == VALUE:
            return httpx.Response(200, json={"data": [], "has_more": False})
        body = {"type": "error", "error": {"type": "authentication_error", "message": "no key"}}
        return httpx.Response(401, json=body)

    services = build(
        tmp_path,
        "https://llm-gateway.internal",
        admin=False,
        transport=httpx.MockTransport(gateway),
    )
    diagnosis = await diagnose_key(services, NAME)
    shown = text(diagnosis)
    assert "X-Api-Key → valid; Authorization: Bearer → invalid" in shown
    assert "refuses it as Authorization: Bearer" in diagnosis.cause
    assert "2026-10-21" in diagnosis.cause
    assert diagnosis.severity == "warning"


async def test_no_secret_names_the_source(sim: SimulatedAnthropic, tmp_path: Path) -> None:
    keys = [
        ManagedKey(NAME, base_url=sim.base_url),
        ManagedKey("FROM_ENV", base_url=sim.base_url, source="env:APP_ANTHROPIC_KEY"),
    ]
    services = build(tmp_path, sim.base_url, keys=keys, values={})
    from_keyring = await diagnose_key(services, NAME)
    assert "the keyring entry rotui/ANTHROPIC_API_KEY" in text(from_keyring)
    assert "rotui key set ANTHROPIC_API_KEY" in from_keyring.next_steps[0]
    from_env = await diagnose_key(services, "FROM_ENV")
    assert "APP_ANTHROPIC_KEY (unset or empty for rotui)" in text(from_env)
    assert from_keyring.severity == from_env.severity == "problem"
    assert sim.requests() == []  # nothing to send, nothing sent
    for diagnosis in (from_keyring, from_env):  # walk s13 1.9: and "Checked" says so
        assert "validated" not in diagnosis.checked, diagnosis.checked
        assert "nothing was sent" in diagnosis.checked, diagnosis.checked


async def test_a_value_pasted_with_whitespace_is_named(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    services = build(tmp_path, sim.base_url, values={NAME: VALUE + "\n"})
    diagnosis = await diagnose_key(services, NAME)
    assert "pasted with whitespace" in diagnosis.cause
    text(diagnosis)


# Network failures -------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_connection_refused_names_host_and_port(tmp_path: Path) -> None:
    port = closed_port()
    diagnosis = await diagnose_key(build(tmp_path, f"http://127.0.0.1:{port}", admin=False), NAME)
    shown = text(diagnosis)
    assert f"127.0.0.1:{port} (refused)" in diagnosis.cause
    assert "connection refused" in shown
    assert "no proxy variables set" in shown
    assert diagnosis.severity == "problem"


async def test_dns_failure_shows_the_proxy_environment_without_credentials(tmp_path: Path) -> None:
    def no_dns(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known")

    environ = {
        "HTTPS_PROXY": "http://alice:hunter2@proxy.corp.example:3128",
        "no_proxy": "localhost,.internal",
    }
    services = build(
        tmp_path,
        "https://api.anthropic.example",
        admin=False,
        environ=environ,
        transport=httpx.MockTransport(no_dns),
    )
    diagnosis = await diagnose_key(services, NAME)
    shown = text(diagnosis)
    assert "api.anthropic.example did not resolve (DNS)" in diagnosis.cause
    assert "HTTPS_PROXY=http://proxy.corp.example:3128" in shown
    assert "no_proxy=localhost,.internal" in shown
    assert "hunter2" not in shown and "alice" not in shown


async def test_a_timeout_is_explained(tmp_path: Path) -> None:
    with SimulatedAnthropic(keys=[SimKey(VALUE)], latency=0.4) as slow:
        services = build(tmp_path, slow.base_url, admin=False, timeout=0.1)
        diagnosis = await diagnose_key(services, NAME)
    assert "No answer within 0.1 s" in diagnosis.cause
    assert "timeout_seconds" in " ".join(diagnosis.next_steps)
    text(diagnosis)


async def test_a_reset_connection_is_explained(sim: SimulatedAnthropic, tmp_path: Path) -> None:
    sim.add_key(SimKey(VALUE, behavior=Behavior.RESET))
    diagnosis = await diagnose_key(build(tmp_path, sim.base_url, admin=False), NAME)
    assert "closed in the middle of the answer" in diagnosis.cause
    assert "closed mid-response" in text(diagnosis)


async def test_an_html_page_from_a_proxy_is_a_bad_response(tmp_path: Path) -> None:
    def portal(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            text="<html>Sign in to the guest Wi-Fi</html>",
            headers={"content-type": "text/html"},
        )

    services = build(
        tmp_path,
        "https://api.anthropic.com",
        admin=False,
        transport=httpx.MockTransport(portal),
        environ={"HTTP_PROXY": "proxy.local:8080"},
    )
    diagnosis = await diagnose_key(services, NAME)
    shown = text(diagnosis)
    assert "text/html body: probably a proxy" in shown
    assert "Something other than the Anthropic API answered" in diagnosis.cause
    assert "HTTP_PROXY=http://proxy.local:8080" in shown


# My old key still works after revocation -------------------------------------------------------


def journal(services: Services, **facts: object) -> Run:
    steps = ["precheck", "new_key", "validate_new", "propagate", "verify", "revoke", "finish"]
    run = Run(
        run_id="20261126T100000Z-abc123",
        key=NAME,
        kind="rotation",
        steps=steps,
        started_at=services.clock().isoformat(),
        actor="test",
        status=RunStatus.COMPLETED,
        facts=dict(facts),
    )
    run.step = {s: StepRecord(StepState.DONE) for s in steps}
    RunStore(services.paths.state_dir).save(run)
    return run


async def test_an_old_key_that_still_works_is_a_problem(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    old = sim.add_key(SimKey(OLD, name="prod-old"))  # the revoke missed it: still active
    sim.add_key(SimKey(VALUE))
    services = build(tmp_path, sim.base_url, values={NAME: VALUE, f"{NAME}#previous": OLD})
    revoked = (services.clock() - dt.timedelta(minutes=30)).isoformat()
    journal(
        services,
        current_hint=Secret(OLD).hint,
        current_remote_id=old.id,
        pending_hint=Secret(VALUE).hint,
        revoked_at=revoked,
    )
    diagnosis = await diagnose_old_key_still_works(services, NAME)
    shown = text(diagnosis)
    assert diagnosis.severity == "problem"
    assert f"old key {Secret(OLD).hint} answers valid" in shown
    assert "revoked 30 min ago" in shown
    assert "as active: it was never deactivated" in diagnosis.cause
    assert any("Revoke it again" in s for s in diagnosis.next_steps)
    assert any("Wait a few minutes" in s for s in diagnosis.next_steps)


async def test_an_old_key_that_answers_401_is_ok(sim: SimulatedAnthropic, tmp_path: Path) -> None:
    old = sim.add_key(SimKey(OLD, status="inactive"))
    services = build(tmp_path, sim.base_url, values={NAME: VALUE, f"{NAME}#previous": OLD})
    journal(services, current_hint=Secret(OLD).hint, current_remote_id=old.id)
    diagnosis = await diagnose_old_key_still_works(services, NAME)
    assert diagnosis.severity == "ok"
    assert "is revoked (it answers 401)" in diagnosis.cause
    assert "is inactive" in text(diagnosis)


async def test_without_a_run_or_admin_the_old_key_cannot_be_checked(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    diagnosis = await diagnose_old_key_still_works(build(tmp_path, sim.base_url, admin=False), NAME)
    assert diagnosis.severity == "warning"
    assert "no completed or active rotation" in text(diagnosis)
    assert any("contact Anthropic support" in s for s in diagnosis.next_steps)


async def test_during_a_revoke_now_run_the_old_key_in_the_current_slot_is_sent(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    """Walk s14 1.2: a revoke-now run keeps the old key in CURRENT until it finishes; the flow
    looked only for #previous, sent nothing, said "most likely the new one" with no new key, and
    followed its OK with "revoke it again" and "contact support"."""
    sim.add_key(SimKey(VALUE))
    services = build(tmp_path, sim.base_url)
    async with services.rotation(NAME, kind="emergency", mode="now") as rotation:
        rotation.open()
        await rotation.deactivate(NAME)
    diagnosis = await diagnose_old_key_still_works(services, NAME)
    shown = text(diagnosis)
    assert diagnosis.severity == "ok", shown
    assert f"old key {Secret(VALUE).hint} answers invalid" in shown, shown
    assert "(it answers 401)" in diagnosis.cause, diagnosis.cause
    assert "new one" not in diagnosis.cause and "No new key exists yet" in diagnosis.cause
    steps = " ".join(diagnosis.next_steps)
    assert "Revoke it again" not in steps and "contact Anthropic support" not in steps, steps
    assert "`rotui revoke ANTHROPIC_API_KEY`" in steps, steps  # resumes the run at its new key


async def test_before_an_overlap_run_revokes_the_old_key_working_is_expected(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    """An active run not yet at its revoke: the old key is meant to work; no "revoke it again"."""
    sim.add_key(SimKey(VALUE))
    sim.add_key(SimKey(NEW))
    services = build(tmp_path, sim.base_url)
    async with services.rotation(NAME) as rotation:
        rotation.open()
        await rotation.precheck()
        await rotation.accept_new_key(NEW)
    diagnosis = await diagnose_old_key_still_works(services, NAME)
    shown = text(diagnosis)
    assert diagnosis.severity == "ok", shown
    assert f"old key {Secret(VALUE).hint} answers valid" in shown, shown
    assert "not revoked yet" in diagnosis.cause, diagnosis.cause
    steps = " ".join(diagnosis.next_steps)
    assert "Revoke it again" not in steps and "`rotui rotate ANTHROPIC_API_KEY`" in steps, steps


# I forgot to copy my new key ------------------------------------------------------------------


async def test_forgot_new_key_without_and_with_an_active_run(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    sim.add_key(SimKey(VALUE))
    sim.add_key(SimKey(NEW))
    services = build(tmp_path, sim.base_url, admin=False)
    idle = await forgot_new_key(services, NAME)
    assert "no rotation of ANTHROPIC_API_KEY is in progress" in text(idle)
    assert any("platform.claude.com/settings/keys" in s for s in idle.next_steps)
    assert any("cannot be retrieved" in s for s in idle.next_steps)
    async with services.rotation(NAME) as rotation:
        rotation.open()
        await rotation.precheck()
        looked = await forgot_new_key(services, NAME)  # the pre-check alone starts no run
        assert "no rotation of ANTHROPIC_API_KEY is in progress" in text(looked)
        await rotation.accept_new_key(NEW)
    stored = await forgot_new_key(services, NAME)
    assert stored.severity == "ok"
    assert f"already stored the new key as PENDING ({Secret(NEW).hint})" in stored.cause
    text(stored)


async def test_forgot_new_key_during_an_emergency_resumes_it_with_x(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    """Walk s14 3.4: "Resume the run: x on the dashboard (or the dashboard)"; the run is an
    emergency's, so its command and its dashboard key are both the revoke's."""
    sim.add_key(SimKey(VALUE))
    services = build(tmp_path, sim.base_url)
    async with services.rotation(NAME, kind="emergency", mode="now") as rotation:
        rotation.open()
        await rotation.deactivate(NAME)
    diagnosis = await forgot_new_key(services, NAME)
    assert diagnosis.next_steps[-1] == (
        f"Resume the run: `rotui revoke {NAME}` (x on the dashboard) and paste the new key"
    ), diagnosis.next_steps
    said = demo_hints("R")(diagnosis.next_steps[-1])
    assert said == "Resume the run: x on the dashboard and paste the new key", said


# Unexpected usage or charges -----------------------------------------------------------------


def test_the_spike_rule_is_the_dashboards() -> None:
    today = dt.date(2026, 11, 26)
    steady = {today - dt.timedelta(days=i): 1000 for i in range(7)}
    assert usage_spike(steady) is None
    assert "over 3× the 7-day median (1,000)" in str(usage_spike({**steady, today: 3001}))
    assert usage_spike({**steady, today: 3000}) is None


async def test_a_usage_spike_is_flagged_with_the_emergency_revoke(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    key = sim.add_key(SimKey(VALUE))
    calm = sim.add_key(SimKey(OLD))
    today = utcnow().date()
    for back in range(7):
        day = (today - dt.timedelta(days=back)).isoformat()
        sim.add_usage(key.id, day, 800, 200)
        sim.add_usage(calm.id, day, 800, 200)
    sim.add_usage(key.id, today.isoformat(), 40_000, 10_000)
    keys = [
        ManagedKey(NAME, base_url=sim.base_url),
        ManagedKey("ANTHROPIC_API_KEY_CALM", base_url=sim.base_url),
    ]
    services = build(
        tmp_path, sim.base_url, keys=keys, values={NAME: VALUE, "ANTHROPIC_API_KEY_CALM": OLD}
    )
    everything = await diagnose_usage(services)
    shown = text(everything)
    assert everything.severity == "problem"
    assert f"⚠ {NAME}: 51,000 tokens on" in shown
    assert "⚠ ANTHROPIC_API_KEY_CALM" not in shown
    assert f"`rotui revoke {NAME}`" in everything.next_steps[0]
    calm_only = await diagnose_usage(services, "ANTHROPIC_API_KEY_CALM")
    assert calm_only.severity == "ok"
    assert any("rotui revoke ANTHROPIC_API_KEY_CALM" in s for s in calm_only.next_steps)


async def test_usage_without_the_admin_api_says_what_it_needs(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    diagnosis = await diagnose_usage(build(tmp_path, sim.base_url, admin=False), NAME)
    assert diagnosis.severity == "warning"
    assert "settings.admin_key" in diagnosis.next_steps[0]
    assert "no usage was read" in diagnosis.checked, diagnosis.checked  # not "the usage report"


# Consumers fail after rotation --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "resume"),
    [
        ("rotation", f"`rotui rotate {NAME}` (r on the dashboard)"),
        ("emergency", f"`rotui revoke {NAME}` (x on the dashboard)"),  # r refuses it (s14 2.2)
    ],
)
async def test_consumers_failing_after_rotation_are_named(
    sim: SimulatedAnthropic, tmp_path: Path, kind: str, resume: str
) -> None:
    sim.add_key(SimKey(VALUE))
    sim.add_key(SimKey(NEW))
    dotenv = tmp_path / "app.env"
    dotenv.write_text(f"{NAME}={VALUE}\n")
    failing = [sys.executable, "-c", "import sys; sys.exit('upstream answered 401')"]
    consumers = (
        Consumer(
            "dotenv",
            ConsumerKind.ENV_FILE,
            {"name": "dotenv", "kind": "env-file", "path": str(dotenv), "verify_command": failing},
        ),
        Consumer(
            "runtime",
            ConsumerKind.COMMAND,
            {"name": "runtime", "kind": "command", "run": ["true"], "verify_command": ["true"]},
        ),
        Consumer("laptop", ConsumerKind.MANUAL, {"instructions": "Update ~/.zshrc"}),
    )
    key = ManagedKey(NAME, environment="prod", base_url=sim.base_url, consumers=consumers)
    services = build(tmp_path, sim.base_url, keys=[key], admin=False)
    async with services.rotation(NAME, kind=kind) as rotation:
        rotation.open()
        await rotation.precheck()
        await rotation.accept_new_key(NEW)
        await rotation.validate_new()
        await rotation.propagate()
        rotation.confirm_consumer("laptop")
        await rotation.verify()
    before = dotenv.read_text()
    diagnosis = await diagnose_consumers(services, NAME)
    shown = text(diagnosis)
    assert diagnosis.severity == "problem"
    assert "✗ dotenv" in shown and "FAILS" in shown and "upstream answered 401" in shown
    assert "dotenv holds" in shown and "the NEW key" in shown
    assert "✓ runtime" in shown
    assert "? laptop: manual" in shown
    assert diagnosis.cause.startswith("dotenv fails its check")
    assert f"{resume} resumes the run at its verify step" in diagnosis.next_steps
    assert dotenv.read_text() == before  # a diagnosis writes nothing


# Wrong workspace or different rate limits ------------------------------------------------------


async def test_a_key_in_another_workspace_with_lower_limits(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    sim.add_key(SimKey(VALUE, workspace_id="wrkspc_01Elsewhere", requests_limit=50))
    sim.add_key(SimKey(OLD))
    keys = [
        ManagedKey(NAME, environment="prod", workspace="default", base_url=sim.base_url),
        ManagedKey("ANTHROPIC_API_KEY_BATCH", environment="prod", base_url=sim.base_url),
        ManagedKey("ANTHROPIC_API_KEY_DEV", environment="dev", base_url=sim.base_url),
    ]
    values = {NAME: VALUE, "ANTHROPIC_API_KEY_BATCH": OLD}
    services = build(tmp_path, sim.base_url, keys=keys, values=values)
    diagnosis = await diagnose_workspace(services, NAME)
    shown = text(diagnosis)
    assert diagnosis.severity == "problem"
    assert (
        "is in workspace wrkspc_01Elsewhere, configured as the default workspace" in diagnosis.cause
    )
    assert "lower limits than ANTHROPIC_API_KEY_BATCH: requests 50 < 4,000" in shown
    assert "ANTHROPIC_API_KEY_DEV" not in shown  # another environment is not compared
    peer = await diagnose_workspace(services, "ANTHROPIC_API_KEY_BATCH")
    assert peer.severity == "ok", text(peer)  # the mismatch is the other key's, not this one's
    assert diagnosis.checked.startswith("validated 2 of the 2 key(s) of environment “prod” and")
    assert any(f"rotate to it (`rotui rotate {NAME}`" in s for s in diagnosis.next_steps)


async def test_a_key_that_does_not_answer_valid_is_moved_by_the_emergency_revoke(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    """The class of walk s14 2.2: "rotate to it" for a key a rotation's pre-check refuses."""
    sim.add_key(SimKey(VALUE, behavior=Behavior.FORBIDDEN))
    diagnosis = await diagnose_workspace(build(tmp_path, sim.base_url), NAME)
    steps = " ".join(diagnosis.next_steps)
    assert "rotui rotate" not in steps and f"`rotui revoke {NAME}`, x on the dashboard" in steps


async def test_the_workspace_check_does_not_claim_a_key_with_no_value_was_validated(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    """The class of walk s13 1.9: a key with no value is not sent, so not "validated"."""
    sim.add_key(SimKey(VALUE))
    keys = [
        ManagedKey(NAME, environment="prod", base_url=sim.base_url),
        ManagedKey("ANTHROPIC_API_KEY_BATCH", environment="prod", base_url=sim.base_url),
    ]
    services = build(tmp_path, sim.base_url, keys=keys, values={NAME: VALUE})
    diagnosis = await diagnose_workspace(services, NAME)
    assert "validated 1 of the 2 key(s)" in diagnosis.checked, diagnosis.checked
    assert "(1 with no value: nothing sent)" in diagnosis.checked, diagnosis.checked


# The environment -------------------------------------------------------------------------------


def by_title(found: list[Diagnosis]) -> dict[str, Diagnosis]:
    return {d.title: d for d in found}


async def test_a_healthy_environment(sim: SimulatedAnthropic, tmp_path: Path) -> None:
    config = tmp_path / "rotui.toml"
    config.write_text("")
    config.chmod(0o600)
    found = by_title(
        await check_environment(build(tmp_path, sim.base_url, config_path=str(config)))
    )
    assert set(found) == {
        "Keyring backend",
        "Configuration file",
        "State directory writable",
        f"Reachability of {sim.base_url}",
        "Clock",
    }
    assert all(d.severity == "ok" for d in found.values()), [d.to_dict() for d in found.values()]
    assert "MemoryKeyring" in found["Keyring backend"].evidence[0]
    assert not (tmp_path / "rotui").exists()  # checking the state dir created nothing


async def test_a_world_readable_config_and_an_unwritable_state_dir(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    config = tmp_path / "rotui.toml"
    config.write_text("")
    config.chmod(0o644)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    paths = Paths.under(tmp_path / "ok")
    paths = Paths(
        paths.config_dir, blocker / "state", paths.data_dir, paths.cache_dir, paths.log_dir
    )
    services = build(tmp_path, sim.base_url, config_path=str(config), paths=paths)
    found = by_title(await check_environment(services))
    assert found["Configuration file"].severity == "warning"
    assert "mode 0644" in found["Configuration file"].evidence[0]
    assert "readable by group and everyone" in found["Configuration file"].cause
    assert found["Configuration file"].next_steps == [f"chmod 600 {config}"]
    assert found["State directory writable"].severity == "problem"
    assert "not-a-dir is not a writable directory" in " ".join(
        found["State directory writable"].evidence
    )


async def test_clock_skew_against_the_api_date_header(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    late = build(tmp_path, sim.base_url, clock=lambda: utcnow() - dt.timedelta(minutes=10))
    clock = by_title(await check_environment(late))["Clock"]
    assert clock.severity == "warning"
    assert "behind" in clock.cause and "NTP" in clock.next_steps[0]


async def test_no_keyring_is_a_problem_when_a_key_needs_it(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    # conftest selects keyring's fail backend: the same as a headless host with no keyring.
    services = build(tmp_path, sim.base_url, store=SecretStore(environ={"ROTUI_ADMIN": ADMIN}))
    keyring = by_title(await check_environment(services))["Keyring backend"]
    assert keyring.severity == "problem"
    assert "env:VAR" in keyring.cause


async def test_an_unreachable_api_is_a_problem(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    found = by_title(await check_environment(build(tmp_path, base)))
    assert found[f"Reachability of {base}"].severity == "problem"
    assert found["Clock"].severity == "warning"  # nothing answered, so no Date header


# rotui doctor -----------------------------------------------------------------------------------


async def test_doctor_exit_codes_and_json_shape(sim: SimulatedAnthropic, tmp_path: Path) -> None:
    key = sim.add_key(SimKey(VALUE))
    services = build(tmp_path, sim.base_url)
    code, out = await run_doctor(services, NAME, True, None)
    document = json.loads(out)
    assert code == 0 and document["ok"] is True and document["exit_code"] == 0
    assert set(document) == {"ok", "exit_code", "key", "flow", "checked_at", "summary", "diagnoses"}
    assert document["key"] == NAME and document["flow"] is None
    assert document["summary"] == {"ok": 6, "warning": 0, "problem": 0}
    assert {d["flow"] for d in document["diagnoses"]} == {"environment", "key"}
    for diagnosis in document["diagnoses"]:
        assert set(diagnosis) == {
            "title",
            "checked",
            "evidence",
            "cause",
            "next_steps",
            "severity",
            "flow",
            "key",
        }
    sim.set_behavior(key.id, Behavior.INVALID)
    code, out = await run_doctor(services, NAME, False, None)
    assert code == 1
    assert "✗ PROBLEM · My key stopped working · ANTHROPIC_API_KEY" in out
    assert "Likely cause:" in out and "Next steps:" in out and "1 problem(s)" in out
    assert VALUE not in out
    code, out = await run_doctor(services, None, True, "usage")
    assert code == 0 and json.loads(out)["flow"] == "usage"


async def test_doctor_usage_errors(sim: SimulatedAnthropic, tmp_path: Path) -> None:
    keys = [ManagedKey(NAME, base_url=sim.base_url), ManagedKey("OTHER", base_url=sim.base_url)]
    services = build(tmp_path, sim.base_url, keys=keys)
    with pytest.raises(UsageError, match="unknown flow"):
        await run_doctor(services, NAME, False, "nope")
    with pytest.raises(UsageError, match="unknown key"):
        await run_doctor(services, "MISSING", False, None)
    with pytest.raises(UsageError, match="needs a key"):
        await run_doctor(services, None, False, "consumers")


def test_the_cli_glue_parses_and_prints(sim: SimulatedAnthropic, tmp_path: Path) -> None:
    sim.add_key(SimKey(VALUE))
    parser = cli.build_parser()
    args = parser.parse_args(["doctor", NAME, "--json", "--flow", "key"])
    printed: list[str] = []

    class Ctx:
        def services(self) -> Services:
            return build(tmp_path, sim.base_url)

        def out(self, line: str) -> None:
            printed.append(line)

    assert doctor.run(args, Ctx()) == 0  # type: ignore[arg-type]  # a stand-in for Context
    assert json.loads(printed[0])["diagnoses"][0]["severity"] == "ok"
    with pytest.raises(SystemExit):
        parser.parse_args(["doctor", "--flow", "nope"])
    assert set(FLOWS) == {
        "key",
        "old-key",
        "forgot-new-key",
        "usage",
        "consumers",
        "workspace",
        "environment",
    }


async def test_no_credit_says_what_the_organizations_other_keys_showed(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    """Walk s13 1.5: "every key of the organization fails the same way" while the dashboard
    shows others of it valid. The cause says what rotui last saw of them instead."""
    peer = "ANTHROPIC_API_KEY_PEER"
    sim.add_key(SimKey(VALUE, behavior=Behavior.NO_CREDIT))
    sim.add_key(SimKey(OLD))  # the peer: same (default) organization, works
    keys = [ManagedKey(NAME, base_url=sim.base_url), ManagedKey(peer, base_url=sim.base_url)]
    services = build(tmp_path, sim.base_url, keys=keys, values={NAME: VALUE, peer: OLD})

    alone = await diagnose_key(services, NAME)  # nothing saved about the peer
    assert "Billing, not the key" in alone.cause and "Every key" not in alone.cause
    assert "No other key of this organization was validated" in alone.cause, alone.cause

    await services.validate([peer])  # auth mode: GET /v1/models, spends nothing
    unbilled = await diagnose_key(services, NAME)
    assert f"{peer} answered valid when last checked, but that check spends nothing" in (
        unbilled.cause
    ), unbilled.cause
    assert any(
        line.startswith(f"same organization: {peer} valid (auth)") for line in unbilled.evidence
    )
    assert f"`rotui validate {peer} --ping`" in unbilled.next_steps[-2]  # before "check again"

    await services.validate([peer], mode=ValidationMode.PING)  # billed, and it worked
    billed = await diagnose_key(services, NAME)
    assert f"Yet {peer} answered valid to a billed request" in billed.cause, billed.cause

    sim.set_behavior(OLD, Behavior.NO_CREDIT)
    await services.validate([peer])
    both = await diagnose_key(services, NAME)
    assert f"{peer}, of the same organization, failed the same way" in both.cause, both.cause
    assert "--ping" not in " ".join(both.next_steps[3:])
    text(both)


def test_a_large_organization_is_summed_up_not_listed() -> None:
    """10,000 keys in one organization: a few named (the telling ones first), the rest counted."""
    from rotui.core.model import ValidationResult, ValidationStatus
    from rotui.core.troubleshoot.key import SHOWN_PEERS, _same_organization

    at = dt.datetime(2026, 11, 30, 14, 50, tzinfo=dt.UTC)
    org = "8f1c2e0a-0000-4000-8000-000000000001"
    saved = {
        f"K{i:05}": ValidationResult(f"K{i:05}", ValidationStatus.INVALID, at, organization_id=org)
        for i in range(10_000)
    }
    saved["K09999"] = ValidationResult(
        "K09999", ValidationStatus.NO_CREDIT, at, organization_id=org
    )
    saved["OTHER_ORG"] = ValidationResult(
        "OTHER_ORG", ValidationStatus.VALID, at, organization_id="x"
    )
    said, evidence, steps = _same_organization(NAME, org, saved)
    assert len(evidence) == SHOWN_PEERS + 1 and "9995 more key(s)" in evidence[-1], evidence
    assert evidence[0].startswith("same organization: K09999 no_credit"), evidence
    assert "K09999, of the same organization, failed the same way." in said
    assert "OTHER_ORG" not in " ".join(evidence) and steps == []


async def test_a_consumer_the_run_could_not_write_is_said_so_not_unchecked(
    sim: SimulatedAnthropic, tmp_path: Path
) -> None:
    """Propagate failed on a command consumer with no verify: "every consumer rotui can check
    passes; confirm the unchecked by hand" (walk s14b 1.5). The run stopped at that write."""
    sim.add_key(SimKey(VALUE))
    sim.add_key(SimKey(NEW))
    failing = [sys.executable, "-c", "import sys; sys.exit('agentctl: cannot reach the fleet')"]
    consumers = (
        Consumer("agent", ConsumerKind.COMMAND, {"name": "agent", "kind": "command", "run": failing}),
    )
    key = ManagedKey(NAME, environment="prod", base_url=sim.base_url, consumers=consumers)
    services = build(tmp_path, sim.base_url, keys=[key], admin=False)
    async with services.rotation(NAME) as rotation:
        rotation.open()
        await rotation.precheck()
        await rotation.accept_new_key(NEW)
        await rotation.validate_new()
        await rotation.propagate()  # the write fails: the step says so, the run stays active
        assert rotation.run is not None and rotation.run.consumers["agent"].state == "failed"
    diagnosis = await diagnose_consumers(services, NAME)
    assert diagnosis.severity == "problem"
    assert diagnosis.cause.startswith("agent could not be written in run "), diagnosis.cause
    assert "passes" not in diagnosis.cause
    assert any("R retries the write, b rolls back" in step for step in diagnosis.next_steps)
    assert not any("verify_url" in step for step in diagnosis.next_steps), diagnosis.next_steps
