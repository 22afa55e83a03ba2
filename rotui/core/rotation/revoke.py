"""The irreversible step: the old key's deactivation and its 401, and what it used before."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from rotui.core.anthropic import match_remote
from rotui.core.errors import RotuiError, UsageError
from rotui.core.model import CONSOLE_KEYS_URL, ValidationStatus
from rotui.core.rotation import policy
from rotui.core.rotation.deps import previous_name
from rotui.core.rotation.engine import RunBase
from rotui.core.rotation.machine import Mode, Step
from rotui.core.runs import Run, RunStatus, StepState, crash_point
from rotui.core.secret import Secret
from rotui.core.timeparse import floor_hour
from rotui.core.usage import HOUR, OldKeyUsage, fetch_window


@dataclass(frozen=True)
class AfterPropagation:
    """The old key's tokens in the whole UTC hours after propagation finished.

    ``since`` is the first hourly bucket that starts at or after ``finished``; ``tokens`` is
    None while that hour has not begun (hourly data cannot tell yet).
    """

    finished: dt.datetime
    since: dt.datetime
    tokens: int | None = None
    now: dt.datetime | None = None  # when the report was read: its last hour may not be over

    @classmethod
    def starting(cls, finished: dt.datetime) -> AfterPropagation:
        finished = finished if finished.tzinfo else finished.replace(tzinfo=dt.UTC)
        hour = floor_hour(finished)
        return cls(finished, hour if hour == finished else hour + HOUR)

    def line(self) -> str:
        """One sentence that claims no more than the hourly buckets show."""
        done = f"propagation finished at {self.finished.astimezone(dt.UTC):%H:%M} UTC"
        since = f"{self.since:%H:00} UTC"
        if self.tokens is None:
            return (
                f"Usage after propagation is not known yet: {done}, and the usage report counts "
                f"by the hour, so it tells only from {since} on."
            )
        if self.tokens == 0:
            ended = floor_hour(self.now) if self.now else self.since
            if ended <= self.since:  # not one whole hour yet: "none" would claim too much
                return (
                    f"None reported yet from {self.since:%H:00} to {self.now or self.since:%H:%M} UTC: the "
                    f"hour is not over and the usage report lags by minutes ({done})."
                )
            return f"It used no tokens from {self.since:%H:00} to {ended:%H:00} UTC, the whole hours ({done})."
        return (
            f"! It used {self.tokens:,} tokens in the hours since {since} ({done}): "
            "something may still hold it."
        )


class RevokeSteps(RunBase):
    _old_id: str | None = None
    _noted_usage: OldKeyUsage | None = None

    def revoke_blockers(self) -> list[str]:
        """Why the old key may not be revoked yet (empty when it may)."""
        return policy.revoke_blockers(self._run(), self.key.source)

    async def old_key_usage(self) -> AfterPropagation | None:
        """What the old key used in the whole UTC hours after propagation finished.

        The report's hourly buckets run from an hour's start to the next (``ending_at``
        exclusive), so usage in the hour propagation finished in cannot be told before from
        after: only buckets that start at or after that moment count. None without the Admin API.
        """
        admin, facts = self.deps.admin, self._run().facts
        old_id, finished = facts.current_remote_id, facts.propagated_at
        if admin is None or not old_id or not finished:
            return None
        after = AfterPropagation.starting(dt.datetime.fromisoformat(finished))
        now = self.deps.clock()
        if now < after.since:
            return after
        usage = await self.deps.client.hourly_usage(
            admin, after.since, floor_hour(now) + dt.timedelta(hours=1), api_key_ids=[old_id]
        )
        tokens = sum(n for hour, n in usage.get(old_id, {}).items() if hour >= after.since)
        return dataclasses.replace(after, tokens=tokens, now=now)

    async def revoke(self, typed_name: str, *, console_confirmed: bool = False) -> str:
        """Deactivate the old key (Admin API) or take the operator's word, then poll for 401."""
        run = self._run()
        blockers = self.revoke_blockers()
        if blockers:
            raise UsageError("the old key cannot be revoked yet", "; ".join(blockers))
        if typed_name.strip() != self.key.name:
            raise UsageError(
                "confirmation does not match",
                f"you typed {typed_name.strip()!r}; type the key's name, {self.key.name}, to revoke",
            )
        self._enter(Step.REVOKE)
        old = await self.current_secret() if self.key.source == "keyring" else None
        await self._revoke_old(old, console_confirmed, Step.REVOKE)
        return run.step[Step.REVOKE].detail

    async def _revoke_old(self, old: Secret | None, console_confirmed: bool, step: Step) -> None:
        run = self._run()
        facts = run.facts
        admin = self.deps.admin
        old_id = facts.current_remote_id
        if admin is not None and not old_id:
            remote = await self.deps.client.list_api_keys(admin)
            found = next(
                (r for r in remote if r.partial_key_hint.replace("...", "…") == facts.current_hint),
                None,
            )
            old_id = facts.current_remote_id = found.id if found else None
        if (admin is None or not old_id) and not console_confirmed:
            self._mark(
                step,
                StepState.RUNNING,
                f"revoke {facts.current_hint} at {CONSOLE_KEYS_URL}, then confirm",
            )
            raise UsageError(
                "revoke the old key in the Console",
                f"{CONSOLE_KEYS_URL}: revoke {facts.current_hint}, then confirm here",
            )
        if old is not None and step is Step.REVOKE:
            await self.deps.store.aset_keyring(previous_name(self.key.name), old)
        method = "admin-api" if old_id and admin else "console"
        # A destructive step does not run unless its audit entry is written first, then journaled.
        self._audit(f"secret.{self._verb}.revoke.started", {"method": method})
        facts.revoke_started = self._now()
        self._mark(step, StepState.RUNNING, "deactivating the old key")
        if admin is not None and old_id:
            updated = await self.deps.client.set_api_key_status(admin, old_id, "inactive")
            crash_point()  # deactivated, not yet journaled: a resume deactivates again (idempotent)
            facts.revoke_method = "admin-api"
            self._record_remote(updated)
        else:
            facts.revoke_method = "operator-assisted-console"
        self._save()
        if old is None:
            old = await self._old_for_probe()
        if not await self._poll_401(old):
            raise self._fail(
                step,
                "the old key still works",
                "it did not answer 401 in time: check it was the right key, revoke again, wait a few minutes",
            )
        facts.revoked_at = self._now()
        confirmed = (
            "deactivated; its 401 NOT confirmed" if facts.revoke_unconfirmed else "answers 401"
        )
        self._mark(
            step,
            StepState.DONE,
            f"old key {facts.current_hint} {confirmed} ({facts.revoke_method})",
        )
        self._audit(f"secret.{self._verb}.revoked", {"method": facts.revoke_method})

    async def _old_for_probe(self) -> Secret | None:
        try:
            return await self.deps.store.aread("keyring", previous_name(self.key.name))
        except RotuiError:
            return None

    async def _poll_401(self, old: Secret | None) -> bool:
        run = self._run()
        if old is None:
            run.warnings.append("the old value is not at hand, so its 401 was NOT confirmed")
            run.facts.revoke_unconfirmed = True
            return True
        for attempt in range(self.deps.revoke_poll_attempts):
            result = await self.deps.client.validate(self.key.name, old, base_url=self.key.base_url)
            if result.status is ValidationStatus.INVALID:
                self._record(result)  # the key the name still gives is dead: failing, not "valid"
                return True
            if attempt + 1 < self.deps.revoke_poll_attempts:
                await self.deps.sleep(self.deps.revoke_poll_seconds)
        return False

    # Emergency: revoke now ------------------------------------------------------------------------

    async def deactivate(self, typed_name: str, *, console_confirmed: bool = False) -> str:
        """Revoke now, accepting downtime: note the old key, deactivate it, confirm it answers 401.

        The run starts here (its first side effect) unless it already has.
        """
        if self.mode is not Mode.NOW:
            raise UsageError("only a revoke-now emergency deactivates first", "use the revoke step")
        if typed_name.strip() != self.key.name:
            raise UsageError(
                "confirmation does not match",
                f"you typed {typed_name.strip()!r}; type the key's name, {self.key.name}, to revoke it now",
            )
        old = await self.current_secret()
        run = self.run if self.run is not None else self._start()
        if run.facts.current_fp is None:
            result = await self._validate(old)  # type: ignore[attr-defined]
            run.facts.current_hint, run.facts.current_fp = old.hint, self._fp(old)
            run.facts.current_org = result.organization_id
            run.facts.current_workspace_id = result.workspace_id
            run.facts.current_limits = dict(result.ratelimits)
        self._enter(Step.DEACTIVATE)
        await self._revoke_old(old, console_confirmed, Step.DEACTIVATE)
        return run.step[Step.DEACTIVATE].detail

    # Usage of the old key -------------------------------------------------------------------------

    async def _old_key_id(self, admin: Secret) -> str | None:
        """The Admin API id of the key being replaced: the run's, or matched by its hint."""
        old_id = self.run.facts.current_remote_id if self.run else self._old_id
        if not old_id:
            remote = await self.deps.client.list_api_keys(admin)
            record = match_remote(await self.current_secret(), remote)
            if record is None:
                return None
            old_id = self._old_id = record.id
            if self.run is not None:
                self.run.facts.current_remote_id = record.id
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
        exposed = exposed_at or self.exposed_at
        if exposed is None and self.run is not None and self.run.facts.exposed_at:
            exposed = dt.datetime.fromisoformat(self.run.facts.exposed_at)
        old_id = await self._old_key_id(admin)
        if old_id is None:
            return None
        now = self.deps.clock()
        start, end = fetch_window(now, exposed)
        usage = await self.deps.client.hourly_usage(admin, start, end, api_key_ids=[old_id])
        summary = OldKeyUsage.build(now, usage.get(old_id, {}), exposed, since=start)
        if record:
            self.note_usage(summary)
        return summary

    def note_usage(self, summary: OldKeyUsage) -> None:
        """Keep a usage summary (and its exposure time) in the open run, for the report."""
        run = self.run
        if run is None:
            self._noted_usage = summary  # journaled when the run starts
            return
        if run.status is not RunStatus.ACTIVE:
            return
        if summary.exposed_at is not None:
            self.set_exposure(summary.exposed_at)
        run.facts.old_key_usage = summary.to_fact()
        self._save()

    def _on_started(self, run: Run) -> None:
        if self._old_id and not run.facts.current_remote_id:
            run.facts.current_remote_id = self._old_id
        if self._noted_usage is not None:
            self.note_usage(self._noted_usage)

    def set_exposure(self, when: dt.datetime) -> bool:
        """Record the suspected exposure time in the open run; a new or changed one is audited.

        Returns whether it changed. The same time again (however written) changes nothing.
        """
        run = self.run
        if run is None or run.status is not RunStatus.ACTIVE:
            return False
        recorded = run.facts.exposed_at
        if recorded and dt.datetime.fromisoformat(recorded) == when:
            return False
        run.facts.exposed_at = when.isoformat()
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
