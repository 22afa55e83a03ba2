"""The header's run counts: an emergency revoke is never counted as a routine rotation."""

from __future__ import annotations

import datetime as dt

from rotui.core.model import Config, ManagedKey, Settings
from rotui.core.overview import build_rows, summarize
from rotui.core.runs import Run, StepRecord
from rotui.ui.widgets.summary_bar import summary_content

TODAY = dt.date(2026, 11, 26)


def active(key: str, kind: str) -> Run:
    steps = ["precheck", "create"]
    return Run(
        f"run-{key}", key, kind, steps, "2026-11-26T10:00:00+00:00", "me",
        step={name: StepRecord() for name in steps},
    )


def test_an_emergency_revoke_is_counted_apart_from_rotations() -> None:
    keys = tuple(ManagedKey(name) for name in ("A", "B", "C"))
    config = Config(settings=Settings(cadence_days=90, warn_days=14), keys=keys)
    runs = {"A": active("A", "emergency"), "B": active("B", "rotation")}
    summary = summarize(build_rows(config, {}, {}, TODAY, runs=runs))
    assert (summary.emergencies, summary.rotating) == (1, 1)
    line = str(summary_content(summary, None, read_only=True, demo=True))
    assert "⚠ 1 emergency revoke" in line and "⟳ 1 rotating" in line
    only = summarize(build_rows(config, {}, {}, TODAY, runs={"A": runs["A"]}))
    line = str(summary_content(only, None, read_only=True, demo=True))
    assert "⚠ 1 emergency revoke" in line and "rotating" not in line


def test_the_table_marks_an_emergency_row_as_the_header_counts_it() -> None:
    """The header said "⚠ 1 emergency revoke" while the key's row said ⟳, the rotation mark."""
    from rotui.ui.widgets.key_table_rows import cell_texts

    keys = tuple(ManagedKey(name) for name in ("A", "B", "C"))
    config = Config(settings=Settings(cadence_days=90, warn_days=14), keys=keys)
    runs = {"A": active("A", "emergency"), "B": active("B", "rotation")}
    rows = {r.name: r for r in build_rows(config, {}, {}, TODAY, runs=runs)}
    now = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)
    names = {name: cell_texts(rows[name], False, now)[0][0].strip() for name in rows}
    assert names == {"A": "⚠ A", "B": "⟳ B", "C": "C"}, names


def test_at_80_columns_the_header_keeps_the_time_whole_as_hh_mm() -> None:
    """Walk s14b 2.5: "… ⚡ 3 usage · as of 19:06 U…" at 80 columns, the time cut."""
    from rotui.core.overview import Summary

    busy = Summary(total=7, overdue=1, due_soon=1, failing=4, rotating=0, usage_alerts=3,
                   emergencies=1)  # fmt: skip
    refreshed = dt.datetime(2026, 11, 30, 19, 6, 42, tzinfo=dt.UTC)
    line = summary_content(busy, refreshed, read_only=True, demo=True)
    fitted = str(line.fit(78))  # 80 columns less the bar's padding
    assert len(fitted) <= 78 and fitted.endswith("19:06"), fitted
    assert "⚠ 1 emergency" in fitted and "✗ 4 failing" in fitted, fitted
    assert str(line.fit(200)).endswith("as of 19:06:42 UTC · ! 1 due soon · 7 keys")
