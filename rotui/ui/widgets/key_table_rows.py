"""What the key table keeps per key: each cell's plain text, and DataTable's dictionaries in bulk.

Made once per key and layout, and kept between redraws (a filter keystroke reuses them). The
text of the "last check" cell ("✓ valid 5m") also depends on the minute: a row whose text does
is brought up to date when it is drawn (:attr:`Entry.timely`), not every row every minute.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from operator import itemgetter

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.widgets._data_table import Row
from textual.widgets.data_table import ColumnKey, RowKey

from rotui.core.overview import KeyRow
from rotui.core.safetext import one_line
from rotui.ui.format import FRESHNESS, last_check

WIDE_COLUMNS = (
    ("key", "Key"),
    ("where", "Env/workspace"),
    ("age", "Age"),
    ("due", "Due"),
    ("last", "Last check"),
    ("consumers", "Sync"),
)
NARROW_COLUMNS = (
    ("key", "Key"),
    ("where", "Env"),
    ("age", "Age"),
    ("last", "Last check"),
    ("consumers", "Sync"),
)


def _run_mark(row: KeyRow) -> str:
    """⟳ while a rotation runs, ⚠ while an emergency revoke does (as the header counts them)."""
    if row.rotation is None:
        return ""
    return "⚠ " if row.run is not None and row.run.kind == "emergency" else "⟳ "


def minute(now: dt.datetime) -> dt.datetime:
    return now.replace(second=0, microsecond=0)


def cell_texts(
    row: KeyRow, wide: bool, now: dt.datetime
) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    """Each cell's plain text and theme variable, in the layout's column order."""
    symbol, word, variable = FRESHNESS[row.age.freshness]
    age = "—" if row.age.age_days is None else f"{row.age.age_days}d"
    last_text, last_var = last_check(row.last, now)
    synced = "—" if row.consumers_synced is None else str(row.consumers_synced)
    where = f"{row.key.environment or '-'}/{row.key.workspace}" if wide else row.key.environment
    cells: dict[str, tuple[str, str | None]] = {
        "key": (
            one_line(
                _run_mark(row) + row.name + (" ⚡" if row.usage_alert else "")
            ),
            None,
        ),
        "where": (one_line(where or "-"), None),
        "age": (f"{age:>4} {symbol} {word}", variable),  # days right-aligned: 9d under 80d
        "due": (row.age.due.isoformat() if row.age.due else "—", None),
        "last": (last_text, last_var),
        "consumers": (f"{synced}/{len(row.key.consumers)}", None),
    }
    chosen = [cells[key] for key, _label in (WIDE_COLUMNS if wide else NARROW_COLUMNS)]
    # One space of padding on the left only (cell_padding=0): at 80 columns every cell counts.
    return tuple(" " + text for text, _ in chosen), tuple(var for _, var in chosen)


@dataclasses.dataclass(eq=False)  # compared by identity: the same entry means nothing changed
class Entry:
    """One key's row as the table holds it, reused while the key and the layout are the same."""

    row: KeyRow
    wide: bool
    minute: dt.datetime  # the minute its texts were made for
    texts: tuple[str, ...]  # each cell's plain text, one leading space of padding
    styles: tuple[str | None, ...]  # each cell's theme variable, if coloured
    widths: tuple[int, ...]
    key: RowKey
    meta: Row
    data: dict[ColumnKey, str]  # the dict DataTable holds for the row
    offset: tuple[RowKey, int]  # its one line, as DataTable's row offsets list it

    @classmethod
    def made(cls, row: KeyRow, wide: bool, now: dt.datetime) -> Entry:
        texts, styles = cell_texts(row, wide, now)
        key = RowKey(row.name)
        columns = [ColumnKey(key) for key, _label in (WIDE_COLUMNS if wide else NARROW_COLUMNS)]
        return cls(
            row=row,
            wide=wide,
            minute=minute(now),
            texts=texts,
            styles=styles,
            widths=tuple(map(cell_len, texts)),
            key=key,
            meta=Row(key, 1),
            data=dict(zip(columns, texts, strict=True)),
            offset=(key, 0),
        )

    @property
    def timely(self) -> bool:
        """Whether its texts change with the clock: "5m" after its last check."""
        return self.row.last is not None

    def retext(self, texts: tuple[str, ...], styles: tuple[str | None, ...]) -> None:
        """New texts in place: DataTable holds this entry's key and data dict, which stay."""
        self.texts, self.styles, self.widths = texts, styles, tuple(map(cell_len, texts))
        self.data.update(zip(self.data, texts, strict=True))


@dataclasses.dataclass(eq=False)
class Build:
    """The dictionaries DataTable keeps for one list of rows, made once and copied in."""

    wide: bool
    entries: list[Entry]
    forward: dict[RowKey, int]
    reverse: dict[int, RowKey]
    data: dict[RowKey, dict[ColumnKey, str]]
    metas: dict[RowKey, Row]
    widths: tuple[int, ...]
    rows: list[KeyRow]  # each entry's row, in order (kept in step by update_rows)
    ordered: list[Row]  # DataTable's ordered rows and line offsets (it never changes them)
    offsets: list[tuple[RowKey, int]]

    @classmethod
    def of(cls, entries: list[Entry], wide: bool, columns: int) -> Build:
        return cls(
            wide=wide,
            entries=entries,
            forward={e.key: i for i, e in enumerate(entries)},
            reverse={i: e.key for i, e in enumerate(entries)},
            data={e.key: e.data for e in entries},
            metas={e.key: e.meta for e in entries},
            widths=tuple(
                max(map(itemgetter(i), (e.widths for e in entries)), default=0)
                for i in range(columns)
            ),
            rows=[e.row for e in entries],
            ordered=[e.meta for e in entries],
            offsets=[e.offset for e in entries],
        )


def same_rows(build: Build, rows: Sequence[KeyRow]) -> bool:
    """Whether this build is of these rows, in this order (the same rows, or rows equal to them).

    Its own list of them is compared, not its entries: at 10,000 rows, reading each entry's row
    took 2–3 ms (an object each, scattered in memory) on every keystroke that changes nothing.
    """
    return len(build.rows) == len(rows) and build.rows == (
        rows if isinstance(rows, list) else list(rows)
    )


def cell_segments(
    text: str, own: Style | None, width: int, pre: Style, post: Style
) -> list[Segment]:
    """One cell's line of segments, as DataTable's Rich path makes it for ``Text(" ") +
    Text(text[1:], own)`` in ``Styled(Padding(...), pre, post)`` at this width.

    Rich yields a text without a style as one segment, a styled one as its leading space and the
    rest; Padding adds the spaces up to the width; ``Segment.apply_style`` makes each segment's
    style ``(pre + its own) + post``. Only for one-line text no wider than ``width``.
    """
    plain = pre + post if pre else post
    if not own or len(text) == 1:
        line = [Segment(text, plain)]
    else:
        coloured = pre + own
        line = [Segment(text[:1], plain), Segment(text[1:], coloured + post if coloured else post)]
    pad = width - cell_len(text)
    if pad > 0:
        line.append(Segment(" " * pad, plain))
    return line
