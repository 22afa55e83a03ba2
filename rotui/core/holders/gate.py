"""Before the revoke: an unmanaged or stale holder of the old key is a warning to acknowledge.

The driver (headless or the wizard) asks :meth:`HolderGate.warnings`; when there are any, the
revoke goes on only after the operator types the key's name (:meth:`HolderGate.acknowledge`),
which is audited with the places and masked hints. A source the scan could not read (a refused
login, an organization gh cannot list) or a scan cut at its bounds is a warning too: "no holder
found" is then not known, and rotui never says it is. :func:`consumer_toml` is the entry the
operator can add to the config (rotui never edits it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rotui.core.errors import UsageError
from rotui.core.holders.model import Finding, Held, ScanReport, Status
from rotui.core.secret import redact

if TYPE_CHECKING:
    from rotui.core.model import Config
    from rotui.core.rotation import Rotation


def revoke_warnings(report: ScanReport, key: str) -> list[Finding]:
    """Places that would still hold the old (current) key after the revoke, outside the config."""
    return [
        f
        for f in report.for_key(key)
        if (f.held is Held.CURRENT and f.status in (Status.UNMANAGED, Status.STALE))
        or (f.held is Held.NAME_ONLY and f.status is Status.STALE)
    ]


def describe(finding: Finding) -> str:
    note = f" ({finding.note})" if finding.note else ""
    return redact(f"{finding.status}: {finding.place.label()} holds {finding.hint}{note}")


def unchecked(report: ScanReport) -> list[str]:
    """What the scan could not look at, so it cannot say nothing there holds the old key."""
    lines = [redact(f"not checked: {problem}") for problem in report.problems]
    if report.partial:
        lines.append(
            "not checked: the scan stopped at its bounds ([holders] timeout_seconds, max_places);"
            " places beyond them were not read"
        )
    return lines


def consumer_toml(finding: Finding) -> str | None:
    """A ``[[keys.consumers]]`` entry for an unmanaged place, or None where rotui cannot write it."""
    place = finding.place
    var = f'var = "{place.var}"\n' if place.var else ""
    name = f"{place.source}-{place.var or 'key'}".lower().replace("_", "-")
    if place.source == "heroku":
        app = place.where.removeprefix("app ")
        return f'[[keys.consumers]]\nname = "{name}"\nkind = "heroku"\napp = "{app}"\n{var}'
    if place.source == "infisical":
        project, _, rest = place.where.partition("/")
        env, _, path = rest.partition("/")
        return (
            f'[[keys.consumers]]\nname = "{name}"\nkind = "infisical"\nproject_id = "{project}"\n'
            f'environment = "{env}"\npath = "/{path.rstrip("/")}"\nsecret = "{place.var}"\n'
        )
    if place.source == "file" and place.var:
        return (
            f'[[keys.consumers]]\nname = "{name}"\nkind = "env-file"\npath = "{place.where}"\n{var}'
        )
    return None


class HolderGate:
    """The holders check of one rotation's revoke step, with its typed, audited acknowledgement."""

    def __init__(
        self,
        rotation: Rotation,
        config: Config,
        environ: dict[str, str] | None = None,
        home: Path | None = None,
    ) -> None:
        self.rotation = rotation
        self.config = config
        self.environ = dict(os.environ) if environ is None else environ
        self.home = home or Path(self.environ.get("HOME") or Path.home())
        self.found: list[Finding] = []
        self.unchecked: list[str] = []  # sources the scan could not read
        self.cut = 0

    async def warnings(self, on_progress: Callable[..., None] | None = None) -> list[str]:
        """Scan for the old key; one line per unmanaged or stale holder."""
        from rotui.core.holders.scan import ScanRequest, scan

        deps = self.rotation.deps
        report = await scan(
            ScanRequest(
                config=self.config,
                store=deps.store,
                audit=deps.audit,
                http=deps.consumer_ctx.http,
                names=[self.rotation.key.name],
                home=self.home,
                environ=self.environ,
                on_progress=on_progress,
                only_key_values=(Held.CURRENT,),
                runs=deps.runs.all(),
            )
        )
        self.found = revoke_warnings(report, self.rotation.key.name)
        self.unchecked = unchecked(report)
        self.cut = int(report.partial)  # the last unchecked line: the scan's bounds, not a source
        return [describe(f) for f in self.found] + self.unchecked

    def summary(self) -> str:
        """``2 place(s) outside the config hold the old key; 1 source could not be checked``."""
        said = []
        if self.found:
            said.append(f"{len(self.found)} place(s) outside the config hold the old key")
        sources = len(self.unchecked) - self.cut
        if sources:
            said.append(f"{sources} source(s) could not be checked for it")
        if self.cut:
            said.append("the scan stopped at its bounds, so places beyond them were not checked")
        return "; ".join(said)

    def acknowledge(self, typed: str) -> None:
        """Refuse unless ``typed`` is the key's name; then audit the places acknowledged."""
        key = self.rotation.key.name
        if typed != key:
            raise UsageError(
                "the holders warning is not acknowledged",
                f"type the key's name ({key}) to revoke while these places still hold it",
            )
        run = self.rotation.run
        self.rotation.deps.audit.append(
            "holders.acknowledged",
            key=key,
            run_id=run.run_id if run else None,
            context={"holders": [describe(f) for f in self.found], "unchecked": self.unchecked},
        )
