"""The installation key (``install.key``): the secret behind audit MACs and secret fingerprints.

It is made once, whole (temp file, fsync, link into place), and never printed; a short one (a
write cut short) is refused rather than used.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from rotui.core.errors import StateError

KEY_BYTES = 32
MIN_KEY_BYTES = 16  # a shorter install.key is refused: a write cut short, not a key


def read_key(path: Path) -> bytes | None:
    """The installation key, None when there is none yet; a short one is refused."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateError(f"cannot read {path}", exc.strerror or str(exc)) from None
    if len(key) < MIN_KEY_BYTES:
        raise StateError(
            f"the installation key {path} is damaged",
            f"it holds {len(key)} bytes instead of {KEY_BYTES} (a write cut short, e.g. by a "
            "full disk) and is not used; remove it and rotui makes a new one (fingerprints "
            "and audit entries made with the old key will no longer match)",
        )
    return key


def installation_key(path: Path) -> bytes:
    """Read the key, or create it whole: temp file, fsync, then link into place.

    ``os.link`` fails when the name exists, so two first writers agree on one key, and a
    full disk leaves no key at all rather than an empty one.
    """
    import tempfile

    from rotui.core.fsio import private_dir

    key = read_key(path)
    if key is not None:
        return key
    folder = private_dir(path.parent)
    fresh = secrets.token_bytes(KEY_BYTES)
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".install.key.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as handle:  # mkstemp: 0600 from the first byte
            handle.write(fresh)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            existing = read_key(path)
            if existing is None:
                raise OSError(2, "the installation key vanished while being created") from None
            return existing
        _fsync_dir(folder)
    except OSError as exc:
        from rotui.core.fsio import os_reason

        raise StateError(
            f"cannot create the installation key {path}",
            f"{os_reason(exc)}; nothing was written with it",
        ) from None
    finally:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return fresh


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
