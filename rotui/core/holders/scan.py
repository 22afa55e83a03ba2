"""One holders scan: build the fingerprints, run each enabled source in its bounds, classify.

Values are read from their sources only to be fingerprinted: the targets map holds
fingerprints, never values, and each candidate found is dropped after its HMAC. The audit gets
one entry per scan: the places and masked hints found, never a value.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rotui.core.holders import files, git, remote
from rotui.core.holders.matcher import Hit, Matcher, Target
from rotui.core.holders.model import (
    Finding,
    Held,
    HoldersSettings,
    Place,
    Progress,
    ScanReport,
    Status,
)
from rotui.core.runs import RunStatus
from rotui.core.secret import Secret, redact

if TYPE_CHECKING:
    import httpx

    from rotui.core.audit import AuditLog
    from rotui.core.consumers.fields import ConsumerSpec
    from rotui.core.model import Config, ManagedKey
    from rotui.core.runs import Run
    from rotui.core.secret import SecretStore

OnProgress = Callable[[Progress], None]
FP_PREFIX = "hmac-sha256:"  # AuditLog.fingerprint's form, as journaled in a run's facts
ADMIN = "\0admin"  # the admin key is in the inventory but is not reported
AUDITED_FINDINGS = 200


@dataclass
class ScanRequest:
    """What to scan for and where; ``stop`` ends the scan early with a partial report."""

    config: Config
    store: SecretStore
    audit: AuditLog
    http: httpx.AsyncClient
    names: Sequence[str] = ()
    home: Path = field(default_factory=Path.home)
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    stop: threading.Event = field(default_factory=threading.Event)
    on_progress: OnProgress | None = None
    rotated_at: dict[str, dt.datetime] = field(default_factory=dict)  # default: from ``runs``
    runs: Sequence[Run] = ()  # journaled runs: the replaced key's fingerprint, when it was rotated
    only_key_values: tuple[Held, ...] = ()  # empty: current, pending and previous


class _Book:
    """Classifies hits against the configured consumers and keeps the report."""

    def __init__(
        self,
        keys: list[ManagedKey],
        pending: set[str],
        names: set[str],
        wanted: tuple[Held, ...] = (),
    ) -> None:
        from rotui.core.consumers.fields import consumer_spec

        self.report = ScanReport()
        self.wanted = wanted  # empty: every value; a value not wanted is not reported at all
        self.pending = pending
        self.names = names
        self.managed: dict[tuple[str, str, str], tuple[str, str]] = {}
        self.specs: list[tuple[str, ConsumerSpec]] = []
        for key in keys:
            for index, consumer in enumerate(key.consumers):
                spec = consumer_spec(consumer, key.name, f"consumers[{index}]", "<config>")
                self.specs.append((key.name, spec))
                place = _consumer_place(spec)
                if place is not None:
                    self.managed[place] = (key.name, spec.name)
        self.lock = threading.Lock()

    def add(self, place: Place, held: Held, key: str | None, hint: str, note: str = "") -> None:
        if key == ADMIN or (key is not None and key not in self.names):
            return
        if key is not None and self.wanted and held not in (*self.wanted, Held.NAME_ONLY):
            return
        ident = (place.source, _norm(place.source, place.where), place.var)
        owner = self.managed.get(ident)
        consumer = owner[1] if owner and owner[0] == key else None
        if held is Held.UNKNOWN:
            status = Status.UNKNOWN
        elif held is Held.PREVIOUS:
            status, note = Status.STALE, note or "holds the previous key"
        elif held is Held.CURRENT and key in self.pending and consumer is not None:
            status, note = Status.STALE, note or "not yet given the new key"
        else:
            status = Status.MANAGED if consumer is not None else Status.UNMANAGED
        finding = Finding(place, held, status, hint, key, consumer, note)
        with self.lock:
            self.report.findings.append(finding)


def _consumer_place(spec: ConsumerSpec) -> tuple[str, str, str] | None:
    f = spec.fields
    kind = str(spec.kind)
    if kind == "heroku":
        return ("heroku", f"app {f['app']}", spec.var)
    if kind == "infisical":
        path = str(f.get("path") or "/")
        return (
            "infisical",
            _norm("infisical", f"{f['project_id']}/{f['environment']}{path}"),
            spec.var,
        )
    if kind == "env-file":
        return ("file", _norm("file", str(Path(str(f["path"])).expanduser())), spec.var)
    if kind == "github":
        where = str(f["repo"]) + (f" env {f['env']}" if f.get("env") else "")
        return ("github", where, spec.var)
    return None


def env_files(keys: Sequence[ManagedKey]) -> Iterator[str]:
    """The env-file consumers' files, each once."""
    seen: set[str] = set()
    for key in keys:
        for consumer in key.consumers:
            if str(consumer.kind) == "env-file" and consumer.fields.get("path"):
                path = str(Path(str(consumer.fields["path"])).expanduser())
                if path not in seen:
                    seen.add(path)
                    yield path


