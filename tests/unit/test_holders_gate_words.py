"""What the headless revoke says when the holders check has warnings: each kind in its words."""

from __future__ import annotations

from rotui.core.holders.gate import HolderGate, unchecked
from rotui.core.holders.model import ScanReport


def gate_after(report: ScanReport, holders: int = 0) -> HolderGate:
    gate = HolderGate.__new__(HolderGate)  # only what the scan left: no rotation needed here
    gate.found = [object()] * holders  # type: ignore[list-item]
    gate.unchecked = unchecked(report)
    gate.cut = int(report.partial)
    return gate


def test_a_scan_cut_at_its_bounds_is_not_counted_as_a_source_it_could_not_read() -> None:
    """It said "1 source(s) could not be checked" when no source failed (review s14 7)."""
    cut = ScanReport(partial=True)
    assert gate_after(cut).summary() == (
        "the scan stopped at its bounds, so places beyond them were not checked"
    )
    both = ScanReport(problems=["heroku app locked-app: HTTP 404"], partial=True)
    assert gate_after(both, holders=2).summary() == (
        "2 place(s) outside the config hold the old key; 1 source(s) could not be checked for "
        "it; the scan stopped at its bounds, so places beyond them were not checked"
    )
