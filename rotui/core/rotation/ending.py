"""How a run ends: finish (PENDING becomes CURRENT) or rollback (CURRENT back everywhere)."""

from __future__ import annotations

import asyncio
from typing import Any

from rotui.core.errors import RotuiError, UsageError
from rotui.core.rotation import policy
from rotui.core.rotation.deps import pending_name, previous_name
from rotui.core.rotation.engine import RunBase
from rotui.core.rotation.machine import RunKind, Step
from rotui.core.runs import Held, RunStatus, StepState
from rotui.core.secret import Secret


class EndingSteps(RunBase):
    async def finish(self) -> None:
        """PENDING becomes CURRENT, PREVIOUS is deleted, the age restarts, and the SOP's audit entry."""
        run = self._enter(Step.FINISH)
        self._mark(Step.FINISH, StepState.RUNNING)
        store = self.deps.store
        try:
            new = await self.pending()
        except RotuiError:
            # A crash after CURRENT was replaced and PENDING deleted: CURRENT already holds it.
            new = await self.current_secret()
            if self._fp(new) != run.facts.pending_fp:
                raise
        if self.key.source == "keyring":
            await store.aset_keyring(self.key.name, new)
        await self._forget(pending_name(self.key.name), previous_name(self.key.name))
        try:  # the dashboard shows the new key's check, not the old key's
            self._record(await self._validate(new), replaced=True)  # type: ignore[attr-defined]
        except RotuiError as exc:
            run.warnings.append(f"the new key was not checked at finish: {exc.title}")
        run.facts.completed_at = self._now()
        # The SOP's entry goes first: a crash before the run is marked complete repeats it, never loses it.
        self._audit(
            f"secret.{self._verb}.completed",
            {
                "secret_name": self.key.name,
                "method": run.facts.revoke_method or "operator-assisted-console",
                "workspace": self.key.workspace,
                "hint": run.facts.pending_hint,
            },
        )
        run.status = RunStatus.COMPLETED
        self._mark(Step.FINISH, StepState.DONE, f"CURRENT is now {run.facts.pending_hint}")
        self._notify("completed")

    async def _forget(self, *names: str) -> None:
        for name in names:
            try:
                await asyncio.to_thread(self.deps.store.delete_keyring, name)
            except RotuiError as exc:
                self._run().warnings.append(f"could not delete {name}: {exc.title}")

    async def _old_value(self) -> Secret:
        """The key the run replaces: PREVIOUS when kept, else the source while it still gives it."""
        want = self._run().facts.current_fp
        why = "now gives another value"
        for source, name in (
            ("keyring", previous_name(self.key.name)),
            (self.key.source, self.key.name),
        ):
            try:
                value = await self.deps.store.aread(source, name)
            except RotuiError as exc:
                if source == self.key.source:
                    why = f"cannot be used ({exc.title}: {exc.message})"
                continue
            if value is not None and (want is None or self._fp(value) == want):
                return value
        raise RotuiError(
            "the old key is not at hand to put back",
            f"its source {self.key.source.split(' ')[0]} {why}: revert the source first",
        )

    async def rollback(self) -> list[str]:
        """Until the revoke: CURRENT back on every consumer rotui wrote; returns manual steps.

        Every consumer not known to hold CURRENT is rewritten, including one a failed attempt
        left unknown; success is claimed only when each is known to hold CURRENT again. PENDING
        is discarded only then. Raises when incomplete: the run stays in its rollback.
        """
        run = self._run()
        refusal = policy.rollback_refusal(run)
        if refusal is not None:
            raise UsageError("too late to roll back", refusal)
        self.take_lock()
        current = await self._old_value()
        targets = policy.to_restore(run, self.operator)
        if run.facts.rollback_started is None:
            self._audit(f"secret.{self._verb}.rollback.started", {"step": run.current_step() or ""})
            run.facts.rollback_started = self._now()
            self._save()
        else:  # a second attempt, told apart in the audit: what it redoes, and since when
            self._audit(
                f"secret.{self._verb}.rollback.retried",
                {"consumers": targets, "started": run.facts.rollback_started},
            )
        failures = await self._write_all(current, Held.CURRENT, targets)  # type: ignore[attr-defined]
        left = policy.to_restore(run, self.operator)
        if failures or left:
            reasons = [
                f"{n}: {failures.get(n) or run.consumers[n].detail or 'not written yet'}"
                for n in left
            ]
            raise RotuiError(
                "rollback is incomplete",
                "; ".join(reasons) + " — fix the cause, then roll back again (only these are redone)",
            )
        by_hand = policy.by_hand(run, self.operator)
        manual = [f"{n}: {self.adapters[n].describe()}" for n in by_hand]
        for name in by_hand:  # the operator is asked to undo it: rotui no longer knows what it holds
            record = run.consumers[name]
            record.value, record.detail = Held.UNKNOWN, "restore the old key by hand"
        await self._forget(pending_name(self.key.name), previous_name(self.key.name))
        restored = sorted(n for n, r in run.consumers.items() if r.value is Held.CURRENT)
        context: dict[str, Any] = {"restored": restored, "manual": len(manual)}
        if self.kind is RunKind.EMERGENCY:
            context["mode"] = str(self.mode)
        self._audit(f"secret.{self._verb}.rolled_back", context)
        run.status = RunStatus.ROLLED_BACK
        self._save()
        self._notify("rolled_back", f"{len(restored)} consumer(s) restored, {len(manual)} by hand")
        return manual
