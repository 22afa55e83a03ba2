"""The rotation SOP as a journaled, resumable, enforced state machine.

Start with :mod:`~rotui.core.rotation.machine`: every state and transition, as data. Then
:mod:`~rotui.core.rotation.policy` (which run may start, resume, roll back, revoke). The steps
themselves: :mod:`.steps` (pre-check, new key, validation), :mod:`.propagation` (consumers),
:mod:`.revoke` (the irreversible step), :mod:`.ending` (finish, rollback); their shared journal,
lock and secrets: :mod:`.engine`; what a run is given: :mod:`.deps`. Drivers (the headless CLI,
the wizard) call :meth:`Rotation.advance` and act on the :class:`~rotui.core.rotation.machine.Next`
it returns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rotui.core.errors import RotuiError
from rotui.core.rotation import machine
from rotui.core.rotation.deps import (
    HeldLock,
    Precheck,
    RotationDeps,
    RunLock,
    pending_name,
    previous_name,
)
from rotui.core.rotation.ending import EndingSteps
from rotui.core.rotation.machine import Action, Mode, Next, RunKind, Step
from rotui.core.rotation.policy import rollback_refusal, run_phase
from rotui.core.rotation.propagation import PropagationSteps
from rotui.core.rotation.revoke import RevokeSteps
from rotui.core.rotation.steps import NewKeySteps
from rotui.core.runs import Run

READ_ONLY_SOURCE_STEP = str(Step.SOURCE_UPDATE)
EMERGENCY_MODES = tuple(str(m) for m in Mode)
MODE_WORDS = {str(m): m.words for m in Mode}

__all__ = [
    "EMERGENCY_MODES",
    "MODE_WORDS",
    "READ_ONLY_SOURCE_STEP",
    "Action",
    "HeldLock",
    "Mode",
    "Next",
    "Precheck",
    "Rotation",
    "RotationDeps",
    "RunKind",
    "RunLock",
    "Step",
    "pending_name",
    "previous_name",
    "rollback_refusal",
    "run_mode",
    "run_phase",
]


def run_mode(run: Run) -> str:
    """An emergency run's mode ("now" or "overlap"); a rotation is always "overlap"."""
    return run.mode


class Rotation(NewKeySteps, PropagationSteps, RevokeSteps, EndingSteps):
    """Drives one key's run step by step; each public method is safe to call again after a crash."""

    async def next(self) -> Next:
        """What happens next: before a run exists, the read-only pre-check or the first write."""
        if self.run is None:
            if self.mode is Mode.NOW:
                return Next(Action.CONFIRM_REVOKE, str(Step.DEACTIVATE))
            if self.checked is None:
                return Next(Action.RUN, str(Step.PRECHECK))
            if not self.checked.ok:
                return Next(Action.RETRY, str(Step.PRECHECK), detail=self.checked.detail)
            return Next(Action.PASTE_KEY, str(Step.NEW_KEY))
        return machine.next_action(
            self.run,
            self.operator,
            self.unverifiable,
            await self.pending_at_hand(),
            {s.name: s.order for s in self.specs},
        )

    async def run_step(self, step: str) -> None:
        """Run one automatic step (or retry the failed one); the operator's steps are refused."""
        steps: dict[Step, Callable[[], Awaitable[object]]] = {
            Step.PRECHECK: self.precheck,
            Step.VALIDATE_NEW: self.validate_new,
            Step.PROPAGATE: self.propagate,
            Step.VERIFY: self.verify,
            Step.FINISH: self.finish,
            Step.SOURCE_UPDATE: self.confirm_source_updated,
        }
        call = steps.get(Step(step))
        if call is None:
            raise RotuiError(f"“{Step(step).heading}” waits for the operator", "it is not automatic")
        await call()

    async def advance(self) -> Next:
        """Run automatic steps until one needs the operator, fails, or the run ends."""
        while True:
            upcoming = await self.next()
            if await self._source_already_updated(upcoming):
                continue
            if upcoming.action is not Action.RUN or upcoming.step is None:
                return upcoming
            before = self.run.to_dict() if self.run else None
            await self.run_step(upcoming.step)
            after = await self.next()
            if after == upcoming and (self.run.to_dict() if self.run else None) == before:
                return after  # nothing moved: waiting on something outside (never loops)

    async def _source_already_updated(self, upcoming: Next) -> bool:
        """On resume, a source that already gives the new key is confirmed (audited) at once."""
        if upcoming.step != Step.SOURCE_UPDATE or upcoming.action not in (
            Action.UPDATE_SOURCE,
            Action.RETRY,
        ):
            return False
        if not await self.source_gives_pending():
            return False
        await self.confirm_source_updated()
        return True

    async def preflight(self) -> list[tuple[str, list[str]]]:
        """Every credential and tool the run will need, checked without changing anything."""
        from rotui.core.preflight_checks import (
            CURRENT_KEY_CHECK,
            KEYRING_CHECK,
            current_key_problems,
            keyring_problems,
        )

        checks: list[tuple[str, list[str]]] = []
        problems: list[str] = []
        current = None
        try:
            current = await self.current_secret()
        except RotuiError as exc:
            problems.append(str(exc))
        checks.append((f"current key from {self.key.source.split(' ')[0]}", problems))
        settings, admin = self.deps.settings, self.deps.admin
        found = await current_key_problems(self.deps.client, self.key, current, settings, admin)
        checks.append((CURRENT_KEY_CHECK, found))
        checks.append((KEYRING_CHECK, await keyring_problems(self.deps.store)))
        if self.deps.settings.admin_key:
            admin_problems = []
            if self.deps.admin is None:
                admin_problems.append("settings.admin_key gave no Admin key")
            else:
                try:
                    await self.deps.client.list_api_keys(self.deps.admin)
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
