"""The rotation SOP as a journaled, resumable state machine.

After AWS Secrets Manager's createSecret / setSecret / testSecret / finishSecret: the key has
CURRENT, PENDING and PREVIOUS versions; every step records its intent before its side effect and
its outcome after, so a crash resumes where it stopped and a key with a PENDING version never
starts over. The old key is never revoked while a consumer is neither verified nor skipped.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rotui.core.anthropic import AnthropicClient, match_remote
from rotui.core.audit import AuditLog
from rotui.core.consumers.base import ConsumerAdapter, ConsumerContext
from rotui.core.consumers.fields import ConsumerSpec, consumer_spec
from rotui.core.errors import KeyFormatError, RotuiError, UsageError
from rotui.core.model import (
    CONSOLE_KEYS_URL,
    ManagedKey,
    Settings,
    ValidationResult,
    ValidationStatus,
)
from rotui.core.runs import (
    STEP_TITLES,
    ConsumerRecord,
    ConsumerState,
    Run,
    RunStatus,
    RunStore,
    StepRecord,
    StepState,
    crash_point,
    new_run_id,
)
from rotui.core.secret import Secret, SecretStore, check_api_key
from rotui.core.timeparse import floor_hour
from rotui.core.usage import OldKeyUsage, fetch_window

ROTATION_STEPS = ["precheck", "new_key", "validate_new", "propagate", "verify", "revoke", "finish"]
REVOKE_NOW_STEPS = ["deactivate", "new_key", "validate_new", "propagate", "verify", "finish"]
EMERGENCY_MODES = ("now", "overlap")
MODE_WORDS = {"now": "revoke-now", "overlap": "overlap"}
READ_ONLY_SOURCE_STEP = "source_update"
REVOKE_POLL_ATTEMPTS = 10
REVOKE_POLL_SECONDS = 3.0
SETTLED = (ConsumerState.VERIFIED, ConsumerState.SKIPPED)


def pending_name(key: str) -> str:
    return f"{key}#pending"


def previous_name(key: str) -> str:
    return f"{key}#previous"


def run_mode(run: Run) -> str:
    """An emergency run's mode ("now" or "overlap"); a rotation is always "overlap"."""
    return str(run.facts.get("mode", "overlap")) if run.kind == "emergency" else "overlap"


def rollback_refusal(run: Run) -> str | None:
    """Why this run can no longer be rolled back (None while it can).

    Rollback puts the old key back on the consumers, so it needs the old key still active: a
    rotation or an overlap emergency until its revoke starts. A revoke-now emergency deactivates
    the old key at its first step: from then on only finishing the run restores service.
    """
    if run.status is not RunStatus.ACTIVE:
        return f"run {run.run_id} is {run.status}"
    started = "revoke_started" in run.facts or "revoked_at" in run.facts
    states = [run.step[s].state for s in ("revoke", "deactivate") if s in run.step]
    if run_mode(run) == "now" and (started or any(s is not StepState.PENDING for s in states)):
        return (
            "a revoke-now run deactivates the old key at its first step, and this one has: the "
            "old key is already revoked (or being revoked in the Console) and cannot be put "
            "back; finish the run with the new key to restore service"
        )
    if started or StepState.DONE in states:
        return "the old key's deactivation has started; finish the run with the new key instead"
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
    unlocked: bool = False  # opened without the key's lock, for questions: every write refused


