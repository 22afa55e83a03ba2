"""The dashboard's layout by terminal width: the detail below the table, or beside it and how wide.

Below :data:`WIDE_AT` columns the detail sits under the table (rotui.tcss); from there, beside it,
as wide as the table shown whole leaves, 40 to 80 columns: at 200 a fixed 40 left the table some
60 columns of blank and wrapped every line of the detail.
"""

from __future__ import annotations

from rotui.ui.widgets.key_table import FULL_WIDTH

WIDE_AT = 110  # columns from which table and detail sit side by side
DETAIL_WIDTH = 40  # the detail's least width beside the table (rotui.tcss says the same)
DETAIL_MAX = 80  # and its most: wider, its lines are too long to read at a glance


def detail_width(columns: int) -> int | None:
    """The detail's width beside the table, or None below it (the CSS's width then)."""
    if columns < WIDE_AT:
        return None
    return min(max(DETAIL_WIDTH, columns - FULL_WIDTH), DETAIL_MAX)


def table_width(columns: int) -> int:
    """The columns the table has: all of them, or what the detail beside it leaves."""
    return columns - (detail_width(columns) or 0)
