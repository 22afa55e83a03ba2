"""Which files could hold a key: read each once and look for the key prefix, nothing more.

A file is skipped (with the reason) when it is not a regular file, is over the size bound, is
binary (a NUL in its first 8 KiB, git's and grep's rule) or cannot be read; otherwise it is a
candidate when the prefix of every Anthropic key is in it. Only candidates go on to the matcher.

This module imports nothing from rotui and runs as its own program too (``python -I sift.py
MAX_BYTES``): a scan of a big tree starts one per core, so reading and searching, which hold
Python's GIL, run in parallel. A child is given paths on stdin and answers with reasons only;
it never sees a fingerprint, the HMAC key or the environment, and it prints nothing it read.
Frames both ways are a 4-byte little-endian length, then NUL-separated items.
"""

from __future__ import annotations

import os
import signal
import stat
import struct
import sys
from typing import IO

try:  # SIMD substring search, several times the standard library's (see ``holds_prefix``)
    from stringzilla import find as _simd_find
except ImportError:  # pragma: no cover - a dependency; the standard library's answer is the same
    _simd_find = None

PREFIX = b"sk-ant-"  # every format in rotui.core.secret.SECRET_PATTERN starts with it
BINARY_SNIFF = 8192
CANDIDATE = "?"  # a sift outcome: the prefix is in the file (other outcomes: "" or a reason)
OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOCTTY", 0)
)
_LENGTH = struct.Struct("<I")


def read(path: str | bytes, max_bytes: int) -> tuple[str, bytes]:
    """(skip reason or "", the file's bytes): open without waiting for a FIFO's writer, read once."""
    try:
        fd = os.open(path, OPEN_FLAGS)
    except FileNotFoundError:
        return ("dangling symlink" if os.path.islink(path) else "vanished"), b""
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})", b""
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file", b""
        if info.st_size > max_bytes:
            return f"over {max_bytes} bytes", b""
        data = os.read(fd, info.st_size + 1) if info.st_size else b""
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})", b""
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        return f"over {max_bytes} bytes", b""
    if data.find(b"\0", 0, BINARY_SNIFF) >= 0:
        return "binary", b""
    return "", data


def holds_prefix(data: bytes) -> bool:
    """Whether the key prefix is in ``data``: the one search every byte of a scan goes through.

    ``bytes.__contains__`` runs at about 1.5 GB/s on text; StringZilla's SIMD search at several
    times that, which is most of what separates a scan from ripgrep's.
    """
    if _simd_find is None:
        return PREFIX in data
    return bool(_simd_find(data, PREFIX) >= 0)


def sift(path: str | bytes, max_bytes: int) -> str:
    """``CANDIDATE``, "" (nothing key-shaped) or the reason the file was skipped."""
    skipped, data = read(path, max_bytes)
    if skipped:
        return skipped
    return CANDIDATE if holds_prefix(data) else ""


def write_frame(stream: IO[bytes], items: list[bytes]) -> None:
    payload = b"\0".join(items)
    stream.write(_LENGTH.pack(len(payload)) + payload)
    stream.flush()


def read_frame(stream: IO[bytes], count: int | None = None) -> list[bytes] | None:
    """One frame's items (None at the end of the stream); ``count`` when the sender knows it."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    payload = stream.read(size)
    if len(payload) < size:
        return None
    items = payload.split(b"\0")
    if count is not None and len(items) != count:
        return None
    return items


def serve(requests: IO[bytes], answers: IO[bytes], max_bytes: int) -> None:
    """A child's loop: a frame of paths in, a frame of outcomes out, until the input ends."""
    while (paths := read_frame(requests)) is not None:
        outcomes = [sift(path, max_bytes) for path in paths]
        write_frame(answers, [o.encode("utf-8", "surrogateescape") for o in outcomes])


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the scan; Ctrl-C is its
    serve(sys.stdin.buffer, sys.stdout.buffer, int(sys.argv[1]))
