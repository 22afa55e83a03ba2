"""Which holder is which: a hit classified against the configured consumers, into the report.

A place a consumer of the same key writes is *managed*; a previous value, or a current one where
a run has already written the pending key, is *stale*; anything else is *unmanaged*.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from rotui.core.holders.model import Finding, Held, Place, ScanReport, Status

if TYPE_CHECKING:
    from rotui.core.consumers.fields import ConsumerSpec
    from rotui.core.model import ManagedKey

ADMIN = "\0admin"  # the admin key is in the inventory but is not reported


class Book:
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
    if kind == "github" and f.get("org"):
        return ("github", f"org {f['org']}", spec.var)  # an organization secret
    if kind == "github":
        where = str(f["repo"]) + (f" env {f['env']}" if f.get("env") else "")
        return ("github", where, spec.var)
    return None


def _norm(source: str, where: str) -> str:
    if source == "file":
        return os.path.realpath(where)
    if source == "infisical" and len(where) > 1:
        return where.rstrip("/") + "/"
    return where
