"""A cache of parsed configuration documents, so a large config is not re-parsed on every start.

TOML parsing is the largest part of ``rotui status`` and of the dashboard's start with hundreds
of keys. The cache holds ``tomllib``'s output for one exact text — keyed by the text's SHA-256
and the Python version — and never rotui's interpretation of it: every check still runs on
every load, so a rotui upgrade can never be served a stale verdict.

The file lives in the private cache dir (0700, the file 0600) and holds no secret: a
configuration never contains key values (the loader refuses one). It is read with an unpickler
that accepts only the types a TOML document can hold, so even a tampered cache file cannot run
code. Any problem with the cache — missing, corrupt, unwritable — means parsing as usual.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCHEMA = 1
_ALLOWED = {
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
}


class _DocumentUnpickler(pickle.Unpickler):
    """Only plain data and ``datetime`` values: what ``tomllib.loads`` returns."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a TOML document")


def _digest(text: str) -> str:
    stamp = f"{SCHEMA}\0{sys.version}\0".encode()
    return hashlib.sha256(stamp + text.encode("utf-8", "surrogatepass")).hexdigest()


def cache_file(cache_dir: Path, config_path: str) -> Path:
    """One cache file per configuration path, so a cache never grows with edits."""
    name = hashlib.sha256(config_path.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return cache_dir / "config" / f"{name}.pickle"


def cached_parse(
    text: str, config_path: str, cache_dir: Path | None, parse: Callable[[str], dict[str, Any]]
) -> dict[str, Any]:
    """``parse(text)``, or the document cached for exactly this text."""
    if cache_dir is None:
        return parse(text)
    where = cache_file(cache_dir, config_path)
    digest = _digest(text)
    try:
        stored_digest, document = _DocumentUnpickler(io.BytesIO(where.read_bytes())).load()
        if stored_digest == digest and isinstance(document, dict):
            return document
    except Exception:  # any unreadable cache means "parse as usual"
        pass
    document = parse(text)  # parse errors propagate; only a valid document is cached
    try:
        from rotui.paths import atomic_write, private_dir

        private_dir(cache_dir)  # rotui's cache dir itself is 0700, not only the config/ below
        atomic_write(where, pickle.dumps((digest, document), protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # a read-only or full cache dir costs speed, nothing else
        pass
    return document
