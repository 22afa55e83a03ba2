"""The sources a scan reads, each within its bounds: Heroku, Infisical, GitHub, files and git.

A remote source's token is read from the secret store for the request only and goes no further
than its HTTP header; a problem with a source is kept in the report and the others go on.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rotui.core.holders import files, git
from rotui.core.holders.book import Book
from rotui.core.holders.matcher import Hit, Matcher
from rotui.core.holders.model import (
    Finding,
    Held,
    Place,
    ScanReport,
    Status,
)
from rotui.core.holders.settings import HoldersSettings
from rotui.core.secret import Secret

if TYPE_CHECKING:
    from rotui.core.consumers.infisical_login import UniversalAuth
    from rotui.core.errors import RotuiError
    from rotui.core.holders import remote
    from rotui.core.holders.scan import ScanRequest
    from rotui.core.model import ManagedKey


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


async def heroku(
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
            from rotui.core.holders import remote  # with httpx: only when there is work

            try:
                done = await remote.heroku(
                    request.http, api, token, value, lambda n: tell("heroku", 0, n)
                )
                report.places += done
                tell("heroku", done)
            except remote.SourceProblem as exc:
                report.problems.append(str(exc))


async def infisical(
    request: ScanRequest,
    book: Book,
    value: remote.Value,
    tell: Callable[..., None],
    report: ScanReport,
) -> None:
    """Each project an Infisical consumer names, read with the consumer's own credentials.

    A consumer with ``client_id`` and ``client_secret`` logs in with universal auth as it does
    (:class:`~rotui.core.consumers.infisical_login.UniversalAuth`), once per identity per scan.
    """
    from rotui.core.errors import RotuiError

    logins: dict[tuple[str, str, str], UniversalAuth | RotuiError] = {}
    seen: set[tuple[str, str, str]] = set()
    for _key, spec in book.specs:
        if str(spec.kind) != "infisical":
            continue
        f, project = spec.fields, str(spec.fields["project_id"])
        api = str(f.get("api_url") or "https://app.infisical.com")
        universal = bool(f.get("client_id") and f.get("client_secret"))
        who = f"ua:{f['client_id']}" if universal else str(f.get("token") or "env:INFISICAL_TOKEN")
        if (who, api, project) in seen:
            continue
        seen.add((who, api, project))
        from rotui.core.holders import remote  # with httpx: only when there is work

        try:
            token: Secret | None
            if universal:
                token = await _logged_in(
                    request, logins, str(f["client_id"]), str(f["client_secret"]), api
                )
            else:
                token = await _token(request, who, "INFISICAL_TOKEN", report)
            if token is None:
                continue
            done = await remote.infisical(
                request.http, api, token, project, value, lambda n: tell("infisical", 0, n)
            )
            report.places += done
            tell("infisical", done)
        except RotuiError as exc:  # the universal-auth login was refused or failed
            report.problems.append(f"Infisical project {project}: {exc}")
        except remote.SourceProblem as exc:
            report.problems.append(str(exc))


async def _logged_in(
    request: ScanRequest,
    logins: dict[tuple[str, str, str], UniversalAuth | RotuiError],
    client_id: str,
    client_secret: str,
    api: str,
) -> Secret:
    """A universal-auth token for one identity: one login per scan, and a refused login is not
    tried again for the identity's next project (failed logins lock an identity out)."""
    from rotui.core.consumers.base import ConsumerContext
    from rotui.core.consumers.infisical_login import UniversalAuth
    from rotui.core.errors import RotuiError

    known = logins.get((client_id, client_secret, api))
    if isinstance(known, RotuiError):
        raise known
    if known is None:
        known = logins[(client_id, client_secret, api)] = UniversalAuth(
            client_id, client_secret, api
        )
    ctx = ConsumerContext(
        http=request.http, store=request.store, fingerprint=_unused, environ=request.environ
    )
    try:
        return await known.token(ctx)
    except RotuiError as exc:
        logins[(client_id, client_secret, api)] = exc
        raise


def _unused(_secret: Secret) -> str:
    """A login fingerprints nothing; the scan's matcher does, with the audit's key."""
    raise AssertionError("the holders scan fingerprints through its matcher")


