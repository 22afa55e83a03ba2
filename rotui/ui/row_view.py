"""The dashboard's rows as shown: every key, sorted, filtered, counted — recomputed only on change.

At 10,000 keys a filter keystroke must reach the screen within 50 ms (``make bench``, figure 10):
the sorted order is kept until the rows or the sort change, each row's search text until the row
changes, and the summary until the rows change; a keystroke only filters the sorted list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rotui.core.overview import SORTS, KeyRow, Summary, sort_rows, summarize


class RowView:
    """All rows, the sort and the filter; :attr:`shown` is what the table lists, in order."""

    def __init__(self, sort_by: str = "due") -> None:
        self._all: list[KeyRow] = []
        self._sort_by = sort_by
        self._filter = ""
        self._ordered: list[KeyRow] | None = None
        self._shown: list[KeyRow] | None = None
        self._summary: Summary | None = None
        self._by_name: dict[str, KeyRow] | None = None
        self._search: dict[str, tuple[KeyRow, str]] = {}
        # The last filter's matches with their search texts: a longer filter (typing on) matches
        # a subset of them, so it only looks through those.
        self._matched: tuple[str, list[tuple[KeyRow, str]]] | None = None
        self._pairs_all: list[tuple[KeyRow, str]] | None = None  # every row in order, with its text

    @property
    def all(self) -> list[KeyRow]:
        return self._all

    @all.setter
    def all(self, rows: Iterable[KeyRow]) -> None:
        self._all = list(rows)
        self._ordered = self._shown = self._matched = self._pairs_all = None
        self._summary = self._by_name = None

    def replace(self, changed: Sequence[KeyRow]) -> None:
        """Put these rows in place of the rows of the same names (validation results)."""
        if not changed:
            return
        by_name = {row.name: row for row in changed}
        self.all = [by_name.get(row.name, row) for row in self._all]

    @property
    def sort_by(self) -> str:
        return self._sort_by

    @sort_by.setter
    def sort_by(self, by: str) -> None:
        if by not in SORTS:
            raise ValueError(f"unknown sort {by!r}")
        if by != self._sort_by:
            self._sort_by = by
            self._ordered = self._shown = self._matched = self._pairs_all = None

    @property
    def filter_text(self) -> str:
        return self._filter

    @filter_text.setter
    def filter_text(self, text: str) -> None:
        text = text.strip()
        if text != self._filter:
            self._filter = text
            self._shown = None

    def _text(self, row: KeyRow) -> str:
        cached = self._search.get(row.name)
        if cached is not None and cached[0] is row:
            return cached[1]
        text = row.search_text()
        self._search[row.name] = (row, text)
        return text

    def _pairs(self, text: str) -> list[tuple[KeyRow, str]]:
        """The rows to look through for ``text``, in order, each with its search text."""
        if self._matched is not None and text.startswith(self._matched[0]):
            return self._matched[1]  # every word typed so far is in each of a longer filter's
        if self._pairs_all is None:
            ordered = self._ordered if self._ordered is not None else self._all
            search = self._text
            self._pairs_all = [(row, search(row)) for row in ordered]
        return self._pairs_all

    def warm(self) -> None:
        """Compute every row's search text now (the filter box opened), not on the first keystroke."""
        self._ordered = self._ordered or sort_rows(self._all, self._sort_by)
        self._matched = ("", self._pairs(""))

    @property
    def shown(self) -> list[KeyRow]:
        """Rows whose visible text contains every word of the filter (as ``filter_rows``), sorted."""
        if self._ordered is None:
            self._ordered = sort_rows(self._all, self._sort_by)
        if self._shown is None:
            words = self._filter.lower().split()
            if not words:
                self._shown = self._ordered
            else:
                pairs = self._pairs(self._filter.lower())
                matched = [(r, t) for r, t in pairs if all(w in t for w in words)]
                self._matched = (self._filter.lower(), matched)
                self._shown = [r for r, _t in matched]
        return self._shown

    def row(self, name: str) -> KeyRow | None:
        """The row of this key, if any (shown or filtered out)."""
        if self._by_name is None:
            self._by_name = {row.name: row for row in self._all}
        return self._by_name.get(name)

    @property
    def summary(self) -> Summary:
        if self._summary is None:
            self._summary = summarize(self._all)
        return self._summary
