"""An internal error, written down for a bug report: the traceback without any frame's local
variables, key values masked, in a 0600 file under the log dir; the operator gets one line.

Textual's own crash screen prints the traceback with every frame's locals, and a frame that
handled a pasted key holds it as a plain string (``Input.insert_text_at_cursor(text)``); so the
full-screen app and the CLI both end here instead.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path


def write_crash_log(error: BaseException, log_dir: Path, now: dt.datetime) -> Path | None:
    """The crash log's path, or None when it could not be written (a full or read-only disk)."""
    import traceback

    from rotui.core.errors import RotuiError
    from rotui.core.fsio import atomic_write
    from rotui.core.secret import redact

    where = log_dir / f"crash-{now.strftime('%Y%m%dT%H%M%S.%fZ')}-{os.getpid()}.log"
    text = redact("".join(traceback.format_exception(error)))  # names and lines; never locals
    try:
        atomic_write(where, text.encode())
    except RotuiError:
        return None
    return where


def crash_message(error: BaseException, where: Path | None) -> str:
    """The one line the operator reads instead of a traceback."""
    detail = (
        f"details in {where}" if where is not None else "and the crash log could not be written"
    )
    return f"rotui: internal error ({type(error).__name__}); {detail}. Please report it."
