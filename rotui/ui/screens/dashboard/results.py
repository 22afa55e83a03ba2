"""Validation results on their way from the validating thread to the key table, in small batches.

A keypress waits behind whatever holds the UI's event loop (``make bench``, figure 9b): results
reach the table a few times a second, and each batch is bounded (:data:`BATCH_ROWS`) so that a
burst (hundreds of keys answering at once) is split across frames, with keys handled in between.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence

from textual.widgets import ProgressBar

from rotui.core.model import ValidationResult
from rotui.core.overview import KeyRow

FLUSH_SECONDS = 0.5  # how often the results gathered so far reach the table
BATCH_ROWS = 20  # results redrawn in one go; the rest after the next frame


class ResultFeed:
    """Gathers results (from any thread) and hands them to ``show`` in bounded batches."""

    def __init__(
        self,
        rows: Sequence[KeyRow],
        progress: ProgressBar,
        show: Callable[[list[KeyRow]], None],
        later: Callable[[Callable[[], None]], object],
    ) -> None:
        """``show``: redraw these rows; ``later``: run a callable after the next frame."""
        self.pending: list[ValidationResult] = []  # the validating thread appends (atomic)
        self.batches: list[int] = []  # how many results each batch carried, in order
        self._rows = {row.name: row for row in rows}
        self._progress = progress
        self._show = show
        self._later = later
        self._queued = False  # a follow-up batch is already waiting for its frame

    def flush(self) -> None:
        """Show up to :data:`BATCH_ROWS` results; any more follow after the next frame."""
        self._batch()
        if self.pending and not self._queued:
            self._queued = True
            self._later(self._follow)

    def _follow(self) -> None:
        self._queued = False
        self.flush()

    def _batch(self) -> None:
        batch = self.pending[:BATCH_ROWS]
        del self.pending[: len(batch)]  # the thread only appends: exactly the batch goes
        if not batch:
            return
        self.batches.append(len(batch))
        self._progress.advance(len(batch))
        changed = []
        for result in batch:
            row = self._rows.get(result.key)
            if row is not None:
                self._rows[result.key] = row = dataclasses.replace(row, last=result)
                changed.append(row)
        self._show(changed)

    async def drain(self) -> None:
        """Show every result still pending (the run is over), a batch per turn of the loop."""
        while self.pending:
            self._batch()
            await asyncio.sleep(0)  # a key waiting behind this batch goes first
