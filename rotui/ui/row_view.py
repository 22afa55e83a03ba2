"""The dashboard's rows as shown: every key, sorted, filtered, counted — recomputed only on change.

At 10,000 keys a filter keystroke must reach the screen within 50 ms (``make bench``, figure 9d):
the sorted order is kept until the rows or the sort change, each row's search text until the row
changes, and the summary until the rows change. A keystroke only filters the sorted list, and
only what it must: typing on looks through the last matches (a longer filter matches a subset),
and Backspace finds its answer among the filters just typed. A match is a row's index, so no
keystroke allocates an object per row (10,000 new tuples a keystroke fed the cyclic collector,
whose full passes took 20–40 ms at this size).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence

from rotui.core.overview import SORTS, KeyRow, Summary, sort_rows, summarize

KEEP_MATCHES = 32  # filters whose matches are kept: a word typed and erased again


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
        # Each key's search text, and the row it was made from (kept while that row is current).
        self._text: dict[str, str] = {}
        self._text_of: dict[str, KeyRow] = {}
        self._texts: list[str] | None = None  # the ordered rows' search texts, in order
        # Filter (its words, lower case, joined by one space) -> the indices it matches, in order:
        # an array (no object per match for the collector to visit), or a range when all match.
        self._matches: dict[str, Sequence[int]] = {}

    @property
    def all(self) -> list[KeyRow]:
        return self._all

    @all.setter
    def all(self, rows: Iterable[KeyRow]) -> None:
        self._all = list(rows)
        self._forget_order()
        self._summary = self._by_name = None

    def _forget_order(self) -> None:
        self._ordered = self._shown = self._texts = None
        self._matches = {}

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
            self._forget_order()

    @property
    def filter_text(self) -> str:
        return self._filter

    @filter_text.setter
    def filter_text(self, text: str) -> None:
        text = text.strip()
        if text != self._filter:
            self._filter = text
            self._shown = None

    def _search_text(self, row: KeyRow) -> str:
        if self._text_of.get(row.name) is not row:
            self._text[row.name] = row.search_text()
            self._text_of[row.name] = row
        return self._text[row.name]

    def _ordered_texts(self) -> tuple[list[KeyRow], list[str]]:
        if self._ordered is None:
            self._ordered = sort_rows(self._all, self._sort_by)
        if self._texts is None:
            self._texts = list(map(self._search_text, self._ordered))
        return self._ordered, self._texts

    def warm(self) -> None:
        """Compute every row's search text now (the filter box opened), not on the first keystroke."""
        self._ordered_texts()

    def _matching(self, words: list[str]) -> Sequence[int]:
        """The indices of the ordered rows whose search text contains every word."""
        key = " ".join(words)
        known = self._matches.pop(key, None)
        if known is not None:
            self._matches[key] = known  # the most recent again
            return known
        texts = self._ordered_texts()[1]
        # A filter this one extends matches a superset (each of its words is in one of these):
        # look only through the smallest such.
        pools = [m for typed, m in self._matches.items() if key.startswith(typed)]
        pool: Iterable[int]
        if pools:
            smallest: Sequence[int] = min(pools, key=len)
            pool, rest = smallest, words
        else:
            pool, rest = (i for i, text in enumerate(texts) if words[0] in text), words[1:]
        for word in rest:
            pool = (i for i in pool if word in texts[i])
        found: Sequence[int] = array("l", pool)
        if len(found) == len(texts):
            found = range(len(texts))
        self._matches[key] = found
        if len(self._matches) > KEEP_MATCHES:
            del self._matches[next(iter(self._matches))]
        return found

    @property
    def shown(self) -> list[KeyRow]:
        """Rows whose visible text contains every word of the filter (as ``filter_rows``), sorted."""
        if self._ordered is None:
            self._ordered = sort_rows(self._all, self._sort_by)
        ordered = self._ordered
        if self._shown is None:
            words = self._filter.lower().split()
            found = self._matching(words) if words else None
            if found is None or len(found) == len(ordered):
                self._shown = ordered  # every row: the same list, so the table sees no change
            else:
                self._shown = [ordered[i] for i in found]
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
