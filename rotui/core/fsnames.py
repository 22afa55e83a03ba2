"""File names derived from key names: reversible when they fit, always within the filesystem's limit.

A key name may be 128 characters of any script; percent-quoted, one CJK character takes 9 bytes,
so ``history/<name>.jsonl`` or ``locks/<name>.lock`` could exceed ``NAME_MAX`` (255 bytes) and
fail with ``ENAMETOOLONG``. A name that fits keeps the form it always had (so existing files are
still found); a longer one becomes a safe prefix plus a short hash of the whole name.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse

NAME_MAX = 255  # bytes in one path component on Linux and macOS file systems
# atomic_write's temp file is ".<name>.<8 random>.tmp": 14 more bytes than the name itself.
TEMP_OVERHEAD = 14
MAX_FILE_NAME = NAME_MAX - TEMP_OVERHEAD - 1
_PARTIAL_ESCAPE = re.compile(r"%[0-9A-Fa-f]?$")
DIGEST_CHARS = 16


def key_file_name(name: str, suffix: str = "", limit: int = MAX_FILE_NAME) -> str:
    """``quote(name) + suffix`` when that fits in ``limit`` bytes, else ``prefix~hash + suffix``.

    The result is ASCII (percent-quoted, no ``/``), never ``.`` or ``..``, and distinct names give
    distinct file names (the hash is of the whole name, in UTF-8).
    """
    quoted = urllib.parse.quote(name, safe="")
    if quoted in ("", ".", ".."):
        quoted = quoted.replace(".", "%2E") or "%00empty"
    whole = quoted + suffix
    if len(whole) <= limit:
        return whole
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:DIGEST_CHARS]
    room = limit - len(suffix) - len(digest) - 1
    if room < 0:
        raise ValueError(f"suffix {suffix!r} leaves no room within {limit} bytes")
    prefix = _PARTIAL_ESCAPE.sub("", quoted[:room])
    return f"{prefix}~{digest}{suffix}"
