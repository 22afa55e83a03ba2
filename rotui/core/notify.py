"""Notifications where the team already looks (Slack, Teams, email...), through apprise.

Each ``[notify] urls`` entry is a secret source (``env:``, ``keyring``, ``command:``), never the
URL itself: a webhook URL is a credential. It is read when a message is sent, handed to apprise
and nowhere else: never printed, logged or audited; a target is named by its position
(``notify.urls[1]``) and its scheme. apprise's own log is silenced, since its messages name
hosts and paths. A failed notification is reported and audited, and never fails what sent it.
apprise is the optional extra ``rotui[notify]``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rotui.core.errors import RotuiError
from rotui.core.overview import KeyRow
from rotui.core.runs import Run
from rotui.core.secret import Secret, SecretStore

__all__ = ["CheckSummary", "Notifier", "check_summary", "keyring_user"]

SEND_TIMEOUT = 30.0
LISTED = 20  # names shown per category; the rest are counted
ALL_CLEAR = "rotui: all keys fine"
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]{0,15}")

Audit = Callable[[str, str | None, dict[str, Any]], None]  # (action, key, context)
Report = Callable[[str], None]


def keyring_user(index: int) -> str:
    """The keyring entry of ``urls[index]`` when its source is "keyring"."""
    return "__notify__" if index == 0 else f"__notify_{index + 1}__"


@dataclass(frozen=True)
class Delivery:
    """One target's outcome; ``target`` and ``scheme`` are safe to show, the URL never is."""

    target: str
    scheme: str
    ok: bool
    reason: str = ""


@dataclass
class Notifier:
    """Sends one message to every configured target, off the event loop, bounded in time."""

    sources: Sequence[str]
    store: SecretStore
    audit: Audit
    report: Report | None = None
    timeout: float = SEND_TIMEOUT
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set, repr=False)
    _last: asyncio.Task[Any] | None = field(default=None, repr=False)

    async def send(self, title: str, body: str, event: str, key: str | None = None) -> bool:
        """True when every target took the message; failures are reported and audited."""
        deliveries: list[Delivery] = []
        urls: list[tuple[str, Secret]] = []
        for index, source in enumerate(self.sources):
            target = f"notify.urls[{index}]"
            try:
                secret = await self.store.aread(source, keyring_user(index))
            except RotuiError as exc:
                deliveries.append(Delivery(target, "", False, f"its source failed: {exc.title}"))
                continue
            if secret is None or not secret.reveal().strip():
                deliveries.append(Delivery(target, "", False, "its source gave no URL"))
                continue
            urls.append((target, secret))
        try:
            deliveries += await asyncio.wait_for(
                asyncio.to_thread(_deliver, urls, title, body), self.timeout
            )
        except TimeoutError:
            deliveries += [
                Delivery(t, _scheme(s), False, f"no answer in {self.timeout:g} s") for t, s in urls
            ]
        for item in deliveries:
            context = {"event": event, "target": item.target, "scheme": item.scheme}
            if not item.ok:
                context["reason"] = item.reason
                if self.report is not None:
                    self.report(_failure_line(item))
            try:
                self.audit("notify.sent" if item.ok else "notify.failed", key, context)
            except RotuiError as exc:
                if self.report is not None:
                    self.report(f"notification not audited: {exc}")
        return bool(deliveries) and all(d.ok for d in deliveries)

    def send_soon(self, title: str, body: str, event: str, key: str | None = None) -> None:
        """Send in the background, in the order asked (a run never waits for a webhook).

        :meth:`drain` awaits every send.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        previous = self._last

        async def in_turn() -> bool:
            # After the one before: a team reads "started" before "waits for a person" (each
            # send is bounded by the timeout, so a dead hook delays the next by that at most).
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            return await self.send(title, body, event, key)

        task = loop.create_task(in_turn())
        self._last = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for the background sends (each is bounded by ``timeout``)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def _failure_line(item: Delivery) -> str:
    via = f" ({item.scheme}://…)" if item.scheme else ""
    return f"notification to {item.target}{via} not delivered: {item.reason}"


def _scheme(secret: Secret) -> str:
    """The URL's scheme when it looks like one (``json``, ``slack``), else nothing."""
    head, sep, _ = secret.reveal().strip().partition("://")
    return head.lower() if sep and _SCHEME.fullmatch(head.lower()) else ""


