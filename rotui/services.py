"""The operations the CLI and the dashboard share, wired to one config, one set of dirs and a clock.

Screens and commands call these and get domain objects back; neither knows about httpx.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rotui.core.errors import StateError, UsageError
from rotui.core.model import (
    Config,
    ManagedKey,
    RemoteKey,
    ValidationMode,
    ValidationResult,
    base_url_for,
)
from rotui.core.overview import KeyRow, build_rows
from rotui.paths import Paths
from rotui.state import Snapshot, StateStore

if TYPE_CHECKING:
    from rotui.core.anthropic import AnthropicClient
    from rotui.core.audit import AuditLog
    from rotui.core.consumers.base import ConsumerContext
    from rotui.core.notify import Notifier
    from rotui.core.rotation import Rotation
    from rotui.core.runs import Run, RunStore
    from rotui.core.secret import SecretStore
    from rotui.core.validation import Progress, ValidationRun

USAGE_DAYS = 7


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Services:
    """One configured rotui: config, dirs, secret store, clock and how to reach the APIs.

    It satisfies :class:`rotui.core.troubleshoot.deps.TroubleshootDeps`, what the diagnoses use.
    """

    config: Config
    paths: Paths
    store: SecretStore
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)
    clock: Callable[[], dt.datetime] = utcnow
    trust_env: bool = True
    timer: Callable[[], float] = time.perf_counter
    transport: Any = None  # an httpx transport, for tests
    actor: str | None = None  # who the audit log names; default user@host
    revoke_poll_seconds: float = 3.0  # between checks that a revoked key answers 401
    console: Callable[[str], str] | None = None  # the demo's simulated Console: key name -> new key
    hints: Callable[[str], str] | None = None  # the demo's: a next step said the demo's way
    notices: Callable[[str], None] | None = None  # where a failed notification is reported

    def __post_init__(self) -> None:
        self.state = StateStore(self.paths.state_dir)

    def audit(self) -> AuditLog:
        from rotui.core.audit import AuditLog

        return AuditLog(self.paths.data_dir, clock=self.clock, actor=self.actor)

    def keys(self, names: Sequence[str] = ()) -> list[ManagedKey]:
        """The configured keys (all, or those named), each with its effective base URL."""
        if names:
            known = {k.name for k in self.config.keys}
            unknown = [n for n in names if n not in known]
            if unknown:
                raise UsageError(
                    f"unknown key {unknown[0]!r}",
                    "configured keys: " + (", ".join(sorted(known)) or "none"),
                )
        chosen = [k for k in self.config.keys if not names or k.name in names]
        return [dataclasses.replace(k, base_url=base_url_for(k, self.environ)) for k in chosen]

    def snapshot(self) -> Snapshot:
        return self.state.load()

    def rows(self, snap: Snapshot | None = None) -> list[KeyRow]:
        snap = snap or self.snapshot()
        runs = self.runs().latest()
        return build_rows(
            self.config, snap.results, snap.remote, self.clock().date(), snap.usage, runs
        )

    def client(self) -> tuple[Any, AnthropicClient]:
        """One shared httpx client per run, bounded by ``max_concurrency``."""
        import httpx

        from rotui.core.anthropic import AnthropicClient
        from rotui.core.http_lanes import LaneClient

        settings = self.config.settings
        limits = httpx.Limits(max_connections=max(settings.max_concurrency * 2, 10))
        try:  # trust_env reads the proxy variables here; a malformed one raises
            http = LaneClient(
                transport=self.transport,
                limits=limits,
                trust_env=self.trust_env,
                deadline=settings.timeout_seconds,
            )
        except (httpx.InvalidURL, ValueError) as exc:
            import os

            proxies = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")
            named = [
                name
                for name in (*proxies, *(p.lower() for p in proxies))
                if os.environ.get(name, "").strip()
            ]
            raise UsageError(
                "a proxy variable is malformed",
                f"{' or '.join(named) or 'a proxy setting'} is not a usable proxy URL "
                f"({str(exc).splitlines()[0][:80]}); fix it (e.g. http://host:3128) or unset it",
            ) from None
        client = AnthropicClient(
            http,
            api_version=settings.api_version,
            max_concurrency=settings.max_concurrency,
            timeout=settings.timeout_seconds,
            admin_base_url=settings.admin_base_url,
            clock=self.clock,
            timer=self.timer,
        )
        return http, client

    async def validate(
        self,
        names: Sequence[str] = (),
        *,
        mode: ValidationMode | None = None,
        progress: Progress | None = None,
        save: bool = True,
    ) -> ValidationRun:
        """Validate keys, save the results and audit each one (``save=False``: only check)."""
        from rotui.core.validation import validate_keys

        keys = self.keys(names)
        http, client = self.client()
        async with http:
            run = await validate_keys(
                keys, self.config.settings, self.store, client, mode=mode, progress=progress
            )
        if not save:
            return run
        try:
            await _to_thread(self._save_validation, run)
        except StateError as exc:  # the results are still shown; saying so beats losing them
            run.saved = False
            run.warnings.append(f"results not saved: {exc}")
        return run

    def _save_validation(self, run: ValidationRun) -> None:
        unmatched = (
            [r.key for r in run.results if r.hint and r.key not in run.remote]
            if run.admin_checked
            else []
        )
        self.state.record(run.results, run.remote, forget_remote=unmatched)

        def context(r: ValidationResult) -> dict[str, object]:
            return {
                "status": str(r.status),
                "http_status": r.http_status,
                "mode": str(r.mode),
                "hint": r.hint,
            }

        self.audit().append_many(("key.validated", r.key, None, context(r)) for r in run.results)

    async def refresh_usage(self) -> dict[str, dict[dt.date, int]]:
        """Daily tokens per key for the last 7 days, from the Admin usage report, saved to state."""
        from rotui.core.validation import read_admin_key

        if not self.config.settings.admin_key:
            return {}
        snap = await _to_thread(self.snapshot)
        if not snap.remote:
            return {}
        admin = await read_admin_key(self.config.settings, self.store)
        if admin is None:
            return {}
        today = self.clock().date()
        start = dt.datetime.combine(today - dt.timedelta(days=USAGE_DAYS - 1), dt.time(), dt.UTC)
        ids = {snap.remote[k.name].id: k.name for k in self.keys() if k.name in snap.remote}
        usage: dict[str, dict[dt.date, int]] = {}
        http, client = self.client()
        async with http:
            if ids:  # the Admin API, at settings.admin_base_url, never a key's base_url
                per_id = await client.daily_usage(
                    admin, start, start + dt.timedelta(days=USAGE_DAYS), api_key_ids=list(ids)
                )
                for key_id, name in ids.items():
                    usage[name] = {
                        today - dt.timedelta(days=i): per_id.get(key_id, {}).get(
                            today - dt.timedelta(days=i), 0
                        )
                        for i in range(USAGE_DAYS)
                    }
        await _to_thread(self.state.record_usage, usage)
        return usage

    def notifier(self) -> Notifier | None:
        """The [notify] targets, or None when none are configured; sends are audited."""
        if not self.config.notify_urls:
            return None
        from rotui.core.notify import Notifier

        def audit(action: str, key: str | None, context: dict[str, Any]) -> None:
            self.audit().append(action, key=key, context=context)

        return Notifier(
            self.config.notify_urls,
            self.store,
            audit,
            self.notices,
            timeout=self.config.settings.timeout_seconds,
        )

    def runs(self) -> RunStore:
        from rotui.core.runs import RunStore

        return RunStore(self.paths.state_dir)

    @contextlib.asynccontextmanager
    async def rotation(
        self,
        name: str,
        *,
        kind: str = "rotation",
        mode: str = "overlap",
        exposed_at: dt.datetime | None = None,
        on_change: Callable[[Run], None] | None = None,
        take_over: bool = False,
        lock: bool = True,
        watching: bool = False,
    ) -> AsyncIterator[Rotation]:
        """A rotation of one key, with one HTTP client for its whole life and the key's lock.

        ``lock=True`` takes the lock on entering (the headless CLI). ``lock=False`` takes it only
        at the first write (the wizard: looking locks nothing) or never (questions such as the
        old key's usage). A lock left by a killed rotui raises
        :class:`~rotui.core.runs.StaleLock` unless ``take_over``; taking one over is audited.
        ``watching``: an observer's, which only reads the journal, so it reads no Admin key (a
        demo's observer has none: its keyring is the driver's, in the driver's memory).
        """
        from rotui.core.rotation import Rotation, RotationDeps
        from rotui.core.validation import read_admin_key

        [key] = self.keys([name])
        audit = self.audit()
        key_lock = _AuditedLock(self, name, audit)
        notifier, notify = self._run_notifier()
        if lock:
            key_lock.take(take_over)
        try:
            http, client = self.client()
            async with http:
                admin = None if watching else await read_admin_key(self.config.settings, self.store)
                deps = RotationDeps(
                    settings=self.config.settings,
                    store=self.store,
                    client=client,
                    consumer_ctx=self._consumer_context(http, audit),
                    runs=self.runs(),
                    audit=audit,
                    clock=self.clock,
                    admin=admin,
                    revoke_poll_seconds=self.revoke_poll_seconds,
                    on_change=on_change,
                    lock=key_lock,
                    notify=notify,
                    record=self._record_check,
                    record_remote=self._record_remote,
                )
                try:
                    yield Rotation(deps, key, kind=kind, mode=mode, exposed_at=exposed_at)
                finally:
                    if notifier is not None:
                        await notifier.drain()  # each send is bounded by the timeout
        finally:
            key_lock.release()

    def _consumer_context(self, http: Any, audit: AuditLog) -> ConsumerContext:
        """What a run's consumer adapters write with: its HTTP client, the store, the clock."""
        from rotui.core.consumers.base import ConsumerContext

        return ConsumerContext(
            http=http,
            store=self.store,
            fingerprint=audit.fingerprint,
            environ=self.environ,
            timeout=self.config.settings.timeout_seconds,
        )

    def _run_notifier(
        self,
    ) -> tuple[Notifier | None, Callable[[str, Run, str], None] | None]:
        """The notifier of a run's events (``notify_runs``) and the callback the engine calls."""
        notifier = self.notifier() if self.config.notify_runs else None
        if notifier is None:
            return None, None

        def notify(event: str, run: Run, detail: str) -> None:
            from rotui.core.notify import run_message

            title, body = run_message(event, run, detail)
            notifier.send_soon(title, body, f"run.{event}", run.key)

        return notifier, notify

    def _record_check(self, result: ValidationResult, replaced: bool) -> None:
        """A run's check of a key, kept where the dashboard reads; a replaced key's usage dropped."""
        # a replaced key's Admin record is the old key's (inactive once revoked): kept, the
        # emergency screen said the new, working key "already answers no one" (walk s14b 1.2)
        self.state.record([result], forget_remote=[result.key] if replaced else ())
        if replaced:
            self.state.record_usage({result.key: {}})


    def _record_remote(self, name: str, remote: RemoteKey) -> None:
        """An Admin record a run changed (the old key deactivated), kept where the dashboard reads."""
        self.state.record([], {name: remote})


class _AuditedLock:
    """The key's lock for a rotation: taken once, a take-over of a dead holder's lock audited."""

    def __init__(self, services: Services, name: str, audit: AuditLog) -> None:
        from rotui.core.locks import KeyLock

        self.services, self.name, self.audit = services, name, audit
        self.lock = KeyLock(services.paths.state_dir, name)

    @property
    def held(self) -> bool:
        return self.lock.held

    def take(self, take_over: bool = False) -> None:
        from rotui.core.locks import Holder

        def audit_takeover(gone: Holder) -> None:
            self.audit.append(
                "run.lock.taken_over",
                key=self.name,
                context={
                    "from": gone.actor,
                    "pid": gone.pid,
                    "host": gone.host,
                    "since": gone.since,
                },
            )

        self.lock.acquire(
            self.audit.actor,
            self.services.clock(),
            take_over=take_over,
            on_take_over=audit_takeover,
        )

    def release(self) -> None:
        self.lock.release()


async def _to_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """``asyncio.to_thread``, imported only when a command runs the event loop."""
    import asyncio

    return await asyncio.to_thread(fn, *args)