def _norm(source: str, where: str) -> str:
    if source == "file":
        return os.path.realpath(where)
    if source == "infisical" and len(where) > 1:
        return where.rstrip("/") + "/"
    return where


async def scan(request: ScanRequest) -> ScanReport:
    """Look for the keys' values everywhere the ``[holders]`` settings allow; audited."""
    config, settings = request.config, request.config.holders
    keys = [k for k in config.keys if not request.names or k.name in request.names]
    names = {k.name for k in keys}
    hmac_key = request.audit._installation_key()  # the installation's HMAC key (audit.py)
    targets, pending = await _targets(request, config.keys, hmac_key)
    for key_name, fp in replaced(request.runs).items():
        targets.setdefault(fp, Target(key_name, Held.PREVIOUS))
    if not request.rotated_at:
        request.rotated_at = last_completed(request.runs)
    matcher = Matcher(hmac_key, targets)
    book = _Book(list(config.keys), pending, names, request.only_key_values)
    report = book.report
    started = time.monotonic()
    progress = Progress()

    def tell(source: str, done: int = 0, more: int = 0) -> None:
        progress.done += done
        progress.total += more
        progress.source = source
        progress.elapsed = time.monotonic() - started
        if request.on_progress is not None:
            request.on_progress(progress)

    def value(source: str, where: str, var: str, text: str) -> None:
        target, hint = matcher.classify(text)
        if target is None and not text.startswith(("sk-ant-api", "sk-ant-admin")):
            return
        del text
        held, key = (target.held, target.key) if target else (Held.UNKNOWN, None)
        book.add(Place(source, where, var), held, key, hint)

    all_keys = list(config.keys)
    steps: list[tuple[str, Callable[[], object]]] = []
    if settings.heroku:
        steps.append(("heroku", lambda: _heroku(request, all_keys, value, tell, report)))
    if settings.infisical:
        steps.append(("infisical", lambda: _infisical(request, all_keys, value, tell, report)))
    if settings.github:
        steps.append(("github", lambda: _github(request, book, tell, report)))
    for name, step in steps:
        if request.stop.is_set():
            report.partial = True
            break
        try:
            await asyncio.wait_for(step(), settings.timeout_seconds)  # type: ignore[arg-type]
        except TimeoutError:
            report.partial = True
            report.problems.append(
                f"{name}: stopped at its time bound ({settings.timeout_seconds:g} s)"
            )
    if not request.stop.is_set():
        await asyncio.to_thread(_local, request, settings, matcher, book, tell)
    else:
        report.partial = True
    report.partial = report.partial or request.stop.is_set()
    report.elapsed = time.monotonic() - started
    _audit(request, report, names)
    return report


async def _targets(
    request: ScanRequest, keys: Sequence[ManagedKey], hmac_key: bytes
) -> tuple[dict[str, Target], set[str]]:
    """Fingerprints of every configured key's current, pending and previous values."""
    from rotui.core.errors import RotuiError
    from rotui.core.rotation.engine import pending_name, previous_name

    targets: dict[str, Target] = {}
    pending: set[str] = set()
    # A value that is both (a source already updated to the new key) counts as PENDING: the
    # first listed wins. An active run's fingerprints say which key is the old one.
    for run in request.runs:
        if run.status is RunStatus.ACTIVE:
            for held, fp in (
                (Held.PENDING, run.facts.pending_fp),
                (Held.CURRENT, run.facts.current_fp),
            ):
                if fp and fp.startswith(FP_PREFIX):
                    targets.setdefault(fp.removeprefix(FP_PREFIX), Target(run.key, held))
                    if held is Held.PENDING:
                        pending.add(run.key)
    reads = [
        (key.name, held, source, username)
        for key in keys
        for held, source, username in (
            (Held.PENDING, "keyring", pending_name(key.name)),
            (Held.CURRENT, key.source, key.name),
            (Held.PREVIOUS, "keyring", previous_name(key.name)),
        )
    ]
    admin = request.config.settings.admin_key
    if admin:
        reads.append((ADMIN, Held.CURRENT, admin, "__admin__"))

    async def fingerprint(source: str, username: str) -> str | None:
        """The value's fingerprint; the value itself never leaves this function."""
        try:
            secret = await request.store.aread(source, username)
        except RotuiError:
            return None
        return None if secret is None else secret.fingerprint(hmac_key)

    prints = await asyncio.gather(*(fingerprint(source, user) for _, _, source, user in reads))
    for (name, held, _, _), fp in zip(reads, prints, strict=True):
        if fp is None:
            continue
        if held is Held.PENDING:
            pending.add(name)
        targets.setdefault(fp, Target(name, held))
    return targets, pending


