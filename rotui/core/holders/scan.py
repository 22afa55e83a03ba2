"""One holders scan: build the fingerprints, run each enabled source in its bounds, classify.

Values are read from their sources only to be fingerprinted: the targets map holds
fingerprints, never values, and each candidate found is dropped after its HMAC. The audit gets
one entry per scan: the places and masked hints found, never a value.

What to look for is :mod:`.targets`, where to look :mod:`.sources`, and which finding is
managed, unmanaged or stale :mod:`.book`; this module runs them in order within the bounds.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rotui.core.holders import sources
from rotui.core.holders.book import Book
from rotui.core.holders.matcher import Matcher, Target
from rotui.core.holders.model import Held, Place, Progress, ScanReport
from rotui.core.holders.targets import last_completed, read_targets, replaced
from rotui.core.secret import Secret, redact

if TYPE_CHECKING:
    import httpx

    from rotui.core.audit import AuditLog
    from rotui.core.model import Config
    from rotui.core.runs import Run
    from rotui.core.secret import SecretStore

OnProgress = Callable[[Progress], None]
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
    # Tokens for gh and the sources live here: never in a repr (a crash traceback's locals).
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)
    stop: threading.Event = field(default_factory=threading.Event)
    on_progress: OnProgress | None = None
    rotated_at: dict[str, dt.datetime] = field(default_factory=dict)  # default: from ``runs``
    runs: Sequence[Run] = ()  # journaled runs: the replaced key's fingerprint, when it was rotated
    only_key_values: tuple[Held, ...] = ()  # empty: current, pending and previous
    audited: bool = True  # False: ``--read-only``, the scan is printed but not audited


async def scan(request: ScanRequest) -> ScanReport:
    """Look for the keys' values everywhere the ``[holders]`` settings allow; audited.

    The local files are sifted for the key prefix from the start, while the keys' values are
    read (a keyring can take its time) and the remote sources are listed; the few files that
    hold the prefix are matched once the fingerprints are known.
    """
    config, settings = request.config, request.config.holders
    names = {k.name for k in config.keys if not request.names or k.name in request.names}
    started = time.monotonic()
    tell = _Teller(request.on_progress, started)
    halt = threading.Event()  # ends the sifting when this scan fails before it is awaited
    stop = _Either(request.stop, halt)
    sifting = asyncio.ensure_future(
        asyncio.to_thread(sources.sift_local, request, settings, stop, tell)
    )
    try:
        hmac_key = request.audit.installation_key()
        targets, pending = await read_targets(request, config.keys, hmac_key)
        for key_name, fp in replaced(request.runs).items():
            targets.setdefault(fp, Target(key_name, Held.PREVIOUS))
        if not request.rotated_at:
            request.rotated_at = last_completed(request.runs)
        matcher = Matcher(hmac_key, targets)
        book = Book(list(config.keys), pending, names, request.only_key_values)
        await _each_in_its_bound(
            _remote_steps(request, matcher, book, tell),
            request.stop,
            book.report,
            settings.timeout_seconds,
        )
        sifted = await sifting
    except BaseException:
        halt.set()  # the sifting thread ends at its next file
        with contextlib.suppress(BaseException):
            await sifting
        raise
    report = book.report
    await asyncio.to_thread(sources.match_local, request, settings, matcher, book, sifted, tell)
    report.partial = report.partial or request.stop.is_set()
    report.elapsed = time.monotonic() - started
    if request.audited:
        _audit(request, report, names)
    return report


class _Either:
    """Stops when the caller's event or this scan's own is set."""

    def __init__(self, one: threading.Event, other: threading.Event) -> None:
        self._one, self._other = one, other

    def is_set(self) -> bool:
        return self._one.is_set() or self._other.is_set()


class _Teller:
    """Progress from every source, told one at a time: files are sifted in a thread meanwhile."""

    def __init__(self, on_progress: OnProgress | None, started: float) -> None:
        self._on_progress = on_progress
        self._started = started
        self._progress = Progress()
        self._lock = threading.Lock()

    def __call__(self, source: str, done: int = 0, more: int = 0) -> None:
        with self._lock:
            progress = self._progress
            progress.done += done
            progress.total += more
            progress.source = source
            progress.elapsed = time.monotonic() - self._started
            if self._on_progress is not None:
                self._on_progress(progress)


def _remote_steps(
    request: ScanRequest, matcher: Matcher, book: Book, tell: Callable[..., None]
) -> list[tuple[str, Callable[[], object]]]:
    """The enabled remote sources, in order: Heroku, Infisical, GitHub."""
    settings, report, all_keys = request.config.holders, book.report, list(request.config.keys)

    def value(source: str, where: str, var: str, secret: Secret) -> None:
        target, hint = matcher.classify(secret)
        if target is None and not secret.reveal().startswith(("sk-ant-api", "sk-ant-admin")):
            return
        held, key = (target.held, target.key) if target else (Held.UNKNOWN, None)
        book.add(Place(source, where, var), held, key, hint)

    steps: list[tuple[str, Callable[[], object]]] = []
    if settings.heroku:
        steps.append(("heroku", lambda: sources.heroku(request, all_keys, value, tell, report)))
    if settings.infisical:
        steps.append(("infisical", lambda: sources.infisical(request, book, value, tell, report)))
    if settings.github:
        steps.append(("github", lambda: sources.github(request, book, tell, report)))
    return steps


async def _each_in_its_bound(
    steps: list[tuple[str, Callable[[], object]]],
    stop: threading.Event,
    report: ScanReport,
    timeout: float,
) -> None:
    """Run the remote sources one after another, each stopped at the time bound; partial if so."""
    for name, step in steps:
        if stop.is_set():
            report.partial = True
            break
        try:
            await asyncio.wait_for(step(), timeout)  # type: ignore[arg-type]
        except TimeoutError:
            report.partial = True
            report.problems.append(f"{name}: stopped at its time bound ({timeout:g} s)")


def _audit(request: ScanRequest, report: ScanReport, names: set[str]) -> None:
    """One entry: that a scan ran and what it found, as masked hints and places."""
    found = [
        {
            "status": str(f.status),
            "held": str(f.held),
            "hint": f.hint,
            "key": f.key,
            "place": _storable(redact(f.place.label())),
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
            "problems": [_storable(redact(p)) for p in report.problems],
        },
    )


def _storable(text: str) -> str:
    """A file name's bytes that are no UTF-8 (``os.fsdecode``'s surrogates) as ``\\xNN`` escapes."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
