"""Propagation and downstream verification: PENDING onto every consumer, each write journaled.

A consumer's believed value becomes ``unknown`` when its write starts and ``pending`` (or
``current``, in a rollback) only when the write is confirmed; a failure, a timeout or a death
in between leaves ``unknown``, which a retry or a rollback rewrites.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from rotui.core.consumers.fields import ConsumerSpec
from rotui.core.errors import AwaitingApproval, RotuiError, UsageError
from rotui.core.rotation import policy
from rotui.core.rotation.engine import RunBase
from rotui.core.rotation.machine import SETTLED, WRITTEN_OR_SETTLED, Step
from rotui.core.runs import ConsumerState, Held, StepState, crash_point
from rotui.core.secret import Secret


class PropagationSteps(RunBase):
    # Step 4 ---------------------------------------------------------------------------------------

    async def propagate(self, *, only: Iterable[str] | None = None) -> dict[str, str]:
        """Write PENDING to every consumer not known to hold it, lower orders first; returns failures."""
        run = self._enter(Step.PROPAGATE)
        new = await self.pending()
        self._mark(Step.PROPAGATE, StepState.RUNNING)
        for name, record in run.consumers.items():
            if record.state is ConsumerState.WAITING:  # a change request: merged yet?
                await self._recheck(name, new, Held.PENDING)
        wanted = set(only) if only is not None else None
        targets = [
            s.name
            for s in self.specs
            if s.name not in self.operator
            and (wanted is None or s.name in wanted)
            and run.consumers[s.name].state not in (ConsumerState.SKIPPED, ConsumerState.WAITING)
            and (
                run.consumers[s.name].value is not Held.PENDING
                or run.consumers[s.name].state in (ConsumerState.PENDING, ConsumerState.WRITING)
            )
        ]
        failures = await self._write_all(new, Held.PENDING, targets)
        unwritten = [n for n, r in run.consumers.items() if r.state not in WRITTEN_OR_SETTLED]
        if failures:
            self._mark(
                Step.PROPAGATE,
                StepState.FAILED,
                "failed: "
                + "; ".join(f"{n} ({e})" for n, e in sorted(failures.items()))
                + " — retry redoes only these",
            )
        elif unwritten:
            manual = [n for n in unwritten if n in self.operator]
            waiting = [n for n in unwritten if run.consumers[n].state is ConsumerState.WAITING]
            what = (
                "waiting for approval"
                if waiting
                else policy.MANUAL_DUE
                if manual == unwritten
                else "not written yet"
            )
            self._mark(Step.PROPAGATE, StepState.RUNNING, f"{what}: " + ", ".join(waiting or unwritten))
        else:
            run.facts.propagated_at = self._now()
            self._mark(Step.PROPAGATE, StepState.DONE, f"{len(self.specs)} consumer(s) written")
        return failures

    async def _write_all(self, secret: Secret, version: Held, names: list[str]) -> dict[str, str]:
        """Write ``secret`` to ``names``, one order at a time; stops after an order that failed."""
        failures: dict[str, str] = {}
        for order in sorted({s.order for s in self.specs}):
            group = [s for s in self.specs if s.order == order and s.name in names]
            results = await asyncio.gather(
                *(self._bounded_write(s, secret, version) for s in group)
            )
            failures.update({name: err for name, err in results if err})
            consumers = self._run().consumers
            waiting = any(
                consumers[s.name].state is ConsumerState.WAITING
                for s in self.specs
                if s.order == order
            )
            if failures or waiting:
                break  # higher orders read from lower ones (e.g. apps from Infisical): stop here
        return failures

    async def _bounded_write(
        self, spec: ConsumerSpec, secret: Secret, version: Held
    ) -> tuple[str, str | None]:
        if self._writes is None:
            self._writes = asyncio.Semaphore(self.deps.settings.max_concurrency)
        async with self._writes:  # at most max_concurrency consumers written at once
            return await self._write_one(spec, secret, version)

    async def _write_one(
        self, spec: ConsumerSpec, secret: Secret, version: Held
    ) -> tuple[str, str | None]:
        adapter = self.adapters[spec.name]
        self._audit(
            f"secret.{self._verb}.consumer.writing", {"consumer": spec.name, "value": str(version)}
        )
        self._consumer(  # from here until confirmed, nobody knows what it holds
            spec.name,
            ConsumerState.WRITING,
            f"writing {version} to {adapter.describe()}",
            value=Held.UNKNOWN,
        )
        try:
            outcome = await adapter.write(secret, self.deps.consumer_ctx)
            crash_point()  # written, not yet journaled: a resume writes the same value again
        except AwaitingApproval as waiting:
            # Neither written nor failed: a reviewer decides. Its value stays unknown (it may
            # be merged at any time); it is read back, never written again, until then.
            self._consumer(spec.name, ConsumerState.WAITING, str(waiting))
            self._audit(
                f"secret.{self._verb}.consumer.waiting",
                {"consumer": spec.name, "value": str(version), "reason": waiting.title},
            )
            return spec.name, None
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
        record = self._run().consumers[spec.name]
        record.fingerprint = self._fp(secret)
        said = "read-back" in outcome.detail  # the adapters that read back say so themselves
        checked = " (read back and matched)" if outcome.matches and not said else ""
        self._consumer(spec.name, ConsumerState.WRITTEN, outcome.detail + checked, value=version)
        self._audit(
            f"secret.{self._verb}.consumer.written",
            {"consumer": spec.name, "value": str(version), "fingerprint": self._fp(secret)},
        )
        return spec.name, None

    async def _recheck(self, name: str, secret: Secret, version: Held) -> None:
        """A consumer waiting for approval: written once it reads back ``secret``."""
        try:
            holds = await self.adapters[name].holds(secret, self.deps.consumer_ctx)
        except RotuiError:
            holds = None
        if holds:
            self._consumer(name, ConsumerState.WRITTEN, "the change request was merged", value=version)
            self._audit(
                f"secret.{self._verb}.consumer.written",
                {"consumer": name, "value": str(version), "fingerprint": self._fp(secret)},
            )

    def confirm_consumer(self, name: str, note: str = "confirmed by the operator") -> None:
        """The operator did a manual consumer's step, or checked one rotui cannot verify."""
        run = self._run()
        if run.current_step() not in (Step.PROPAGATE, Step.VERIFY) or run.facts.rollback_started:
            raise UsageError(f"{name} cannot be confirmed now", "consumers are confirmed while propagating or verifying")
        self.take_lock()
        record = self._require_consumer(name)
        value: Held | None = None
        if name in self.operator and record.state is ConsumerState.PENDING:
            value = Held.PENDING
        elif record.state is ConsumerState.WRITTEN and name in self.unverifiable | self.operator:
            pass
        elif record.state is ConsumerState.WRITTEN:
            raise UsageError(
                f"{name} is verified by rotui, not by hand",
                "fix what its verify_url or verify_command reports and retry, or skip it with a reason",
            )
        else:
            raise UsageError(f"{name} cannot be confirmed now", f"it is {record.state.words}; write it first")
        # Audited first: when the audit cannot be written, the confirmation is not journaled.
        self._audit(f"secret.{self._verb}.consumer.confirmed", {"consumer": name, "note": note})
        self._consumer(name, ConsumerState.VERIFIED, note, value=value)
        self._settle_steps()

    def skip_consumer(self, name: str, reason: str) -> None:
        """Leave a consumer out, with a reason that goes in the audit log."""
        run = self._run()
        if run.facts.rollback_started or run.facts.revoke_started:
            raise UsageError(f"{name} cannot be skipped now", "the revoke or a rollback has begun")
        if not reason.strip():
            raise UsageError("a reason is required", "say why this consumer is skipped; it is audited")
        self.take_lock()
        self._require_consumer(name)
        # Audited first: when the audit cannot be written, the skip is not journaled.
        self._audit(
            f"secret.{self._verb}.consumer.skipped", {"consumer": name, "reason": reason.strip()}
        )
        # its believed value stays: a rollback still restores a skipped consumer
        self._consumer(name, ConsumerState.SKIPPED, f"skipped: {reason.strip()}")
        self._settle_steps()

    def _require_consumer(self, name: str):  # type: ignore[no-untyped-def]
        try:
            return self._run().consumers[name]
        except KeyError:
            raise UsageError(f"no consumer {name}", "consumers are named in the config") from None

    def _settle_steps(self) -> None:
        run = self._run()
        states = [r.state for r in run.consumers.values()]
        propagate, verify = run.step.get(Step.PROPAGATE), run.step.get(Step.VERIFY)
        written = all(s in WRITTEN_OR_SETTLED for s in states)
        pending_valid = run.facts.pending_valid
        if propagate and propagate.state is not StepState.DONE and written and pending_valid:
            run.facts.propagated_at = run.facts.propagated_at or self._now()
            self._mark(Step.PROPAGATE, StepState.DONE, f"{len(states)} consumer(s) written")
        settled = all(s in SETTLED for s in states)
        if (
            verify
            and verify.state is not StepState.DONE
            and propagate
            and propagate.state is StepState.DONE
            and settled
        ):
            self._mark(Step.VERIFY, StepState.DONE, "every consumer verified or skipped")

    # Step 5 ---------------------------------------------------------------------------------------

    async def verify(self) -> list[str]:
        """Check every written consumer downstream; returns those that wait for the operator."""
        run = self._enter(Step.VERIFY)
        self._mark(Step.VERIFY, StepState.RUNNING)
        waiting, failed = [], []
        for spec in self.specs:
            record = run.consumers[spec.name]
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
            self._mark(Step.VERIFY, StepState.FAILED, "failed: " + ", ".join(failed))
        elif waiting:
            self._mark(Step.VERIFY, StepState.RUNNING, "to confirm or skip: " + ", ".join(waiting))
        else:
            self._mark(Step.VERIFY, StepState.DONE, "every consumer verified or skipped")
        return waiting

    # The key's own source -------------------------------------------------------------------------

    async def confirm_source_updated(self) -> None:
        """The operator updated the key's own source (env: or command:); rotui checks it."""
        run = self._enter(Step.SOURCE_UPDATE)
        source = await self.current_secret()
        if self._fp(source) != run.facts.pending_fp:
            raise self._fail(
                Step.SOURCE_UPDATE,
                f"{self.key.source.split(' ')[0]} still gives {source.hint}",
                f"update it to the new key {run.facts.pending_hint} and confirm again",
            )
        self._audit(f"secret.{self._verb}.source_updated", {"source": self.key.source.split(" ")[0]})
        self._mark(Step.SOURCE_UPDATE, StepState.DONE, f"{self.key.source.split(' ')[0]} now gives the new key")
