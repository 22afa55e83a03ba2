"""The steps before any consumer is touched: pre-check, the new key, its validation."""

from __future__ import annotations

from typing import Any

from rotui.core.anthropic import (
    describe_workspace,
    in_configured_workspace,
    match_remote,
    same_workspace,
)
from rotui.core.errors import KeyFormatError, RotuiError, UsageError
from rotui.core.model import CONSOLE_KEYS_URL, ValidationResult, ValidationStatus
from rotui.core.rotation.deps import Precheck, previous_name
from rotui.core.rotation.engine import RunBase
from rotui.core.rotation.machine import Mode, RunKind, Step
from rotui.core.runs import Run, StepState
from rotui.core.secret import Secret, check_api_key


class _Unknown:
    def __repr__(self) -> str:
        return "unknown"


_UNKNOWN: Any = _Unknown()


class NewKeySteps(RunBase):
    _source_read = False  # the key's own source is read once per process on resume

    async def source_gives_pending(self) -> bool:
        """Whether a resumed run's key source (env:, command:) already gives the new key.

        An ``env:`` value cannot change inside a running process: the operator quits, updates
        the source and resumes. The process that resumes reads the source once, here; when it
        gives PENDING's fingerprint the source step needs no `u` and no paste. A source that
        cannot be read is not an error here: the step then waits for the operator as before.
        """
        run = self.run
        if run is None or not self.resumed or self._source_read or not run.facts.pending_fp:
            return False
        self._source_read = True
        try:
            source = await self.current_secret()
        except RotuiError:
            return False
        return self._fp(source) == run.facts.pending_fp

    # Step 1 ---------------------------------------------------------------------------------------

    async def precheck(self) -> ValidationResult:
        """Confirm the current key works. Read-only until a run exists: nothing is journaled."""
        if self.run is not None:
            self._enter(Step.PRECHECK)
        current = await self.current_secret()
        result = await self._validate(current)
        ok = result.status is ValidationStatus.VALID
        if ok:
            detail = f"current {current.hint} valid (HTTP {result.http_status})"
        elif self.kind is RunKind.EMERGENCY:
            ok = True  # a leaked key may already be dead (auto-revoked): the emergency goes on
            detail = f"current {current.hint} already answers {result.status}"
        else:
            detail = (
                f"the current key answers {result.status}: {result.message or ''}"
                " — if it leaked or died, use the emergency revoke instead"
            )
        self.checked = Precheck(ok, detail, self._now(), current.hint, self._fp(current), result)
        if self.run is not None:
            await self._journal_precheck(self.run)
        if not ok:
            raise RotuiError(
                f"the current key answers {result.status}",
                (result.message or "") + " — if it leaked or died, use the emergency revoke instead",
            )
        return result

    async def _journal_precheck(self, run: Run) -> None:
        """The pre-check's outcome enters the journal with the run's first write."""
        checked = self.checked
        assert checked is not None
        result = checked.result
        facts = run.facts
        facts.current_hint, facts.current_fp = checked.hint, checked.fingerprint
        facts.current_org, facts.current_workspace_id = result.organization_id, result.workspace_id
        facts.current_limits = dict(result.ratelimits)
        if not checked.ok:
            raise self._fail(Step.PRECHECK, checked.detail, "fix the current key first")
        if result.status is not ValidationStatus.VALID:
            run.warnings.append(f"the current key already answers {result.status}")
        if self.key.source != "keyring":
            # The source will change to the new key before the revoke; keep the old value to
            # confirm it answers 401 afterwards (deleted at finish or rollback).
            try:
                current = await self.current_secret()
                await self.deps.store.aset_keyring(previous_name(self.key.name), current)
            except RotuiError as exc:
                run.warnings.append(f"old value not kept ({exc.title}): its 401 cannot be confirmed")
        record = run.step[Step.PRECHECK]
        record.state, record.at, record.detail = StepState.DONE, checked.at, checked.detail
        self._save()
        self._audit(f"secret.{self._verb}.precheck", {"status": str(result.status)})

    async def _validate(self, secret: Secret) -> ValidationResult:
        return await self.deps.client.validate(
            self.key.name,
            secret,
            base_url=self.key.base_url,
            mode=self.deps.settings.validation,
            ping_model=self.deps.settings.ping_model,
            workspace=self.key.workspace,
            admin=self.deps.admin,
        )

    # Step 2 ---------------------------------------------------------------------------------------

    def console_guidance(self) -> tuple[str, str]:
        """Where to create the new key and the name the SOP suggests for it."""
        return (
            CONSOLE_KEYS_URL,
            f"{self.key.name.lower().replace('_', '-')}-rotation-{self.deps.clock():%Y-%m-%d}",
        )

    async def accept_new_key(self, raw: str) -> list[str]:
        """Check the pasted key and store it as PENDING at once: the run starts here."""
        checked = check_api_key(raw)
        new = checked.secret
        if self.run is None and self.mode is Mode.NOW:
            raise UsageError(
                "a revoke-now run deactivates the old key first",
                "nothing is written before the old key is confirmed dead; revoke it first",
            )
        if self.run is None:
            pre = self.checked
            if pre is None or not pre.ok:
                raise UsageError(
                    "the current key has not passed the pre-check",
                    pre.detail if pre else "run the pre-check first",
                )
            if pre.fingerprint == self._fp(new):
                raise KeyFormatError(
                    "this is the current key", "create a new key in the Console and paste that"
                )
            run = self._start()
            if run.step[Step.PRECHECK].state is not StepState.DONE:
                await self._journal_precheck(run)
        run = self._enter(Step.NEW_KEY)
        known = run.facts.pending_fp
        if known and self._fp(new) != known:
            raise KeyFormatError(
                "a different new key was already accepted",
                "this run holds another PENDING key; roll back to start over with this one",
            )
        if run.facts.current_fp == self._fp(new):
            raise KeyFormatError(
                "this is the current key", "create a new key in the Console and paste that"
            )
        self._mark(Step.NEW_KEY, StepState.RUNNING, f"storing {new.hint} as PENDING")
        stored = True
        try:
            await self.deps.store.aset_keyring(f"{self.key.name}#pending", new)
        except RotuiError as exc:
            stored = False
            run.warnings.append(f"PENDING kept in memory only ({exc.title}): a crash would lose it")
        run.facts.pending_hint, run.facts.pending_fp = new.hint, self._fp(new)
        run.facts.pending_stored = stored
        self._pending_in_memory = new
        self._mark(
            Step.NEW_KEY, StepState.DONE, f"PENDING {new.hint}" + ("" if stored else " (memory only)")
        )
        self._audit(
            f"secret.{self._verb}.pending_stored",
            {"hint": new.hint, "fingerprint": self._fp(new), "keyring": stored},
        )
        return list(checked.warnings)

    async def recover_pending(self, raw: str) -> None:
        """After a restart without a keyring: take the same new key again, checked by fingerprint."""
        run = self._run()
        new = check_api_key(raw).secret
        if self._fp(new) != run.facts.pending_fp:
            raise KeyFormatError("not the key this run accepted", f"expected {run.facts.pending_hint}")
        self._pending_in_memory = new

    # Step 3 ---------------------------------------------------------------------------------------

    async def validate_new(self) -> ValidationResult:
        """PENDING works, belongs to the same organization and workspace, with no lower limits."""
        run = self._enter(Step.VALIDATE_NEW)
        new = await self.pending()
        self._mark(Step.VALIDATE_NEW, StepState.RUNNING)
        result = await self._validate(new)
        if result.status is not ValidationStatus.VALID:
            raise self._fail(
                Step.VALIDATE_NEW, f"the new key answers {result.status}", result.message or ""
            )
        current_org = run.facts.current_org
        if current_org and result.organization_id and result.organization_id != current_org:
            raise self._fail(
                Step.VALIDATE_NEW,
                "the new key belongs to another organization",
                f"{result.organization_id} instead of {current_org}: create it in the right organization",
            )
        notes = [f"{new.hint} valid (HTTP {result.http_status})"]
        notes += await self._check_workspace(new, result)
        lower = _lower_limits(run.facts.current_limits, dict(result.ratelimits))
        if lower:
            warning = "new key has lower rate limits: " + ", ".join(lower)
            run.warnings.append(warning)
            notes.append(warning)
        run.facts.pending_valid = True
        self._mark(Step.VALIDATE_NEW, StepState.DONE, "; ".join(notes))
        self._audit(f"secret.{self._verb}.validated", {"org": result.organization_id})
        return result

    async def _check_workspace(self, new: Secret, result: ValidationResult) -> list[str]:
        """The new key lives where the old one does (or where the config says), as the API means it.

        With the Admin API, workspaces are compared through ``scope`` (which names the default
        workspace's real id; the top-level ``workspace_id`` is deprecated): see
        :func:`~rotui.core.anthropic.same_workspace` and ``in_configured_workspace``.
        """
        run = self._run()
        admin = self.deps.admin
        if admin is None:
            expected = self._expected_workspace()
            got = result.workspace_id
            if expected is not _UNKNOWN and got is not None and got != expected:
                raise self._fail(
                    Step.VALIDATE_NEW,
                    "the new key is in another workspace",
                    f"{got} instead of {expected}",
                )
            return ["workspace not checked (no Admin API)"] if expected is _UNKNOWN else []
        client = self.deps.client
        remote = await client.list_api_keys(admin)
        record = match_remote(new, remote)
        if record is None:
            run.warnings.append("the Admin API does not list the new key yet")
            return ["the Admin API does not list the new key yet"]
        run.facts.pending_remote_id = record.id
        run.facts.pending_created = record.created_at.isoformat() if record.created_at else None
        current = next(
            (r for r in remote if r.partial_key_hint.replace("...", "…") == run.facts.current_hint),
            None,
        )
        directory = await client.workspace_directory(admin)
        where = describe_workspace(record, directory)
        verdict: bool | None
        if current is not None:
            run.facts.current_remote_id = current.id
            verdict = same_workspace(record, current)
            wanted = describe_workspace(current, directory)
        else:
            verdict = in_configured_workspace(self.key.workspace, record, directory)
            wanted = f"the configured “{self.key.workspace}”"
        if verdict is False:
            raise self._fail(
                Step.VALIDATE_NEW,
                "the new key is in the wrong workspace",
                f"{where} instead of {wanted}: it would bill the wrong cost center",
            )
        if verdict is None:
            return [f"{where}; “{self.key.workspace}” could not be compared"]
        return [f"{where} as expected"]

    def _expected_workspace(self) -> Any:
        workspace = self.key.workspace
        if workspace.startswith("wrkspc_"):
            return workspace
        if workspace == "default":
            return None
        known = self.run.facts.current_workspace_id if self.run else None
        return known if known else _UNKNOWN


def _lower_limits(current: dict[str, str], new: dict[str, str]) -> list[str]:
    lower = []
    for header, value in current.items():
        if not header.endswith("-limit") or header not in new:
            continue
        try:
            if float(new[header]) < float(value):
                lower.append(f"{header.removeprefix('anthropic-ratelimit-')} {new[header]} < {value}")
        except ValueError:
            continue
    return lower
