"""The run engine against a faulty world, model-based: hypothesis drives an operator who does
whatever the engine offers, while the world fails writes before or after they land, and rotui
dies at any journal point and resumes. After every step the engine's beliefs are checked
against the world's ground truth.

The world here is in-process (consumers that hold a value, an Admin API that holds key
statuses) so that thousands of steps run in seconds; the same engine runs against the loopback
simulators and real clients in tests/e2e.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

import rotui.core.rotation.propagation as propagation_module
import rotui.core.rotation.revoke as revoke_module
from rotui.core.audit import AuditLog
from rotui.core.consumers.base import ConsumerAdapter, ConsumerContext, VerifyOutcome, WriteOutcome
from rotui.core.consumers.fields import ConsumerSpec
from rotui.core.errors import RotuiError
from rotui.core.model import (
    Consumer,
    ConsumerKind,
    ManagedKey,
    RemoteKey,
    Settings,
    ValidationResult,
    ValidationStatus,
)
from rotui.core.rotation import Action, HeldLock, Rotation, RotationDeps
from rotui.core.runs import ConsumerState, Held, RunStatus, RunStore
from rotui.core.secret import MemoryKeyring, Secret, SecretStore
from rotui.demo import fake_key

KEY = "ANTHROPIC_API_KEY"
OLD = fake_key("model-old")
NEW = fake_key("model-new")
ADMIN = fake_key("model-admin", "sk-ant-admin01-")
WRITABLE = ("vault", "app", "ci")  # order 0, 1, 1; ci cannot be verified downstream
MANUAL = "laptop"
FAULTS = ("fail_before", "land_then_fail")


class Crash(BaseException):
    """The process dies here (kill -9): nothing after this point happens."""


@dataclass
class World:
    """Ground truth: what each consumer holds, and which keys the Admin API says are active."""

    holds: dict[str, str] = field(default_factory=dict)
    active: dict[str, bool] = field(default_factory=dict)
    faults: dict[str, list[str]] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    crash_in: int | None = None  # journal points until the process dies
    mode: str = "overlap"
    runs: RunStore | None = None

    def tick(self) -> None:
        if self.crash_in is None:
            return
        self.crash_in -= 1
        if self.crash_in <= 0:
            self.crash_in = None
            raise Crash()


class WorldConsumer(ConsumerAdapter):
    """A consumer of the world: a write may fail before it lands, or land and then fail."""

    kind: ClassVar[ConsumerKind] = ConsumerKind.COMMAND
    world: World

    def describe(self) -> str:
        return f"world consumer {self.spec.name}"

    async def preflight(self, ctx: ConsumerContext) -> list[str]:
        return []

    async def write(self, secret: Secret, ctx: ConsumerContext) -> WriteOutcome:
        world, name = self.world, self.spec.name
        value = secret.reveal()
        if value == NEW and world.mode == "now" and world.active.get(OLD, False):
            world.violations.append(f"{name} got the new key before the old one was dead")
        fault = world.faults.get(name, [None]).pop(0) if world.faults.get(name) else None
        if fault == "fail_before":
            raise RotuiError(f"{name} refused the write", "injected: failed before landing")
        world.holds[name] = value
        if fault == "land_then_fail":
            raise RotuiError(f"{name} timed out", "injected: landed, then no answer")
        return WriteOutcome(f"{name} written")

    async def verify(self, ctx: ConsumerContext) -> VerifyOutcome | None:
        if self.spec.name == "ci":
            return None  # like a GitHub secret: rotui cannot look
        held = self.world.holds.get(self.spec.name)
        ok = held is not None and self.world.active.get(held, False)
        return VerifyOutcome(ok, "works" if ok else "answers 401")


class WorldManual(WorldConsumer):
    needs_operator = True


class WorldClient:
    """The slice of the Anthropic client a run uses, answering from the world."""

    def __init__(self, world: World) -> None:
        self.world = world

    async def validate(self, name: str, secret: Secret | None, **_: Any) -> ValidationResult:
        value = secret.reveal() if secret else ""
        ok = self.world.active.get(value, False)
        return ValidationResult(
            key=name,
            status=ValidationStatus.VALID if ok else ValidationStatus.INVALID,
            checked_at=dt.datetime.now(dt.UTC),
            hint=secret.hint if secret else "",
            http_status=200 if ok else 401,
            organization_id="org-1",
        )

    async def list_api_keys(self, admin: Secret, **_: Any) -> list[RemoteKey]:
        return [
            RemoteKey(
                id=f"id-{value[-6:]}",
                name="k",
                status="active" if active else "inactive",
                partial_key_hint=Secret(value).partial_key_hint,
                created_at=None,
            )
            for value, active in self.world.active.items()
        ]

    async def set_api_key_status(self, admin: Secret, key_id: str, status: str, **_: Any) -> None:
        world = self.world
        run = world.runs.active(KEY) if world.runs else None
        if world.mode == "overlap" and status == "inactive" and run is not None:
            if not run.facts.pending_valid:
                world.violations.append("old key deactivated before PENDING was validated")
            for name, record in run.consumers.items():
                settled = record.state is ConsumerState.SKIPPED or (
                    record.state is ConsumerState.VERIFIED and record.value is Held.PENDING
                )
                if not settled:
                    world.violations.append(f"old key deactivated while {name} is {record.state}")
        for value in world.active:
            if f"id-{value[-6:]}" == key_id:
                world.active[value] = status == "active"

    async def hourly_usage(self, *_: Any, **__: Any) -> dict[str, dict[dt.datetime, int]]:
        return {}

    async def workspace_directory(self, admin: Secret, **_: Any) -> Any:
        from rotui.core.anthropic import WorkspaceDirectory

        return WorkspaceDirectory()


class NoPendingKeyring(MemoryKeyring):
    """A keyring that refuses PENDING (locked, or none over SSH): the run keeps it in memory only."""

    def set_password(self, service: str, username: str, password: str) -> None:
        if username.endswith("#pending"):
            raise RuntimeError("injected: the keyring refuses to store")
        super().set_password(service, username, password)


class CrashingRunStore(RunStore):
    def __init__(self, state_dir: Path, world: World) -> None:
        super().__init__(state_dir)
        self.world = world

    def save(self, run: Any) -> None:
        self.world.tick()  # before the journal write: the previous state survives
        super().save(run)
        self.world.tick()  # after it: the next side effect has not happened


class EngineAgainstAFaultyWorld(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="rotui-model-"))
        self.loop = asyncio.new_event_loop()
        self.world = World(holds=dict.fromkeys((*WRITABLE, MANUAL), OLD), active={OLD: True, NEW: True})
        self.keyring: MemoryKeyring = MemoryKeyring()
        self.keyring.set_password("rotui", KEY, OLD)
        self.store = SecretStore(self.keyring, environ={})
        self.audit = AuditLog(self.tmp / "data", actor="model@test")
        self.world.runs = CrashingRunStore(self.tmp / "state", self.world)
        self.rotation: Rotation | None = None
        self.rollback_claimed = False
        self.kind = "rotation"
        self.mode = "overlap"

    def teardown(self) -> None:
        self.loop.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # The process: started, killed, started again ---------------------------------------------

    def _engine(self) -> Rotation:
        if self.rotation is None:
            consumers = [
                Consumer("vault", ConsumerKind.COMMAND, {"run": ["x"], "order": 0, "verify_command": ["x"]}),
                Consumer("app", ConsumerKind.COMMAND, {"run": ["x"], "order": 1, "verify_command": ["x"]}),
                Consumer("ci", ConsumerKind.COMMAND, {"run": ["x"], "order": 1}),
                Consumer(MANUAL, ConsumerKind.MANUAL, {"instructions": "update ~/.zshrc"}),
            ]
            key = ManagedKey(name=KEY, source="keyring", consumers=tuple(consumers))

            def adapter_for(spec: ConsumerSpec) -> ConsumerAdapter:
                adapter = (WorldManual if spec.kind is ConsumerKind.MANUAL else WorldConsumer)(spec)
                adapter.world = self.world
                return adapter

            deps = RotationDeps(
                settings=Settings(),
                store=self.store,
                client=WorldClient(self.world),  # type: ignore[arg-type]
                consumer_ctx=ConsumerContext(http=None, store=self.store, fingerprint=self.audit.fingerprint),  # type: ignore[arg-type]
                runs=self.world.runs,  # type: ignore[arg-type]
                audit=self.audit,
                clock=lambda: dt.datetime.now(dt.UTC),
                admin=Secret(ADMIN),
                adapter_for=adapter_for,
                sleep=lambda s: asyncio.sleep(0),
                revoke_poll_attempts=2,
                lock=HeldLock(),
            )
            self.rotation = Rotation(deps, key, kind=self.kind, mode=self.mode)
            self.rotation.open()
        return self.rotation

    def _do(self, coro_fn: Any) -> None:
        """One operator action; a crash kills the process (the next action starts a new one)."""
        crash_points = (propagation_module, revoke_module)
        saved = [m.crash_point for m in crash_points]
        for module in crash_points:
            module.crash_point = self.world.tick  # type: ignore[attr-defined]
        try:
            self.loop.run_until_complete(coro_fn())
        except Crash:
            self.rotation = None  # everything in memory is gone; the journal and keyring stay
        except RotuiError:
            pass  # refused or failed: the engine said why; the invariants say if it lied
        finally:
            for module, original in zip(crash_points, saved, strict=True):
                module.crash_point = original  # type: ignore[attr-defined]

    @initialize(
        kind_mode=st.sampled_from([("rotation", "overlap"), ("emergency", "overlap"), ("emergency", "now")]),
        pending_kept=st.booleans(),
    )
    def choose(self, kind_mode: tuple[str, str], pending_kept: bool = True) -> None:
        self.kind, self.mode = kind_mode
        self.world.mode = self.mode
        if not pending_kept:  # PENDING in memory only: a restart asks for the paste again
            self.keyring = NoPendingKeyring()
            self.keyring.set_password("rotui", KEY, OLD)
            self.store = SecretStore(self.keyring, environ={})

    # The operator, doing what the engine asks ------------------------------------------------

    def _ended(self) -> bool:
        return any(r.status is not RunStatus.ACTIVE for r in self.world.runs.all())

    @rule(times=st.integers(1, 3))
    def go_on(self, times: int) -> None:
        """The operator does what the engine asks, a few times in a row."""
        for _ in range(times):
            self.do_what_is_next()

    def do_what_is_next(self) -> None:
        if self._ended():
            return  # one run per example: the operator does not start another

        async def act() -> None:
            rotation = self._engine()
            upcoming = await rotation.next()
            action, step = upcoming.action, upcoming.step
            if action is Action.RUN or (action is Action.RETRY and step not in ("revoke", "deactivate")):
                await self._offered(rotation.run_step(step or ""), upcoming)
            elif action is Action.PASTE_KEY:
                await rotation.accept_new_key(NEW)
            elif action is Action.REPASTE_KEY:
                await rotation.recover_pending(NEW)  # the operator pastes the same key again
            elif action is Action.CONFIRM_CONSUMERS:
                name = upcoming.waiting[0]
                if name == MANUAL:
                    self.world.holds[MANUAL] = NEW  # the operator did it by hand
                rotation.confirm_consumer(name)
            elif action in (Action.CONFIRM_REVOKE, Action.RETRY) and step == "deactivate":
                await rotation.deactivate(KEY)
            elif action in (Action.CONFIRM_REVOKE, Action.RETRY):
                await rotation.revoke(KEY)
            elif action is Action.ROLLBACK:
                await self._rollback(rotation)

        self._do(act)

    async def _offered(self, doing: Any, upcoming: Any) -> None:
        """What the engine offers can be done: never a step that needs the key it lacks."""
        try:
            await doing
        except RotuiError as exc:
            if exc.title == "the PENDING key is not available":
                self.world.violations.append(f"offered {upcoming.action} {upcoming.step} without PENDING")
            raise

    async def _rollback(self, rotation: Rotation) -> None:
        for line in await rotation.rollback():
            name = line.split(":")[0]
            self.world.holds[name] = OLD  # the operator undoes a manual consumer by hand
        self.rollback_claimed = True

    @rule()
    def roll_back(self) -> None:
        async def act() -> None:
            rotation = self._engine()
            if rotation.run is not None:
                await self._rollback(rotation)

        self._do(act)

    @rule(name=st.sampled_from(WRITABLE), fault=st.sampled_from(FAULTS), times=st.integers(1, 3))
    def inject_fault(self, name: str, fault: str, times: int) -> None:
        self.world.faults.setdefault(name, []).extend([fault] * times)

    @rule()
    def fix_everything(self) -> None:
        self.world.faults.clear()

    @rule(points=st.integers(1, 6))
    def die_soon(self, points: int) -> None:
        self.world.crash_in = points

    @rule(name=st.sampled_from((*WRITABLE, MANUAL)))
    def skip(self, name: str) -> None:
        async def act() -> None:
            rotation = self._engine()
            if rotation.run is not None:
                rotation.skip_consumer(name, "model: left out on purpose")

        self._do(act)

    @precondition(lambda self: self.rotation is not None)
    @rule()
    def restart(self) -> None:
        self.rotation = None  # a clean exit: the next action resumes from the journal

    # Invariants, against the world's ground truth ---------------------------------------------

    def _run(self) -> Any:
        runs = self.world.runs.all()
        return runs[-1] if runs else None

    @invariant()
    def beliefs_match_the_world(self) -> None:
        """What the journal says, and what the live engine acts on, is never a false belief."""
        run = self._run()
        if run is None:
            assert all(v == OLD for v in self.world.holds.values())
            return
        live = self.rotation.run if self.rotation is not None else None
        for believed in (run, live):
            if believed is None:
                continue
            for name, record in believed.consumers.items():
                held = self.world.holds[name]
                if record.value is None and name == MANUAL:
                    continue  # the operator may have done it and rotui died before the confirmation
                if record.value is None:
                    assert held == OLD, f"{name} was never written by rotui but holds another key"
                elif record.value is Held.PENDING:
                    assert held == NEW, f"rotui believes {name} holds PENDING; it holds another key"
                elif record.value is Held.CURRENT:
                    assert held == OLD, f"rotui believes {name} holds CURRENT; it holds another key"

    @invariant()
    def a_rollback_that_succeeded_restored_everything(self) -> None:
        """Every consumer rotui wrote holds CURRENT; one left to the operator was named to him."""
        run = self._run()
        if run is not None and run.status is RunStatus.ROLLED_BACK:
            for name in WRITABLE:
                assert self.world.holds[name] == OLD, f"rolled back, but {name} holds the new key"
            assert self.world.active[OLD], "rolled back to a dead key"
            assert self.world.holds[MANUAL] == OLD, "the manual consumer was not named to undo"

    @invariant()
    def the_order_was_kept(self) -> None:
        assert self.world.violations == []

    @invariant()
    def pending_is_never_lost(self) -> None:
        run = self._run()
        may_hold = any(v == NEW for v in self.world.holds.values()) or (
            run is not None
            and any(r.value in (Held.PENDING, Held.UNKNOWN) for r in run.consumers.values())
        )
        if not may_hold or run is None or run.status is RunStatus.ROLLED_BACK:
            return
        if isinstance(self.keyring, NoPendingKeyring):
            return  # the run said "memory only": the operator keeps it and pastes it again
        kept = {
            self.keyring.get_password("rotui", f"{KEY}#pending"),
            self.keyring.get_password("rotui", KEY),
        }
        assert NEW in kept, "a consumer may hold the new key, and rotui lost it"

    @invariant()
    def the_audit_chain_verifies(self) -> None:
        assert self.audit.verify().ok


# `make test` runs a bounded, fixed set of examples (the same on every machine, so CI is
# reproducible); `make explore` (ROTUI_MODEL_EXAMPLES=2000) searches afresh, far longer.
EXPLORE = os.environ.get("ROTUI_MODEL_EXAMPLES")
EngineAgainstAFaultyWorld.TestCase.settings = settings(
    max_examples=int(EXPLORE or "150"),
    derandomize=EXPLORE is None,
    database=None if EXPLORE is None else settings.default.database,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_engine_against_a_faulty_world = EngineAgainstAFaultyWorld.TestCase


@pytest.mark.parametrize("kind_mode", [("rotation", "overlap"), ("emergency", "overlap"), ("emergency", "now")])
def test_the_operator_reaches_the_end_in_a_world_without_faults(kind_mode: tuple[str, str]) -> None:
    """The model's operator alone completes every kind of run: the rules above can make progress."""
    machine = EngineAgainstAFaultyWorld()
    try:
        machine.choose(kind_mode)
        for _ in range(30):
            machine.do_what_is_next()
        run = machine._run()
        assert run is not None and run.status is RunStatus.COMPLETED, run and run.current_step()
        assert all(v == NEW for v in machine.world.holds.values())
        assert machine.world.active[OLD] is False
    finally:
        machine.teardown()