def _deliver(urls: Iterable[tuple[str, Secret]], title: str, body: str) -> list[Delivery]:
    """Hand each URL to its own apprise instance, so each target's outcome is known."""
    try:
        import apprise
    except ImportError:
        return [
            Delivery(t, _scheme(s), False, "apprise is not installed: pip install 'rotui[notify]'")
            for t, s in urls
        ]
    logging.getLogger("apprise").disabled = True  # its messages name hosts, paths and tokens
    found: list[Delivery] = []
    for target, secret in urls:
        scheme = _scheme(secret)
        sender = apprise.Apprise()
        if not sender.add(secret.reveal().strip()):
            found.append(Delivery(target, scheme, False, "not a URL apprise understands"))
            continue
        try:
            ok = bool(sender.notify(body=body, title=title))
        except Exception as exc:  # a plugin's bug must not fail the run that notifies
            found.append(Delivery(target, scheme, False, type(exc).__name__))
            continue
        reason = "" if ok else "the service refused it or did not answer"
        found.append(Delivery(target, scheme, ok, reason))
    return found


_RUN_EVENTS = {
    "started": "started",
    "waiting": "waits for a person",
    "completed": "completed",
    "rolled_back": "rolled back",
}


def run_message(event: str, run: Run, detail: str) -> tuple[str, str]:
    """The title and body of a run's notification: names and steps, never a key or hint."""
    what = "emergency revoke" if run.kind == "emergency" else "rotation"
    title = f"rotui: {what} of {run.key} {_RUN_EVENTS.get(event, event)}"
    lines = [f"run {run.run_id} ({run.facts.mode or 'overlap'}), by {run.actor}"]
    if detail:
        lines.append(detail)
    return title, "\n".join(lines)


@dataclass(frozen=True)
class CheckSummary:
    """What ``rotui check --notify`` sends: a title, a body, and a digest to tell a change."""

    title: str
    body: str
    problems: int
    findings: str = ""  # what changed is told by these alone, not by the note of keys never validated

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.findings.encode()).hexdigest()


def check_summary(
    overdue: Sequence[str],
    due_soon: Sequence[str],
    failing: Sequence[str],
    unusual: Sequence[str],
    never_validated: Sequence[str] = (),
) -> CheckSummary:
    """One message for the whole inventory; it is sent again only when the findings change.

    Before any summary was sent, the last one counts as the all-clear: a first check that finds
    nothing sends nothing. Keys never validated are not findings (``rotui check`` passes them),
    but no message calls them fine: "all keys fine" is said only when every key was validated.
    """
    parts = [
        (len(overdue), "overdue", overdue),
        (len(due_soon), "due soon", due_soon),
        (len(failing), "failing", failing),
        (len(unusual), "unusual usage", unusual),
    ]
    found = [(n, label, names) for n, label, names in parts if n]
    unknown = f"never validated, so not known to work: {_names(never_validated)}"
    if not found:
        if never_validated:
            title = f"rotui: none overdue or failing ({len(never_validated)} never validated)"
            return CheckSummary(title, f"none overdue, due soon or failing; {unknown}", 0)
        return CheckSummary(ALL_CLEAR, "none overdue, due soon or failing; no unusual usage", 0)
    title = "rotui: " + ", ".join(f"{n} {label}" for n, label, _ in found)
    lines = [f"{label}: {_names(names)}" for _, label, names in found]
    findings = "\n".join([title, *lines])
    body = "\n".join([*lines, unknown] if never_validated else lines)
    return CheckSummary(title, body, sum(n for n, _, _ in found), findings)


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(sorted(names)[:LISTED])
    return shown + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")


def summary_of(rows: Iterable[KeyRow]) -> CheckSummary:
    """The check's findings over the dashboard's rows (the same words and thresholds)."""
    from rotui.core.model import Freshness

    rows = list(rows)
    return check_summary(
        [r.name for r in rows if r.age.freshness is Freshness.OVERDUE],
        [r.name for r in rows if r.age.freshness is Freshness.DUE_SOON],
        [r.name for r in rows if r.failing],
        [r.name for r in rows if r.usage_alert is not None],
        [r.name for r in rows if r.last is None],
    )


async def notify_check(
    notifier: Notifier, rows: Iterable[KeyRow], state_file: Path, now: str
) -> str:
    """Send the summary when it changed since the last one sent: "sent", "unchanged", "failed".

    Only a summary every target took is remembered, so a failed one is tried again next time.
    """
    summary = summary_of(rows)
    if summary.digest == last_sent(state_file):
        return "unchanged"
    if not await notifier.send(summary.title, summary.body, "check"):
        return "failed"
    remember_sent(state_file, summary, now)
    return "sent"


def last_sent(path: Path) -> str:
    """The digest of the last summary sent, from state (the all-clear's when none was)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    digest = data.get("check_digest") if isinstance(data, dict) else None
    return digest if isinstance(digest, str) else check_summary([], [], [], []).digest


def remember_sent(path: Path, summary: CheckSummary, sent_at: str) -> None:
    """Keep the summary's digest, so the same findings are not sent again."""
    from rotui.core.fsio import atomic_write

    document = {"check_digest": summary.digest, "sent_at": sent_at, "title": summary.title}
    atomic_write(path, json.dumps(document, indent=2).encode())
