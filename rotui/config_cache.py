"""A cache of parsed configuration documents, so a large config is not re-parsed on every start.

TOML parsing is the largest part of ``rotui status`` and of the dashboard's start with hundreds
of keys. The cache holds ``tomllib``'s output for one exact text — keyed by the text's SHA-256
and the Python version. With thousands of keys the checks cost more than the parsing, so the
checked result of a file that passed is kept too, keyed also by the source of the code that
checked it (:func:`code_stamp`): any change to the checker, the model or rotui's version means
checking again, so an upgrade can never be served a stale verdict.

The file lives in the private cache dir (0700, the file 0600) and holds no secret: only a
document that passed every check is cached, and the loader refuses a key value in a
configuration. It is read only when this user owns it and no one else can write it, with an
unpickler that accepts only the types a TOML document can hold, so even a tampered cache file
cannot run code. Any problem with the cache — missing, corrupt, foreign, unwritable — means
parsing as usual.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
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


_CHECKED = {
    ("rotui.core.model", "Config"),
    ("rotui.core.model", "Settings"),
    ("rotui.core.model", "ManagedKey"),
    ("rotui.core.model", "Consumer"),
    ("rotui.core.model", "ConsumerKind"),
    ("rotui.core.model", "ValidationMode"),
    ("rotui.core.holders.settings", "HoldersSettings"),  # [holders]
    ("pathlib", "PosixPath"),  # [holders] paths: plain paths, nothing runs
}
_CHECKER_MODULES = (
    "rotui/__init__.py",
    "rotui/config",  # a package: every module in it
    "rotui/config_cache.py",
    "rotui/core/model.py",
    "rotui/core/errors.py",
    "rotui/core/secret",  # a package: every module in it
    "rotui/core/consumers/fields.py",
    "rotui/core/holders/settings.py",
)
_stamp: list[str] = []


def code_stamp() -> str:
    """A digest of the checker's own source: a checked result is reused only by the same code."""
    if not _stamp:
        root = Path(__file__).resolve().parent.parent
        digest = hashlib.sha256(f"{SCHEMA}\0{sys.version}".encode())
        for name in _CHECKER_MODULES:
            where = root / name
            files = sorted(where.glob("*.py")) if where.is_dir() else [where]
            try:
                for file in files or [where / "__init__.py"]:
                    digest.update(file.read_bytes())
            except OSError:
                digest.update(os.urandom(16))  # unknown code: never match a stored result
        _stamp.append(digest.hexdigest())
    return _stamp[0]


class _CheckedUnpickler(pickle.Unpickler):
    """A TOML document's types and rotui's own configuration model, nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED or (module, name) in _CHECKED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a checked configuration")


def read_checked(text: str, config_path: str, cache_dir: Path | None) -> Any | None:
    """The checked result stored for exactly this text and this code, or None."""
    if cache_dir is None:
        return None
    where = cache_file(cache_dir, config_path).with_suffix(".checked.pickle")
    if not (_trusted(where.parent) and _trusted(where)):
        return None
    try:
        stamp, stored_digest, checked = _CheckedUnpickler(io.BytesIO(where.read_bytes())).load()
    except Exception:  # any unreadable cache means "check as usual"
        return None
    if stamp == code_stamp() and stored_digest == _digest(text):
        return checked
    return None


def store_checked(text: str, checked: Any, config_path: str, cache_dir: Path | None) -> None:
    """Keep what the checks made of a file that passed them (a rejected one is never kept)."""
    if cache_dir is None:
        return
    try:
        from rotui.paths import atomic_write, private_dir

        blob = pickle.dumps((code_stamp(), _digest(text), checked), pickle.HIGHEST_PROTOCOL)
        private_dir(cache_dir)
        atomic_write(cache_file(cache_dir, config_path).with_suffix(".checked.pickle"), blob)
    except Exception:  # a read-only or full cache dir costs speed, nothing else
        pass


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


def _trusted(path: Path) -> bool:
    """Ours alone: owned by this user, writable by no one else (a shared cache dir is ignored)."""
    try:
        info = path.stat()
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def read_cached(text: str, config_path: str, cache_dir: Path | None) -> dict[str, Any] | None:
    """The document cached for exactly this text, or None (no cache, another text, untrusted)."""
    if cache_dir is None:
        return None
    where = cache_file(cache_dir, config_path)
    if not (_trusted(where.parent) and _trusted(where)):
        return None
    try:
        stored_digest, document = _DocumentUnpickler(io.BytesIO(where.read_bytes())).load()
    except Exception:  # any unreadable cache means "parse as usual"
        return None
    if stored_digest == _digest(text) and isinstance(document, dict):
        return document
    return None


def pickled(text: str, document: dict[str, Any]) -> bytes:
    """The cache file's content for ``document``; taken before the checks read the document."""
    return pickle.dumps((_digest(text), document), protocol=pickle.HIGHEST_PROTOCOL)


def store_cached(blob: bytes, config_path: str, cache_dir: Path | None) -> None:
    """Keep a document that passed every check (a rejected one may hold a pasted key)."""
    if cache_dir is None:
        return
    try:
        from rotui.core.fsio import atomic_write, private_dir

        private_dir(cache_dir)  # rotui's cache dir itself is 0700, not only the config/ below
        atomic_write(cache_file(cache_dir, config_path), blob)
    except Exception:  # a read-only or full cache dir costs speed, nothing else
        pass