async def _token(
    request: ScanRequest, source: str, label: str, report: ScanReport
) -> Secret | None:
    from rotui.core.errors import RotuiError

    try:
        token = await request.store.aread(source, label)
    except RotuiError as exc:
        report.problems.append(f"{label}: {exc}")
        return None
    if token is None:
        report.problems.append(f"{label}: {source} gave no token; skipped")
    return token


async def _heroku(
    request: ScanRequest,
    keys: list[ManagedKey],
    value: remote.Value,
    tell: Callable[..., None],
    report: ScanReport,
) -> None:
    seen: set[tuple[str, str]] = set()
    for key in keys:
        for consumer in key.consumers:
            if str(consumer.kind) != "heroku":
                continue
            source = str(consumer.fields.get("token", "env:HEROKU_API_KEY"))
            api = str(consumer.fields.get("api_url", "https://api.heroku.com"))
            if (source, api) in seen:
                continue
            seen.add((source, api))
            token = await _token(request, source, "HEROKU_API_KEY", report)
            if token is None:
                continue
            try:
                done = await remote.heroku(
                    request.http, api, token, value, lambda n: tell("heroku", 0, n)
                )
                report.places += done
                tell("heroku", done)
            except remote.SourceProblem as exc:
                report.problems.append(str(exc))


async def _infisical(
    request: ScanRequest,
    keys: list[ManagedKey],
    value: remote.Value,
    tell: Callable[..., None],
    report: ScanReport,
) -> None:
    seen: set[tuple[str, str, str]] = set()
    for key in keys:
        for consumer in key.consumers:
            if str(consumer.kind) != "infisical":
                continue
            f = consumer.fields
            source = str(f.get("token", "env:INFISICAL_TOKEN"))
            api = str(f.get("api_url", "https://app.infisical.com"))
            project = str(f["project_id"])
            if (source, api, project) in seen:
                continue
            seen.add((source, api, project))
            token = await _token(request, source, "INFISICAL_TOKEN", report)
            if token is None:
                continue
            try:
                done = await remote.infisical(
                    request.http, api, token, project, value, lambda n: tell("infisical", 0, n)
                )
                report.places += done
                tell("infisical", done)
            except remote.SourceProblem as exc:
                report.problems.append(str(exc))


async def _github(
    request: ScanRequest, book: _Book, tell: Callable[..., None], report: ScanReport
) -> None:
    from rotui.core.consumers.base import child_environ
    from rotui.core.consumers.github import GH_ENV_NAMES, GH_ENV_PREFIXES

    repos: dict[tuple[str, str], set[str]] = {}
    passed: set[str] = set()
    for _key, spec in book.specs:
        if str(spec.kind) == "github":
            passed.update(spec.fields.get("pass_env", ()))
            envs = repos.setdefault(
                (str(spec.fields.get("gh") or "gh"), str(spec.fields["repo"])), set()
            )
            if spec.fields.get("env"):
                envs.add(str(spec.fields["env"]))
    tell("github", 0, len(repos))
    wanted = {(key, spec.var) for key, spec in book.specs} | {(k, k) for k in book.names}
    for (gh, repo), envs in sorted(repos.items()):
        environ = child_environ(request.environ, (*GH_ENV_NAMES, *passed), GH_ENV_PREFIXES)
        try:
            listed = await remote.github(
                gh, repo, sorted(envs), environ, request.config.holders.timeout_seconds
            )
        except remote.SourceProblem as exc:
            report.problems.append(str(exc))
            continue
        report.places += 1
        tell("github", 1)
        for secret in listed:
            for key, var in wanted:
                if secret.name.upper() != var.upper() or key not in book.names:
                    continue
                where = repo + (f" env {secret.env}" if secret.env else "")
                place = Place("github", where, secret.name)
                last = request.rotated_at.get(key)
                if last is not None and secret.updated_at is not None and secret.updated_at < last:
                    note = f"may hold the old key: updated {secret.updated_at:%Y-%m-%d %H:%M}, before the last rotation"
                    book.add(place, Held.NAME_ONLY, key, "—", note)
                    continue
                when = f"updated {secret.updated_at:%Y-%m-%d %H:%M}" if secret.updated_at else ""
                book.add(place, Held.NAME_ONLY, key, "—", when)
    # a stale GitHub finding is a "name only" one with the note: mark it
    report.findings[:] = [
        Finding(f.place, f.held, Status.STALE, f.hint, f.key, f.consumer, f.note)
        if f.held is Held.NAME_ONLY and f.note.startswith("may hold")
        else f
        for f in report.findings
    ]