async def github(
    request: ScanRequest, book: Book, tell: Callable[..., None], report: ScanReport
) -> None:
    """Secret names of each repository, environment and organization a GitHub consumer names."""
    repos: dict[tuple[str, str], set[str]] = {}
    orgs: set[tuple[str, str]] = set()
    passed: set[str] = set()
    for _key, spec in book.specs:
        if str(spec.kind) != "github":
            continue
        passed.update(spec.fields.get("pass_env", ()))
        gh = str(spec.fields.get("gh") or "gh")
        if spec.fields.get("org"):
            orgs.add((gh, str(spec.fields["org"])))
        elif spec.fields.get("repo"):
            envs = repos.setdefault((gh, str(spec.fields["repo"])), set())
            if spec.fields.get("env"):
                envs.add(str(spec.fields["env"]))
    tell("github", 0, len(repos) + len(orgs))
    if not repos and not orgs:
        return
    from rotui.core.consumers.base import child_environ  # with httpx: only when there is work
    from rotui.core.consumers.github import GH_ENV_NAMES, GH_ENV_PREFIXES
    from rotui.core.holders import remote

    environ = child_environ(request.environ, (*GH_ENV_NAMES, *passed), GH_ENV_PREFIXES)
    timeout = request.config.holders.timeout_seconds
    reads = [
        functools.partial(remote.github, gh, repo, sorted(envs), environ, timeout)
        for (gh, repo), envs in sorted(repos.items())
    ] + [
        functools.partial(remote.github_org, gh, org, environ, timeout) for gh, org in sorted(orgs)
    ]
    for read in reads:
        try:
            listed = await read()
        except remote.SourceProblem as exc:
            report.problems.append(str(exc))
            continue
        report.places += 1
        tell("github", 1)
        _github_findings(request, book, listed)
    # a "may hold the old key" finding is a stale one, not managed
    report.findings[:] = [
        Finding(f.place, f.held, Status.STALE, f.hint, f.key, f.consumer, f.note)
        if f.held is Held.NAME_ONLY and f.note.startswith("may hold")
        else f
        for f in report.findings
    ]


def _github_findings(request: ScanRequest, book: Book, listed: list[remote.GithubSecret]) -> None:
    """A finding for each listed secret named as a key's variable (or the key itself).

    One updated before the key's last completed rotation "may hold the old key": stale.
    """
    wanted = {(key, spec.var) for key, spec in book.specs} | {(k, k) for k in book.names}
    for secret in listed:
        for key, var in wanted:
            if secret.name.upper() != var.upper() or key not in book.names:
                continue
            if secret.org:
                where = f"org {secret.org}"
                said = f"visibility {secret.visibility}; " if secret.visibility else ""
            else:
                where, said = secret.repo + (f" env {secret.env}" if secret.env else ""), ""
            place = Place("github", where, secret.name)
            last = request.rotated_at.get(key)
            updated = secret.updated_at
            if last is not None and updated is not None and updated < last:
                note = f"may hold the old key: {said}updated {updated:%Y-%m-%d %H:%M}, before the last rotation"
                book.add(place, Held.NAME_ONLY, key, "—", note)
                continue
            when = f"{said}updated {updated:%Y-%m-%d %H:%M}" if updated else said.rstrip("; ")
            book.add(place, Held.NAME_ONLY, key, "—", when)


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


def sift_local(
    request: ScanRequest,
    settings: HoldersSettings,
    stop: files.Stop,
    tell: Callable[..., None],
) -> files.Sifted:
    """Read the local files for the key prefix: needs no fingerprint, so it starts at once."""
    deadline = time.monotonic() + settings.timeout_seconds
    walked = ScanReport()  # the walk's unreadable directories, then the files' outcomes

    def tick(done: int, _known: int) -> None:
        tell("files", done - tick.last, done - tick.last)  # type: ignore[attr-defined]
        tick.last = done  # type: ignore[attr-defined]

    def paths() -> Iterator[str]:
        own = list(env_files(request.config.keys))  # the files rotui writes: always looked at
        yield from own
        if settings.shell:
            yield from (str(p) for p in files.shell_files(request.home) if str(p) not in own)
        for root in settings.paths:
            yield from (p for p in files.walk(root, walked, stop) if p not in own)

    tick.last = 0  # type: ignore[attr-defined]
    return files.sift_paths(
        paths(),
        stop,
        max_bytes=settings.max_file_bytes,
        deadline=deadline,
        max_places=settings.max_places,
        tick=tick,
        report=walked,
    )


def match_local(
    request: ScanRequest,
    settings: HoldersSettings,
    matcher: Matcher,
    book: Book,
    sifted: files.Sifted,
    tell: Callable[..., None],
) -> None:
    """Match the sifted files' candidates, then (opt-in) the git history under the roots."""
    report, stop = book.report, request.stop

    def found(path: str, hit: Hit) -> None:
        book.add(Place("file", path, hit.var, hit.line), hit.held, hit.key, hit.hint)

    files.match_candidates(sifted, matcher, report, found, settings.max_file_bytes)
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
            deadline=sifted.deadline,
            environ=environ,
        )
        tell("git", 1, 1)
