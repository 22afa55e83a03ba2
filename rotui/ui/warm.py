"""Once the first screen is painted: import what validating needs in a thread, while the
operator reads it, then move the start-up heap out of the garbage collector's sight.

The first ``v`` or ``V`` otherwise imported httpx and the Anthropic client (some 80 ms of bytecode
holding the GIL) just as the next keys arrived (``make bench``, figure 9b). Frozen, the heap of a
10,000-key table is not walked by every full collection (figure 9d).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from textual.app import App


def settle_heap(app: App[Any], *, warm: bool) -> None:
    """Freeze the heap; with ``warm``, first import the validation modules in a daemon thread."""
    if warm:
        warm_validation(app, freeze_heap)
    else:
        freeze_heap()


def freeze_heap(generation: int = 2) -> None:
    """Collect up to ``generation`` (2: every one), then move what lives out of the collector's
    sight: full collections (20 ms and more at 10,000 keys) then walk only what came since."""
    import gc

    gc.collect(generation)
    gc.freeze()


def warm_validation(app: App[Any], then: Callable[[], None]) -> threading.Thread:
    """Import the validation modules in a daemon thread, then run ``then`` on the app's loop."""

    def warm() -> None:
        with contextlib.suppress(Exception):  # an import that fails here fails again, and is shown
            import rotui.core.http_lanes
            import rotui.core.validation  # noqa: F401
        if app.is_running:
            with contextlib.suppress(RuntimeError):  # it quit in between
                app.call_from_thread(then)

    thread = threading.Thread(target=warm, name="rotui-warm-imports", daemon=True)
    thread.start()
    return thread