def _local(
    request: ScanRequest,
    settings: HoldersSettings,
    matcher: Matcher,
    book: _Book,
    tell: Callable[..., None],
) -> None:
    report, stop = book.report, request.stop
    deadline = time.monotonic() + settings.timeout_seconds

    def found(path: str, hit: Hit) -> None:
        book.add(Place("file", path, hit.var, hit.line), hit.held, hit.key, hit.hint)

    def tick(done: int, _known: int) -> None:
        tell("files", done - tick.last, done - tick.last)  # type: ignore[attr-defined]
        tick.last = done  # type: ignore[attr-defined]

    def paths() -> Iterator[str]:
        own = list(env_files(request.config.keys))  # the files rotui writes: always looked at
        yield from own
        if settings.shell:
            yield from (str(p) for p in files.shell_files(request.home) if str(p) not in own)
        for root in settings.paths:
            yield from (p for p in files.walk(root, report, stop) if p not in own)

    tick.last = 0  # type: ignore[attr-defined]
    files.scan_paths(
        paths(),
        matcher,
        report,
        found,
        stop,
        max_bytes=settings.max_file_bytes,
        deadline=deadline,
        max_places=settings.max_places,
        tick=tick,
    )
    if not settings.git or stop.is_set():
        return
    from rotui.core.consumers.base import child_environ

    environ = child_environ(request.environ)

    def found_git(repo: str, where: str, hit: Hit) -> None:
        book.add(Place("git", f"{repo}@{where}", hit.var), hit.held, hit.key, hit.hint)

    for repo in git.repositories(settings.paths, stop):
        git.scan_history(
            repo,
            matcher,
            report,
            found_git,
            stop,
            commits=settings.git_commits,
            deadline=deadline,
            environ=environ,
        )
        tell("git", 1, 1)


def _audit(request: ScanRequest, report: ScanReport, names: set[str]) -> None:
    """One entry: that a scan ran and what it found, as masked hints and places."""
    found = [
        {
            "status": str(f.status),
            "held": str(f.held),
            "hint": f.hint,
            "key": f.key,
            "place": redact(f.place.label()),
        }
        for f in report.findings[:AUDITED_FINDINGS]
    ]
    request.audit.append(
        "holders.scan",
        key=next(iter(names)) if len(names) == 1 else None,  # found by `audit --key` too
        context={
            "keys": sorted(names),
            "places": report.places,
            "partial": report.partial,
            "found": found,
            "findings": len(report.findings),
            "skipped": dict(sorted(report.skipped.items())),
            "problems": [redact(p) for p in report.problems],
        },
    )


def replaced(runs: Sequence[Run]) -> dict[str, str]:
    """The fingerprint of the key each key's last completed run replaced (its previous value).

    The keyring's ``NAME#previous`` is gone once a run finishes; the journal keeps the keyed
    fingerprint, which is all a scan needs to show drift.
    """
    out: dict[str, str] = {}
    for run in runs:
        fp = run.facts.current_fp or ""
        if run.status is RunStatus.COMPLETED and fp.startswith(FP_PREFIX):
            out[run.key] = fp.removeprefix(FP_PREFIX)
    return out


def last_completed(runs: Sequence[Run]) -> dict[str, dt.datetime]:
    """When each key's last run completed: a GitHub secret updated before it may hold the old key."""
    out: dict[str, dt.datetime] = {}
    for run in runs:
        if run.facts.completed_at:
            try:
                when = dt.datetime.fromisoformat(run.facts.completed_at)
            except ValueError:
                continue
            out[run.key] = max(out.get(run.key, when), when)
    return out