class Rotation:
    """Drives one key's run step by step; each public method is safe to call again after a crash."""

    def __init__(
        self,
        deps: RotationDeps,
        key: ManagedKey,
        *,
        kind: str = "rotation",
        mode: str = "overlap",
        exposed_at: dt.datetime | None = None,
    ) -> None:
        if kind not in ("rotation", "emergency") or mode not in EMERGENCY_MODES:
            raise UsageError("unknown run kind or mode", f"{kind}/{mode}")
        self.deps = deps
        self.key = key
        self.kind = kind
        self.mode = mode if kind == "emergency" else "overlap"
        self.exposed_at = exposed_at
        self.specs = [
            consumer_spec(c, key.name, f"consumers[{i}]", "<config>")
            for i, c in enumerate(key.consumers)
        ]
        from rotui.core.consumers.registry import adapter_for

        make = deps.adapter_for or adapter_for
        self.adapters = {spec.name: make(spec) for spec in self.specs}
        self.resumed = False

    def open(self) -> Run:
        """Resume the key's active run, or start one (never two: the caller holds the key lock)."""
        active = self.deps.runs.active(self.key.name)
        if active is not None and active.kind != self.kind:
            raise UsageError(
                f"{self.key.name} has an active {active.kind} run",
                f"finish or roll back run {active.run_id} first",
            )
        if active is not None and self.kind == "emergency" and run_mode(active) != self.mode:
            running = MODE_WORDS[run_mode(active)]
            raise UsageError(
                f"{self.key.name} has an active {running} emergency run",
                f"resume run {active.run_id} as {running}"
                + ("" if rollback_refusal(active) else ", or roll it back first"),
            )
        opened = getattr(self, "run", None)
        if opened is None or active is None or opened.run_id != active.run_id:
            self.resumed = active is not None  # opened again in this process: as the first time
        self.run = active if active is not None else self._start()
        self._reconcile()
        if self.resumed and self.exposed_at is not None:
            self.set_exposure(self.exposed_at)  # a time given on resume: recorded and audited
        return self.run

    def _reconcile(self) -> None:
        """The config may have changed since the run began: new consumers join, removed ones leave."""
        configured = {spec.name for spec in self.specs}
        for name in configured - set(self.run.consumers):
            self.run.consumers[name] = ConsumerRecord()
            self.run.warnings.append(f"consumer {name} was added to the config during the run")
        for name in set(self.run.consumers) - configured:
            del self.run.consumers[name]
            self.run.warnings.append(f"consumer {name} was removed from the config during the run")

    async def preflight(self) -> list[tuple[str, list[str]]]:
        """Every credential and tool the run will need, checked without changing anything."""
        checks: list[tuple[str, list[str]]] = []
        problems: list[str] = []
        try:
            await self.current_secret()
        except RotuiError as exc:
            problems.append(str(exc))
        checks.append((f"current key from {self.key.source.split(' ')[0]}", problems))
        if self.deps.settings.admin_key:
            admin_problems = []
            if self.deps.admin is None:
                admin_problems.append("settings.admin_key gave no Admin key")
            else:
                try:
                    await self.deps.client.list_api_keys(
                        self.deps.admin, base_url=self.key.base_url
                    )
                except RotuiError as exc:
                    admin_problems.append(str(exc))
            checks.append(("Admin API key", admin_problems))
        for spec in self.specs:
            adapter = self.adapters[spec.name]
            try:
                found = await adapter.preflight(self.deps.consumer_ctx)
            except RotuiError as exc:
                found = [str(exc)]
            checks.append((f"{spec.name}: {adapter.describe()}", found))
        return checks

    # Journal ---------------------------------------------------------------------------------

    def steps_for_kind(self) -> list[str]:
        """The SOP's order; an emergency "revoke now" deactivates first and repairs after."""
        steps = list(REVOKE_NOW_STEPS if self.mode == "now" else ROTATION_STEPS)
        if self.key.source != "keyring":
            steps.insert(
                steps.index("finish" if self.mode == "now" else "revoke"), READ_ONLY_SOURCE_STEP
            )
        return steps

    def _start(self) -> Run:
        now = self.deps.clock()
        run = Run(
            run_id=new_run_id(self.key.name, now),
            key=self.key.name,
            kind=self.kind,
            steps=self.steps_for_kind(),
            started_at=now.isoformat(),
            actor=self.deps.audit.actor,
        )
        run.step = {name: StepRecord() for name in run.steps}
        run.consumers = {spec.name: ConsumerRecord() for spec in self.specs}
        run.facts["mode"] = self.mode
        if self.exposed_at:
            run.facts["exposed_at"] = self.exposed_at.isoformat()
        self.run = run
        self._save(run)
        context: dict[str, Any] = {"consumers": len(self.specs), "mode": self.mode}
        if self.exposed_at:
            context["exposed_at"] = run.facts["exposed_at"]
        self._audit(f"secret.{self._verb}.started", context)
        return run

    @property
    def _verb(self) -> str:
        return "rotate" if self.kind == "rotation" else "revoke.emergency"

    def _now(self) -> str:
        return self.deps.clock().isoformat()

    def _refuse_unlocked(self) -> None:
        if self.deps.unlocked:  # a programming error, said plainly rather than racing a driver
            raise RotuiError(
                f"{self.key.name}: this view of the rotation holds no lock and cannot change it",
                "open it with the key's lock to write the journal or the audit log",
            )

    def _save(self, run: Run | None = None) -> None:
        self._refuse_unlocked()
        run = run or self.run
        run.updated_at = self._now()
        self.deps.runs.save(run)
        if self.deps.on_change:
            self.deps.on_change(run)

    def _audit(self, action: str, context: dict[str, Any] | None = None) -> None:
        self._refuse_unlocked()
        self.deps.audit.append(
            action, key=self.key.name, run_id=self.run.run_id, context=context or {}
        )

    def _mark(self, step: str, state: StepState, detail: str = "") -> None:
        record = self.run.step[step]
        record.state, record.at = state, self._now()
        if detail:
            record.detail = detail
        self._save()

    def _fail(self, step: str, title: str, message: str) -> RotuiError:
        self._mark(step, StepState.FAILED, f"{title}: {message}")
        return RotuiError(title, message)

    def _consumer(
        self, name: str, state: ConsumerState, detail: str = "", value: str | None = None
    ) -> None:
        record = self.run.consumers[name]
        record.state, record.at, record.detail = state, self._now(), detail
        if value is not None:
            record.value = value
        self._save()

    def _require(self, *steps: str) -> None:
        for step in steps:
            if step in self.run.step and self.run.step[step].state not in (
                StepState.DONE,
                StepState.SKIPPED,
            ):
                raise UsageError(f"“{STEP_TITLES[step]}” is not done yet", "finish that step first")

    def _active(self) -> None:
        if not hasattr(self, "run"):
            self.open()
        if self.run.status is not RunStatus.ACTIVE:
            raise UsageError("this run is over", f"run {self.run.run_id} is {self.run.status}")

    # Secrets ---------------------------------------------------------------------------------

    async def current_secret(self) -> Secret:
        secret = await self.deps.store.aread(self.key.source, self.key.name)
        if secret is None:
            raise RotuiError(
                f"no current value for {self.key.name}", f"{self.key.source} gave nothing"
            )
        return secret

    async def pending_secret(self) -> Secret | None:
        """PENDING from the keyring; None when it was never stored or the keyring is gone."""
        try:
            secret = await self.deps.store.aread("keyring", pending_name(self.key.name))
        except RotuiError:
            return None
        if secret is not None and self.run.facts.get("pending_fp") not in (None, self._fp(secret)):
            raise RotuiError(
                "PENDING in the keyring is not this run's key", "it was changed outside rotui"
            )
        return secret

    def _fp(self, secret: Secret) -> str:
        return self.deps.audit.fingerprint(secret)

    # Step 1 ----------------------------------------------------------------------------------

    async def precheck(self) -> ValidationResult:
        """Confirm the current key works, and remember its organization and limits."""
        self._active()
        self._mark("precheck", StepState.RUNNING)
        current = await self.current_secret()
        result = await self._validate(current)
        facts = self.run.facts
        facts.update(
            current_hint=current.hint,
            current_fp=self._fp(current),
            current_org=result.organization_id,
            current_workspace_id=result.workspace_id,
            current_limits=dict(result.ratelimits),
        )
        if result.status is not ValidationStatus.VALID and self.kind == "emergency":
            # A leaked key may already be dead (auto-revoked): the emergency goes on regardless.
            self.run.warnings.append(f"the current key already answers {result.status}")
        elif result.status is not ValidationStatus.VALID:
            raise self._fail(
                "precheck",
                f"the current key answers {result.status}",
                (result.message or "")
                + " — if it leaked or died, use the emergency revoke instead",
            )
        if self.key.source != "keyring":
            # The source will change to the new key before the revoke; keep the old value to
            # confirm it answers 401 afterwards (deleted at finish).
            try:
                await self.deps.store.aset_keyring(previous_name(self.key.name), current)
            except RotuiError as exc:
                self.run.warnings.append(
                    f"old value not kept ({exc.title}): its 401 cannot be confirmed"
                )
        self._mark(
            "precheck", StepState.DONE, f"current {current.hint} valid (HTTP {result.http_status})"
        )
        self._audit(f"secret.{self._verb}.precheck", {"status": str(result.status)})
        return result

    async def _validate(self, secret: Secret) -> ValidationResult:
        return await self.deps.client.validate(
            self.key.name,
            secret,
            base_url=self.key.base_url,
            mode=self.deps.settings.validation,
            ping_model=self.deps.settings.ping_model,
        )

    # Step 2 ----------------------------------------------------------------------------------

    def console_guidance(self) -> tuple[str, str]:
        """Where to create the new key and the name the SOP suggests for it."""
        return (
            CONSOLE_KEYS_URL,
            f"{self.key.name.lower().replace('_', '-')}-rotation-{self.deps.clock():%Y-%m-%d}",
        )

    async def accept_new_key(self, raw: str) -> list[str]:
        """Check the pasted key and store it as PENDING at once; returns warnings."""
        self._active()
        self._require("precheck")
        checked = check_api_key(raw)
        new = checked.secret
        known = self.run.facts.get("pending_fp")
        if known and self._fp(new) != known:
            raise KeyFormatError(
                "a different new key was already accepted",
                "this run holds another PENDING key; roll back to start over with this one",
            )
        if self.run.facts.get("current_fp") == self._fp(new):
            raise KeyFormatError(
                "this is the current key", "create a new key in the Console and paste that"
            )
        self._mark("new_key", StepState.RUNNING, f"storing {new.hint} as PENDING")
        stored = True
        try:
            await self.deps.store.aset_keyring(pending_name(self.key.name), new)
        except RotuiError as exc:
            stored = False
            self.run.warnings.append(
                f"PENDING kept in memory only ({exc.title}): a crash would lose it"
            )
        self.run.facts.update(
            pending_hint=new.hint, pending_fp=self._fp(new), pending_stored=stored
        )
        self._pending_in_memory = new
        self._mark(
            "new_key", StepState.DONE, f"PENDING {new.hint}" + ("" if stored else " (memory only)")
        )
        self._audit(
            f"secret.{self._verb}.pending_stored",
            {"hint": new.hint, "fingerprint": self._fp(new), "keyring": stored},
        )
        return list(checked.warnings)

    _pending_in_memory: Secret | None = None

    async def pending(self) -> Secret:
        if self._pending_in_memory is not None:
            return self._pending_in_memory
        secret = await self.pending_secret()
        if secret is None:
            raise RotuiError(
                "the PENDING key is not available",
                "it was not in the keyring (no keyring, or deleted); paste the same new key again",
            )
        self._pending_in_memory = secret
        return secret

    async def recover_pending(self, raw: str) -> None:
        """After a crash without a keyring: take the same new key again, checked by fingerprint."""
        new = check_api_key(raw).secret
        if self._fp(new) != self.run.facts.get("pending_fp"):
            raise KeyFormatError(
                "not the key this run accepted", f"expected {self.run.facts.get('pending_hint')}"
            )
        self._pending_in_memory = new

    # Step 3 ----------------------------------------------------------------------------------

    async def validate_new(self) -> ValidationResult:
        """PENDING works, belongs to the same organization and workspace, with no lower limits."""
        self._active()
        self._require("new_key")
        self._mark("validate_new", StepState.RUNNING)
        new = await self.pending()
        result = await self._validate(new)
        if result.status is not ValidationStatus.VALID:
            raise self._fail(
                "validate_new", f"the new key answers {result.status}", result.message or ""
            )
        current_org = self.run.facts.get("current_org")
        if current_org and result.organization_id and result.organization_id != current_org:
            raise self._fail(
                "validate_new",
                "the new key belongs to another organization",
                f"{result.organization_id} instead of {current_org}: create it in the right organization",
            )
        notes = [f"{new.hint} valid (HTTP {result.http_status})"]
        notes += await self._check_workspace(new, result)
        lower = _lower_limits(self.run.facts.get("current_limits") or {}, result.ratelimits)
        if lower:
            warning = "new key has lower rate limits: " + ", ".join(lower)
            self.run.warnings.append(warning)
            notes.append(warning)
        self.run.facts["pending_valid"] = True
        self._mark("validate_new", StepState.DONE, "; ".join(notes))
        self._audit(f"secret.{self._verb}.validated", {"org": result.organization_id})
        return result

    async def _check_workspace(self, new: Secret, result: ValidationResult) -> list[str]:
        admin = self.deps.admin
        expected = self._expected_workspace()
        if admin is None:
            got = result.workspace_id
            if expected is not _UNKNOWN and got is not None and got != expected:
                raise self._fail(
                    "validate_new",
                    "the new key is in another workspace",
                    f"{got} instead of {expected}",
                )
            return ["workspace not checked (no Admin API)"] if expected is _UNKNOWN else []
        remote = await self.deps.client.list_api_keys(admin, base_url=self.key.base_url)
        record = match_remote(new, remote)
        if record is None:
            self.run.warnings.append("the Admin API does not list the new key yet")
            return ["the Admin API does not list the new key yet"]
        self.run.facts.update(
            pending_remote_id=record.id,
            pending_created=record.created_at.isoformat() if record.created_at else None,
        )
        current = next(
            (
                r
                for r in remote
                if r.partial_key_hint.replace("...", "…") == self.run.facts.get("current_hint")
            ),
            None,
        )
        if current is not None:
            self.run.facts["current_remote_id"] = current.id
            expected = current.workspace_id
        if expected is not _UNKNOWN and record.workspace_id != expected:
            raise self._fail(
                "validate_new",
                "the new key is in the wrong workspace",
                f"{record.workspace_id or 'default'} instead of {expected or 'default'}: it would bill the wrong cost center",
            )
        return [f"workspace {record.workspace_id or 'default'} as expected"]

    def _expected_workspace(self) -> Any:
        workspace = self.key.workspace
        if workspace.startswith("wrkspc_"):
            return workspace
        if workspace == "default":
            return None
        known = self.run.facts.get("current_workspace_id")
        return known if known else _UNKNOWN

    # Step 4 ----------------------------------------------------------------------------------

    async def propagate(self, *, only: Iterable[str] | None = None) -> dict[str, str]:
        """Write PENDING to every consumer not yet written, lower orders first; returns failures."""
        self._active()
        self._require("validate_new")
        new = await self.pending()
        self._mark("propagate", StepState.RUNNING)
        failures = await self._write_all(new, "pending", only=only)
        unwritten = [
            n
            for n, r in self.run.consumers.items()
            if r.state in (ConsumerState.PENDING, ConsumerState.WRITING)
        ]
        manual = [n for n in unwritten if self.adapters[n].needs_operator]
        if failures:
            self._mark(
                "propagate",
                StepState.FAILED,
                "failed: "
                + "; ".join(f"{n} ({e})" for n, e in sorted(failures.items()))
                + " — retry redoes only these",
            )
        elif unwritten:
            what = (
                "manual consumers to confirm"
                if len(manual) == len(unwritten)
                else "not written yet"
            )
            self._mark("propagate", StepState.RUNNING, f"{what}: " + ", ".join(unwritten))
        else:
            self.run.facts["propagated_at"] = self._now()
            self._mark("propagate", StepState.DONE, f"{len(self.specs)} consumer(s) written")
        return failures

    async def _write_all(
        self, secret: Secret, version: str, *, only: Iterable[str] | None = None
    ) -> dict[str, str]:
        wanted = set(only) if only is not None else None
        failures: dict[str, str] = {}
        for order in sorted({s.order for s in self.specs}):
            group = [
                s
                for s in self.specs
                if s.order == order
                and (wanted is None or s.name in wanted)
                and not self.adapters[s.name].needs_operator
                and (
                    self.run.consumers[s.name].state
                    in (ConsumerState.PENDING, ConsumerState.WRITING, ConsumerState.FAILED)
                    or (version == "pending" and self.run.consumers[s.name].value == "current")
                )
            ]
            results = await asyncio.gather(
                *(self._bounded_write(s, secret, version) for s in group)
            )
            failures.update({name: err for name, err in results if err})
            if failures:
                break  # higher orders read from lower ones (e.g. apps from Infisical): stop here
        return failures

    async def _bounded_write(
        self, spec: ConsumerSpec, secret: Secret, version: str
    ) -> tuple[str, str | None]:
        if self._writes is None:
            self._writes = asyncio.Semaphore(self.deps.settings.max_concurrency)
        async with self._writes:  # at most max_concurrency consumers written at once
            return await self._write_one(spec, secret, version)

    _writes: asyncio.Semaphore | None = None

    async def _write_one(
        self, spec: ConsumerSpec, secret: Secret, version: str
    ) -> tuple[str, str | None]:
        adapter = self.adapters[spec.name]
        self._audit(
            f"secret.{self._verb}.consumer.writing", {"consumer": spec.name, "value": version}
        )
        self._consumer(
            spec.name,
            ConsumerState.WRITING,
            f"writing {version} to {adapter.describe()}",
            value=version,
        )
        try:
            outcome = await adapter.write(secret, self.deps.consumer_ctx)
            crash_point()  # written, not yet journaled: a resume writes the same value again
        except RotuiError as exc:
            self._consumer(spec.name, ConsumerState.FAILED, str(exc))
            self._audit(
                f"secret.{self._verb}.consumer.failed", {"consumer": spec.name, "reason": exc.title}
            )
            return spec.name, str(exc)
        if outcome.matches is False:
            message = "read back a different value: something else overwrote it"
            self._consumer(spec.name, ConsumerState.FAILED, message)
            return spec.name, message
        record = self.run.consumers[spec.name]
        record.fingerprint = self._fp(secret)
        checked = " (read back and matched)" if outcome.matches else ""
        self._consumer(spec.name, ConsumerState.WRITTEN, outcome.detail + checked, value=version)
        self._audit(
            f"secret.{self._verb}.consumer.written",
            {"consumer": spec.name, "value": version, "fingerprint": self._fp(secret)},
        )
        return spec.name, None

    def confirm_consumer(self, name: str, note: str = "confirmed by the operator") -> None:
        """The operator did a manual consumer's step, or checked one rotui cannot verify."""
        self._active()
        record = self.run.consumers[name]
        if self.adapters[name].needs_operator and record.state is ConsumerState.PENDING:
            self._consumer(name, ConsumerState.VERIFIED, note, value="pending")
        elif record.state is ConsumerState.WRITTEN and not self.adapters[name].spec.verifiable:
            self._consumer(name, ConsumerState.VERIFIED, note)
        elif record.state is ConsumerState.WRITTEN:
            raise UsageError(
                f"{name} is verified by rotui, not by hand",
                "fix what its verify_url or verify_command reports and retry, or skip it with a reason",
            )
        else:
            raise UsageError(
                f"{name} cannot be confirmed now", f"it is {record.state}; write it first"
            )
        self._audit(f"secret.{self._verb}.consumer.confirmed", {"consumer": name, "note": note})
        self._settle_steps()

    def skip_consumer(self, name: str, reason: str) -> None:
        """Leave a consumer out, with a reason that goes in the audit log."""
        self._active()
        if not reason.strip():
            raise UsageError(
                "a reason is required", "say why this consumer is skipped; it is audited"
            )
        self._consumer(name, ConsumerState.SKIPPED, f"skipped: {reason.strip()}")
        self._audit(
            f"secret.{self._verb}.consumer.skipped", {"consumer": name, "reason": reason.strip()}
        )
        self._settle_steps()

    def _settle_steps(self) -> None:
        states = [r.state for r in self.run.consumers.values()]
        propagate, verify = self.run.step.get("propagate"), self.run.step.get("verify")
        written = all(s in (ConsumerState.WRITTEN, *SETTLED) for s in states)
        if propagate and propagate.state is not StepState.DONE and written:
            self.run.facts.setdefault("propagated_at", self._now())
            self._mark("propagate", StepState.DONE, f"{len(states)} consumer(s) written")
        settled = all(s in SETTLED for s in states)
        if (
            verify
            and verify.state is not StepState.DONE
            and propagate
            and propagate.state is StepState.DONE
            and settled
        ):
            self._mark("verify", StepState.DONE, "every consumer verified or skipped")

    # Step 5 ----------------------------------------------------------------------------------

    async def verify(self) -> list[str]:
        """Check every written consumer downstream; returns those that wait for the operator."""
        self._active()
        self._require("propagate")
        self._mark("verify", StepState.RUNNING)
        waiting, failed = [], []
        for spec in self.specs:
            record = self.run.consumers[spec.name]
            if record.state in SETTLED:
                continue
            outcome = await self.adapters[spec.name].verify(self.deps.consumer_ctx)
            if outcome is None:
                waiting.append(spec.name)
                continue
            if outcome.ok:
                self._consumer(spec.name, ConsumerState.VERIFIED, outcome.detail)
                self._audit(f"secret.{self._verb}.consumer.verified", {"consumer": spec.name})
            else:
                failed.append(f"{spec.name} ({outcome.detail})")
                self._consumer(
                    spec.name, ConsumerState.WRITTEN, f"verification failed: {outcome.detail}"
                )
        if failed:
            self._mark("verify", StepState.FAILED, "failed: " + ", ".join(failed))
        elif waiting:
            self._mark("verify", StepState.RUNNING, "to confirm or skip: " + ", ".join(waiting))
        else:
            self._mark("verify", StepState.DONE, "every consumer verified or skipped")
        return waiting

    # Read-only source ------------------------------------------------------------------------

    async def confirm_source_updated(self) -> None:
        """The operator updated the key's own source (env: or command:); rotui checks it."""
        self._active()
        source = await self.current_secret()
        if self._fp(source) != self.run.facts.get("pending_fp"):
            raise self._fail(
                READ_ONLY_SOURCE_STEP,
                f"{self.key.source} still gives {source.hint}",
                f"update it to the new key {self.run.facts.get('pending_hint')} and confirm again",
            )
        self._mark(
            READ_ONLY_SOURCE_STEP, StepState.DONE, f"{self.key.source} now gives the new key"
        )
        self._audit(
            f"secret.{self._verb}.source_updated", {"source": self.key.source.split(" ")[0]}
        )

    # Step 6 ----------------------------------------------------------------------------------

    def revoke_blockers(self) -> list[str]:
        """Why the old key may not be revoked yet (empty when it may)."""
        blockers = []
        if not self.run.facts.get("pending_valid"):
            blockers.append("PENDING is not validated")
        for name, record in self.run.consumers.items():
            if record.state not in SETTLED:
                blockers.append(f"consumer {name} is {record.state}, not verified or skipped")
            elif record.state is ConsumerState.VERIFIED and record.value != "pending":
                blockers.append(f"consumer {name} holds the old key again; propagate once more")
        if (
            READ_ONLY_SOURCE_STEP in self.run.step
            and self.run.step[READ_ONLY_SOURCE_STEP].state is not StepState.DONE
        ):
            blockers.append(f"the key's source {self.key.source.split(' ')[0]} is not updated yet")
        return blockers

    async def old_key_usage(self) -> int | None:
        """Tokens the old key used since propagation finished, from the hour it finished in.

        Hourly buckets: usage earlier in that hour counts too (the report has no finer grain
        than that here), usage earlier that day does not. None without the Admin API.
        """
        admin = self.deps.admin
        old_id = self.run.facts.get("current_remote_id")
        since = self.run.facts.get("propagated_at")
        if admin is None or not old_id or not since:
            return None
        start = floor_hour(dt.datetime.fromisoformat(since))
        usage = await self.deps.client.hourly_usage(
            admin,
            start,
            floor_hour(self.deps.clock()) + dt.timedelta(hours=1),
            api_key_ids=[old_id],
            base_url=self.key.base_url,
        )
        return sum(n for hour, n in usage.get(old_id, {}).items() if hour >= start)

    async def revoke(self, typed_name: str, *, console_confirmed: bool = False) -> str:
        """Deactivate the old key (Admin API) or take the operator's word, then poll for 401."""
        self._active()
        blockers = self.revoke_blockers()
        if blockers:
            raise UsageError("the old key cannot be revoked yet", "; ".join(blockers))
        if typed_name.strip() != self.key.name:
            raise UsageError(
                "confirmation does not match", f"type the key's name, {self.key.name}, to revoke"
            )
        old = await self.current_secret() if self.key.source == "keyring" else None
        await self._revoke_old(old, console_confirmed)
        return self.run.step["revoke"].detail

    async def _revoke_old(
        self,
        old: Secret | None,
        console_confirmed: bool,
        step: str = "revoke",
        keep_previous: bool = True,
    ) -> None:
        admin = self.deps.admin
        old_id = self.run.facts.get("current_remote_id")
        if admin is not None and not old_id:
            remote = await self.deps.client.list_api_keys(admin, base_url=self.key.base_url)
            found = next(
                (
                    r
                    for r in remote
                    if r.partial_key_hint.replace("...", "…") == self.run.facts.get("current_hint")
                ),
                None,
            )
            old_id = found.id if found else None
            self.run.facts["current_remote_id"] = old_id
        if (admin is None or not old_id) and not console_confirmed:
            self._mark(
                step,
                StepState.RUNNING,
                f"revoke {self.run.facts.get('current_hint')} at {CONSOLE_KEYS_URL}, then confirm",
            )
            raise UsageError(
                "revoke the old key in the Console",
                f"{CONSOLE_KEYS_URL}: revoke {self.run.facts.get('current_hint')}, then confirm here",
            )
        if old is not None and keep_previous:
            await self.deps.store.aset_keyring(previous_name(self.key.name), old)
        self.run.facts["revoke_started"] = self._now()
        self._save()
        # A destructive step does not run unless its audit entry is written first.
        self._audit(
            f"secret.{self._verb}.revoke.started",
            {"method": "admin-api" if old_id and admin else "console"},
        )
        self._mark(step, StepState.RUNNING, "deactivating the old key")
        if admin is not None and old_id:
            await self.deps.client.set_api_key_status(
                admin, old_id, "inactive", base_url=self.key.base_url
            )
            crash_point()  # deactivated, not yet journaled: a resume deactivates again (idempotent)
            self.run.facts["revoke_method"] = "admin-api"
        else:
            self.run.facts["revoke_method"] = "operator-assisted-console"
        self._save()
        if old is None:
            old = await self._old_for_probe()
        answered = await self._poll_401(old)
        if not answered:
            raise self._fail(
                step,
                "the old key still works",
                "it did not answer 401 in time: check it was the right key, revoke again, wait a few minutes",
            )
        self.run.facts["revoked_at"] = self._now()
        self._mark(
            step,
            StepState.DONE,
            f"old key {self.run.facts.get('current_hint')} "
            + (
                "deactivated; its 401 NOT confirmed"
                if self.run.facts.get("revoke_unconfirmed")
                else "answers 401"
            )
            + f" ({self.run.facts['revoke_method']})",
        )
        self._audit(f"secret.{self._verb}.revoked", {"method": self.run.facts["revoke_method"]})

    async def _old_for_probe(self) -> Secret | None:
        try:
            return await self.deps.store.aread("keyring", previous_name(self.key.name))
        except RotuiError:
            return None

    async def _poll_401(self, old: Secret | None) -> bool:
        if old is None:
            self.run.warnings.append("the old value is not at hand, so its 401 was NOT confirmed")
            self.run.facts["revoke_unconfirmed"] = True
            return True
        for attempt in range(self.deps.revoke_poll_attempts):
            result = await self.deps.client.validate(self.key.name, old, base_url=self.key.base_url)
            if result.status is ValidationStatus.INVALID:
                return True
            if attempt + 1 < self.deps.revoke_poll_attempts:
                await self.deps.sleep(self.deps.revoke_poll_seconds)
        return False

    # Emergency: revoke now ---------------------------------------------------------------------

    async def deactivate(self, typed_name: str, *, console_confirmed: bool = False) -> str:
        """Revoke now, accepting downtime: note the old key, deactivate it, confirm it answers 401."""
        self._active()
        if typed_name.strip() != self.key.name:
            raise UsageError(
                "confirmation does not match",
                f"type the key's name, {self.key.name}, to revoke it now",
            )
        old = await self.current_secret()
        if "current_fp" not in self.run.facts:
            result = await self._validate(old)
            self.run.facts.update(
                current_hint=old.hint,
                current_fp=self._fp(old),
                current_org=result.organization_id,
                current_workspace_id=result.workspace_id,
                current_limits=dict(result.ratelimits),
            )
        await self._revoke_old(old, console_confirmed, step="deactivate", keep_previous=False)
        return self.run.step["deactivate"].detail

    async def _old_key_id(self, admin: Secret) -> str | None:
        """The Admin API id of the key being replaced: the run's, or matched by its hint."""
        facts = self.run.facts if hasattr(self, "run") else {}
        old_id = facts.get("current_remote_id")
        if not old_id:
            remote = await self.deps.client.list_api_keys(admin, base_url=self.key.base_url)
            current = await self.current_secret()
            record = match_remote(current, remote)
            if record is None:
                return None
            old_id = facts["current_remote_id"] = record.id
        return str(old_id)

    async def old_key_usage_window(
        self, exposed_at: dt.datetime | None = None, *, record: bool = True
    ) -> OldKeyUsage | None:
        """The old key's tokens per UTC hour over the last 7 days, flagged after the exposure.

        The exposure is the one given, else the rotation's, else the run's. An exposure earlier
        than 7 days ago widens the window back to it (at most 31 days). With an open run and
        ``record``, the summary (and a newly given exposure) is kept in the run's facts for the
        incident report. None without the Admin API or when the key is not found in it.
        """
        admin = self.deps.admin
        if admin is None:
            return None
        facts = self.run.facts if hasattr(self, "run") else {}
        exposed = exposed_at or self.exposed_at
        if exposed is None and facts.get("exposed_at"):
            exposed = dt.datetime.fromisoformat(str(facts["exposed_at"]))
        old_id = await self._old_key_id(admin)
        if old_id is None:
            return None
        now = self.deps.clock()
        start, end = fetch_window(now, exposed)
        usage = await self.deps.client.hourly_usage(
            admin, start, end, api_key_ids=[old_id], base_url=self.key.base_url
        )
        summary = OldKeyUsage.build(now, usage.get(old_id, {}), exposed, since=start)
        if record:
            self.note_usage(summary)
        return summary

    def note_usage(self, summary: OldKeyUsage) -> None:
        """Keep a usage summary (and its exposure time) in the open run, for the report."""
        run = getattr(self, "run", None)
        if run is None or run.status is not RunStatus.ACTIVE:
            return
        if summary.exposed_at is not None:
            self.set_exposure(summary.exposed_at)
        run.facts["old_key_usage"] = summary.to_fact()
        self._save()

    def set_exposure(self, when: dt.datetime) -> bool:
        """Record the suspected exposure time in the open run; a new or changed one is audited.

        Returns whether it changed. The same time again (however written) changes nothing.
        """
        run = getattr(self, "run", None)
        if run is None or run.status is not RunStatus.ACTIVE:
            return False
        recorded = run.facts.get("exposed_at")
        if recorded and dt.datetime.fromisoformat(str(recorded)) == when:
            return False
        run.facts["exposed_at"] = when.isoformat()
        self._save()
        self._audit(
            f"secret.{self._verb}.exposure_set",
            {"exposed_at": when.isoformat(), "previous": recorded or None},
        )
        return True

    async def old_key_usage_by_day(self) -> dict[dt.date, int] | None:
        """The old key's tokens per UTC day over the last 7 days (None without the Admin API)."""
        summary = await self.old_key_usage_window(record=False)
        return None if summary is None else summary.by_day()

    # Step 7 ----------------------------------------------------------------------------------

    async def finish(self) -> None:
        """PENDING becomes CURRENT, PREVIOUS is deleted, the age restarts, and the SOP's audit entry."""
        self._active()
        self._require(*[step for step in self.run.steps if step != "finish"])
        self._mark("finish", StepState.RUNNING)
        store = self.deps.store
        try:
            new = await self.pending()
        except RotuiError:
            # A crash after CURRENT was replaced and PENDING deleted: CURRENT already holds it.
            new = await self.current_secret()
            if self._fp(new) != self.run.facts.get("pending_fp"):
                raise
        if self.key.source == "keyring":
            await store.aset_keyring(self.key.name, new)
        for name in (pending_name(self.key.name), previous_name(self.key.name)):
            try:
                await asyncio.to_thread(store.delete_keyring, name)
            except RotuiError as exc:
                self.run.warnings.append(f"could not delete {name}: {exc.title}")
        self.run.facts["completed_at"] = self._now()
        # The SOP's entry goes first: a crash before the run is marked complete repeats it, never loses it.
        self._audit(
            f"secret.{self._verb}.completed",
            {
                "secret_name": self.key.name,
                "method": self.run.facts.get("revoke_method", "operator-assisted-console"),
                "workspace": self.key.workspace,
                "hint": self.run.facts.get("pending_hint"),
            },
        )
        self.run.status = RunStatus.COMPLETED
        self._mark("finish", StepState.DONE, f"CURRENT is now {self.run.facts.get('pending_hint')}")

    # Rollback --------------------------------------------------------------------------------

    async def _old_value(self) -> Secret:
        """The key the run replaces: PREVIOUS when kept, else the source while it still gives it."""
        want = self.run.facts.get("current_fp")
        for source, name in (
            ("keyring", previous_name(self.key.name)),
            (self.key.source, self.key.name),
        ):
            try:
                value = await self.deps.store.aread(source, name)
            except RotuiError:
                continue
            if value is not None and (want is None or self._fp(value) == want):
                return value
        raise RotuiError(
            "the old key is not at hand to put back",
            f"its source {self.key.source.split(' ')[0]} now gives another value: revert the source first",
        )

    async def rollback(self) -> list[str]:
        """Until the revoke: put CURRENT back where PENDING went, discard PENDING; returns manual steps."""
        self._active()
        refusal = rollback_refusal(self.run)
        if refusal is not None:
            raise UsageError("too late to roll back", refusal)
        current = await self._old_value()
        touched = [
            s
            for s in self.specs
            if self.run.consumers[s.name].value == "pending"
            and not self.adapters[s.name].needs_operator
        ]
        for spec in touched:
            self.run.consumers[spec.name].state = ConsumerState.PENDING
        failures = await self._write_all(current, "current", only=[s.name for s in touched])
        if failures:
            raise RotuiError(
                "rollback is incomplete", "; ".join(f"{n}: {e}" for n, e in failures.items())
            )
        manual = [
            f"{s.name}: {self.adapters[s.name].describe()}"
            for s in self.specs
            if self.adapters[s.name].needs_operator
            and self.run.consumers[s.name].value == "pending"
        ]
        try:
            await asyncio.to_thread(self.deps.store.delete_keyring, pending_name(self.key.name))
        except RotuiError as exc:
            self.run.warnings.append(f"could not delete PENDING: {exc.title}")
        self.run.status = RunStatus.ROLLED_BACK
        self._save()
        context: dict[str, Any] = {"restored": [s.name for s in touched], "manual": len(manual)}
        if self.kind == "emergency":
            context["mode"] = self.mode
        self._audit(f"secret.{self._verb}.rolled_back", context)
        return manual


class _Unknown:
    def __repr__(self) -> str:
        return "unknown"


_UNKNOWN: Any = _Unknown()


def _lower_limits(current: dict[str, str], new: dict[str, str]) -> list[str]:
    lower = []
    for header, value in current.items():
        if not header.endswith("-limit") or header not in new:
            continue
        try:
            if float(new[header]) < float(value):
                lower.append(
                    f"{header.removeprefix('anthropic-ratelimit-')} {new[header]} < {value}"
                )
        except ValueError:
            continue
    return lower
