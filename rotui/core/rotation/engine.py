"""The run's journal, its lock and its secrets: what every step of :class:`Rotation` stands on.

After AWS Secrets Manager's createSecret / setSecret / testSecret / finishSecret: the key has
CURRENT, PENDING and PREVIOUS versions; every step records its intent before its side effect and
its outcome after, so a crash resumes where it stopped and a key with a PENDING version never
starts over. The order of the steps is :mod:`~rotui.core.rotation.machine`'s, checked here; what
the run is given (store, client, audit, journal, lock, clock) is :mod:`.deps`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from typing import Any

from rotui.core.consumers.fields import consumer_spec
from rotui.core.errors import RotuiError, UsageError
from rotui.core.model import ManagedKey, RemoteKey, ValidationResult
from rotui.core.rotation import machine, policy
from rotui.core.rotation.deps import Precheck, RotationDeps, pending_name
from rotui.core.rotation.machine import Action, Mode, Next, RunKind, Step
from rotui.core.runs import (
    STEP_TITLES,
    ConsumerRecord,
    ConsumerState,
    Held,
    Run,
    RunStatus,
    StepRecord,
    StepState,
    new_run_id,
)
from rotui.core.secret import Secret


class RunBase:
    """Journal, lock, audit and secrets of one key's run; the steps live in the mixins."""

    run: Run | None

    def __init__(
        self,
        deps: RotationDeps,
        key: ManagedKey,
        *,
        kind: str = "rotation",
        mode: str = "overlap",
        exposed_at: dt.datetime | None = None,
    ) -> None:
        try:
            self.kind = RunKind(kind)
            self.mode = Mode(mode) if self.kind is RunKind.EMERGENCY else Mode.OVERLAP
        except ValueError:
            raise UsageError("unknown run kind or mode", f"{kind}/{mode}") from None
        self.deps = deps
        self.key = key
        self.exposed_at = exposed_at
        self.specs = [
            consumer_spec(c, key.name, f"consumers[{i}]", "<config>")
            for i, c in enumerate(key.consumers)
        ]
        from rotui.core.consumers.registry import adapter_for

        make = deps.adapter_for or adapter_for
        self.adapters = {spec.name: make(spec) for spec in self.specs}
        self.operator = {n for n, a in self.adapters.items() if a.needs_operator}
        self.unverifiable = {s.name for s in self.specs if not s.verifiable}
        self.resumed = False
        # The id of a run this session started in another view and hands over (the emergency
        # screen's deactivation, then the wizard): taking it up is not resuming it.
        self.handed_over: str | None = None
        self.run = None
        self.checked: Precheck | None = None
        self._pending_in_memory: Secret | None = None
        self._writes: asyncio.Semaphore | None = None
        self._notified_stop: tuple[object, ...] | None = None

    # Opening and starting ------------------------------------------------------------------------

    def open(self) -> Run | None:
        """Look at the key's active run, if any: nothing is written, locked or audited.

        A run of this kind and mode is resumed by the next step; any other active run is
        refused here with the way out, except one an emergency supersedes at its first write.
        """
        active = self.deps.runs.active(self.key.name)
        conflict = policy.start_conflict(active, self.kind, self.mode)
        if conflict.verdict is policy.Verdict.REFUSE:
            raise UsageError(conflict.title, conflict.message)
        if conflict.verdict is policy.Verdict.RESUME and active is not None:
            if active.run_id != self.handed_over and (
                self.run is None or self.run.run_id != active.run_id
            ):
                self.resumed = True
            self.run = active
            self._reconcile(active)
            lock = self.deps.lock
            if self.exposed_at is not None and (lock is None or lock.held):
                self.set_exposure(self.exposed_at)  # type: ignore[attr-defined]
        return self.run

    def steps_for_kind(self) -> list[str]:
        """The steps a run of this kind and mode has, in order (the run's own once it exists)."""
        if self.run is not None:
            return list(self.run.steps)
        return machine.steps_for(
            self.kind, self.mode, read_only_source=self.key.source != "keyring"
        )

    def view(self) -> Run:
        """The run as a checklist shows it: the journaled one, or an unsaved draft before it starts."""
        if self.run is not None:
            return self.run
        draft = Run(
            run_id="not started",
            key=self.key.name,
            kind=str(self.kind),
            steps=self.steps_for_kind(),
            started_at="",
            actor=self.deps.audit.actor,
        )
        draft.step = {name: StepRecord() for name in draft.steps}
        draft.consumers = {spec.name: ConsumerRecord() for spec in self.specs}
        draft.facts.mode = str(self.mode)
        checked = self.checked
        if checked is not None and Step.PRECHECK in draft.step:
            state = StepState.DONE if checked.ok else StepState.FAILED
            draft.step[Step.PRECHECK] = StepRecord(state, checked.at, checked.detail)
        return draft

    @property
    def mode_words(self) -> str:
        return self.mode.words

    def _reconcile(self, run: Run) -> None:
        """The config may have changed since the run began: new consumers join, removed ones leave."""
        configured = {spec.name for spec in self.specs}
        for name in configured - set(run.consumers):
            run.consumers[name] = ConsumerRecord()
            run.warnings.append(f"consumer {name} was added to the config during the run")
        for name in set(run.consumers) - configured:
            del run.consumers[name]
            run.warnings.append(f"consumer {name} was removed from the config during the run")

    def take_lock(self, take_over: bool = False) -> None:
        """Hold the key's lock from here on; the journal is read again under it."""
        lock = self.deps.lock
        if lock is None or lock.held:
            return
        lock.take(take_over)
        active = self.deps.runs.active(self.key.name)
        if self.run is not None and (active is None or active.updated_at != self.run.updated_at):
            self.run = None
            self.open()
            raise UsageError(
                f"another rotui changed the run of {self.key.name} meanwhile",
                "look at it again, then go on",
            )

    def _start(self) -> Run:
        """The first side effect is about to happen: lock, supersede what must go, journal."""
        self.take_lock()
        active = self.deps.runs.active(self.key.name)
        conflict = policy.start_conflict(active, self.kind, self.mode)
        if conflict.verdict is policy.Verdict.REFUSE:
            raise UsageError(conflict.title, conflict.message)
        if conflict.verdict is policy.Verdict.RESUME and active is not None:
            self.run = active
            return active
        now = self.deps.clock()
        run = Run(
            run_id=new_run_id(self.key.name, now),
            key=self.key.name,
            kind=str(self.kind),
            steps=machine.steps_for(
                self.kind, self.mode, read_only_source=self.key.source != "keyring"
            ),
            started_at=now.isoformat(),
            actor=self.deps.audit.actor,
        )
        run.step = {name: StepRecord() for name in run.steps}
        run.consumers = {spec.name: ConsumerRecord() for spec in self.specs}
        run.facts.mode = str(self.mode)
        if self.exposed_at:
            run.facts.exposed_at = self.exposed_at.isoformat()
        if conflict.verdict is policy.Verdict.SUPERSEDE and active is not None:
            self._supersede(active, run)
        self.run = run
        self._save(run)
        context: dict[str, Any] = {"consumers": len(self.specs), "mode": str(self.mode)}
        if self.exposed_at:
            context["exposed_at"] = run.facts.exposed_at
        self._audit(f"secret.{self._verb}.started", context)
        self._on_started(run)
        self._notify("started")
        return run

    def _on_started(self, run: Run) -> None:
        """What was learned before the run existed enters its journal (see the usage mixin)."""

    def _supersede(self, old: Run, new: Run) -> None:
        """An emergency replaces a run that wrote nothing to any consumer; audited."""
        self.deps.audit.append(
            "run.superseded",
            key=self.key.name,
            run_id=old.run_id,
            context={"by": new.run_id, "kind": str(old.kind), "step": old.current_step() or ""},
        )
        old.status = RunStatus.SUPERSEDED
        old.facts.superseded_by = new.run_id
        old.updated_at = self._now()
        self.deps.runs.save(old)
        new.warnings.append(f"run {old.run_id} ({old.kind}) wrote nothing and was superseded")

    @property
    def _verb(self) -> str:
        return "rotate" if self.kind is RunKind.ROTATION else "revoke.emergency"

    # Journal --------------------------------------------------------------------------------------

    def _now(self) -> str:
        return self.deps.clock().isoformat()

    def _run(self) -> Run:
        if self.run is None:
            raise UsageError(f"no run of {self.key.name} has started", "nothing was written yet")
        return self.run

    def _refuse_unlocked(self) -> None:
        lock = self.deps.lock
        if lock is not None and not lock.held:  # a programming error, or the lock was released
            raise RotuiError(  # by a hang-up: said plainly rather than racing another driver
                f"{self.key.name}: this rotui no longer holds the key's lock",
                "nothing more is written; start rotui again to resume the run",
            )

    def _save(self, run: Run | None = None) -> None:
        self._refuse_unlocked()
        run = run or self._run()
        run.updated_at = self._now()
        self.deps.runs.save(run)
        if self.deps.on_change:
            self.deps.on_change(run)

    def _audit(self, action: str, context: dict[str, Any] | None = None) -> None:
        self._refuse_unlocked()
        self.deps.audit.append(
            action, key=self.key.name, run_id=self._run().run_id, context=context or {}
        )

    def _notify(self, event: str, detail: str = "") -> None:
        """Tell the team (``deps.notify``); a notification never fails or holds up the run."""
        if self.deps.notify is None or self.run is None:
            return
        with contextlib.suppress(Exception):
            self.deps.notify(event, self.run, detail)

    def notify_waiting(self, upcoming: Next) -> None:
        """A driver stopped for the operator at ``upcoming``: tell the team once per stop."""
        if upcoming.action in (Action.RUN, Action.DONE) or self.run is None:
            return
        stop = (self.run.run_id, str(upcoming.action), upcoming.step, upcoming.waiting)
        if stop != self._notified_stop:
            self._notified_stop = stop
            self._notify("waiting", _waiting_words(upcoming))

    def _mark(self, step: str, state: StepState, detail: str = "") -> None:
        record = self._run().step[step]
        record.state, record.at = state, self._now()
        if detail:
            record.detail = detail
        self._save()

    def _fail(self, step: str, title: str, message: str) -> RotuiError:
        self._mark(step, StepState.FAILED, f"{title}: {message}")
        return RotuiError(title, message)

    def _consumer(
        self, name: str, state: ConsumerState, detail: str = "", value: Held | None = None
    ) -> None:
        record = self._run().consumers[name]
        record.state, record.at, record.detail = state, self._now(), detail
        if value is not None:
            record.value = value
        self._save()

    def _enter(self, step: Step) -> Run:
        """The transition table's check before ``step`` starts; the run, locked, when it may."""
        run = self._run()
        machine.check(run, step)
        self.take_lock()
        return self._run()

    # Secrets --------------------------------------------------------------------------------------

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
        want = self.run.facts.pending_fp if self.run else None
        if secret is not None and want not in (None, self._fp(secret)):
            raise RotuiError(
                "PENDING in the keyring is not this run's key", "it was changed outside rotui"
            )
        return secret

    async def pending(self) -> Secret:
        if self._pending_in_memory is not None:
            return self._pending_in_memory
        # CURRENT may hold it already: a crash in finish, or a source the operator updated
        secret = await self.pending_secret() or await self._current_if_pending()
        if secret is None:
            raise RotuiError(
                "the PENDING key is not available",
                "it was not in the keyring (no keyring, or deleted); paste the same new key again",
            )
        self._pending_in_memory = secret
        return secret

    async def _current_if_pending(self) -> Secret | None:
        want = self.run.facts.pending_fp if self.run else None
        current = await self.current_secret() if want else None
        return current if current is not None and self._fp(current) == want else None

    async def pending_at_hand(self) -> bool:
        try:
            await self.pending()
        except RotuiError:
            return False
        return True

    def _record(self, result: ValidationResult, *, replaced: bool = False) -> None:
        """Keep a check the run made (the old key's 401, the new key at finish) for the dashboard."""
        if self.deps.record is None:
            return
        try:
            self.deps.record(result, replaced)
        except RotuiError as exc:  # the run's outcome does not hang on the dashboard's state
            self._run().warnings.append(f"could not record the check of {result.key}: {exc.title}")

    def _record_remote(self, record: RemoteKey) -> None:
        """Keep the Admin record the run changed (the old key now inactive) for the dashboard."""
        if self.deps.record_remote is None:
            return
        try:
            self.deps.record_remote(self.key.name, record)
        except RotuiError as exc:
            self._run().warnings.append(
                f"could not record the Admin API status of {self.key.name}: {exc.title}"
            )

    def _fp(self, secret: Secret) -> str:
        return self.deps.audit.fingerprint(secret)


_WAITS = {
    Action.PASTE_KEY: "the new key to be pasted",
    Action.REPASTE_KEY: "the new key to be pasted again",
    Action.CONFIRM_CONSUMERS: "consumers to be updated or checked by hand and confirmed",
    Action.UPDATE_SOURCE: "the key's own source to be updated",
    Action.CONFIRM_REVOKE: "the revoke to be confirmed",
    Action.RETRY: "the cause of a failed step to be fixed",
    Action.WAIT: "a change to be approved outside rotui",
    Action.ROLLBACK: "the rollback to be run again",
}


def _waiting_words(upcoming: Next) -> str:
    """What a stopped run waits for, in words (consumer names, never a value)."""
    title = STEP_TITLES.get(upcoming.step or "", upcoming.step or "the run")
    words = f"{title}: waits for {_WAITS.get(upcoming.action, str(upcoming.action))}"
    return words + (f" ({', '.join(upcoming.waiting)})" if upcoming.waiting else "")
