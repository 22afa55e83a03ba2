"""What a troubleshooting flow returns: the :class:`Diagnosis`, its severity, and the text report.

A diagnosis says what was checked, the evidence, the likely cause and the next steps; every text
in it is redacted. The links and notes shared by several flows live here too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from rotui.core.troubleshoot.deps import TroubleshootDeps


Severity = Literal["ok", "warning", "problem"]
SEVERITY_LABELS: dict[str, str] = {"ok": "✓ OK", "warning": "! WARNING", "problem": "✗ PROBLEM"}
BILLING_URL = "https://platform.claude.com/settings/billing"
LIMITS_URL = "https://platform.claude.com/settings/limits"
STATUS_URL = "https://status.anthropic.com"
SUPPORT_URL = "https://support.claude.com"
BEARER_NOTE = (
    "SDKs released since 2026-10-21 send the key as Authorization: Bearer, not X-Api-Key; a proxy "
    "or gateway in front of such a client that reads only X-Api-Key answers 401 although the key "
    "is fine"
)


@dataclass
class Diagnosis:
    """One finding, shaped for a person under stress: what, why, and what to do next."""

    title: str
    checked: str
    evidence: list[str] = field(default_factory=list)
    cause: str = ""
    next_steps: list[str] = field(default_factory=list)
    severity: Severity = "ok"
    flow: str = ""
    key: str | None = None

    def __post_init__(self) -> None:
        from rotui.core.secret import redact

        # Every text goes through redact: an error body or a command's stderr may quote a key.
        self.title, self.checked, self.cause = map(redact, (self.title, self.checked, self.cause))
        self.evidence = [redact(line) for line in self.evidence]
        self.next_steps = [redact(line) for line in self.next_steps]

    @property
    def label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


FlowRunner = Callable[["TroubleshootDeps", "str | None"], Awaitable[list[Diagnosis]]]


@dataclass(frozen=True)
class Flow:
    """A troubleshooting flow as the CLI (``--flow ID``) and the screen list it."""

    id: str
    title: str
    description: str
    run: FlowRunner
    needs_key: bool = True


def _counts(diagnoses: Sequence[Diagnosis]) -> dict[str, int]:
    return {s: sum(d.severity == s for d in diagnoses) for s in ("ok", "warning", "problem")}


def cause_label(diagnosis: Diagnosis) -> str:
    """"Likely cause" of a problem or a warning; of a check that passed, what was "Found"."""
    return "Found" if diagnosis.severity == "ok" else "Likely cause"


def render_text(diagnoses: Sequence[Diagnosis]) -> str:
    """The human form: severity in words and symbols, so nothing depends on colour."""
    blocks = []
    for d in diagnoses:
        lines = [f"{d.label} · {d.title}", f"  Checked: {d.checked}"]
        lines += ["  Evidence:", *(f"    - {e}" for e in d.evidence)] if d.evidence else []
        lines.append(f"  {cause_label(d)}: {d.cause}")
        steps = [f"    {i}. {s}" for i, s in enumerate(d.next_steps, 1)]
        lines += ["  Next steps:", *steps] if steps else []
        blocks.append("\n".join(lines))
    counts = _counts(diagnoses)
    blocks.append(
        f"doctor: {counts['problem']} problem(s), {counts['warning']} warning(s), {counts['ok']} ok"
    )
    return "\n\n".join(blocks)
