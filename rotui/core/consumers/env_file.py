"""A dotenv file: replace or add one assignment atomically, leaving every other byte as it was.

The file is edited as bytes so comments, blank lines, ``export`` prefixes and CRLF endings survive;
the new content goes to a temp file beside it (same mode, never wider than rw), is fsynced, then
renamed over it, so a crash leaves either the old file or the new one, never half of each.

A neighbour must not be able to steer the key elsewhere: a symbolic link, a file owned by another
user, and a directory that group or others can write are refused (in the preflight too) unless
the consumer says so explicitly with ``allow_symlink``, ``allow_other_owner`` or
``allow_shared_dir = true``.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import re
import stat
import tempfile
from pathlib import Path

from rotui.core.consumers.base import ConsumerAdapter, ConsumerContext, WriteOutcome
from rotui.core.errors import RotuiError
from rotui.core.model import ConsumerKind
from rotui.core.secret import Secret

_BARE = re.compile(r"[A-Za-z0-9_\-./+:@%,=]+")  # needs no quotes in any dotenv dialect
NEW_FILE_MODE = 0o600


def _assignment(var: str) -> re.Pattern[bytes]:
    """``VAR=...`` or ``export VAR=...`` on one line, capturing what to keep around the value."""
    return re.compile(
        rb"(?P<lead>[ \t]*(?:export[ \t]+)?)" + re.escape(var.encode())
        + rb"(?P<sep>[ \t]*=[ \t]*)(?P<value>.*?)(?P<eol>\r\n|\n|\r)?\Z",
        re.S,
    )  # fmt: skip


def _split_value(raw: bytes) -> tuple[bytes, bytes]:
    """The value as written (quotes included) and what follows it: spaces, an inline comment."""
    if raw[:1] in (b'"', b"'"):
        quote, index = raw[:1], 1
        while index < len(raw) and raw[index : index + 1] != quote:
            index += 2 if quote == b'"' and raw[index : index + 1] == b"\\" else 1
        return raw[: index + 1], raw[index + 1 :]
    comment = re.search(rb"[ \t]#", raw)
    token = (raw[: comment.start()] if comment else raw).rstrip(b" \t")
    return token, raw[len(token) :]


def _render(value: str, quote: bytes) -> bytes:
    """The value as the right-hand side, in the quoting the line already used when possible."""
    if any(ch in value for ch in "\r\n\0"):
        raise RotuiError("the value cannot go in a dotenv file", "it contains a line break")
    if not quote and _BARE.fullmatch(value):
        return value.encode()
    if quote != b'"' and "'" not in value:
        return f"'{value}'".encode()
    return ('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"').encode()


def _parse_value(token: bytes) -> str:
    """Undo :func:`_render` (and the common dotenv forms): quotes and backslash escapes."""
    text = token.decode(errors="replace")
    if text[:1] == "'":
        return text[1:-1] if len(text) > 1 and text.endswith("'") else text[1:]
    if text[:1] == '"':
        out, index = [], 1
        while index < len(text) and text[index] != '"':
            if text[index] == "\\" and index + 1 < len(text):
                index += 1
            out.append(text[index])
            index += 1
        return "".join(out)
    return text


def rewrite(old: bytes, var: str, secret: Secret) -> tuple[bytes, int]:
    """The new content and how many assignments were replaced (0: one was appended)."""
    pattern = _assignment(var)
    out: list[bytes] = []
    replaced = 0
    for line in old.splitlines(keepends=True):
        match = pattern.fullmatch(line)
        if match is None:
            out.append(line)
            continue
        token, rest = _split_value(match["value"])
        value = _render(secret.reveal(), token[:1] if token[:1] in (b'"', b"'") else b"")
        kept = (match["lead"], var.encode(), match["sep"], value, rest, match["eol"] or b"")
        out.append(b"".join(kept))
        replaced += 1
    if not replaced:
        newline = b"\r\n" if b"\r\n" in old else b"\n"
        if old and not old.endswith((b"\n", b"\r")):
            out.append(newline)
        out.append(var.encode() + b"=" + _render(secret.reveal(), b"") + newline)
    return b"".join(out), replaced


def read_value(content: bytes, var: str) -> Secret | None:
    """The value the last assignment of ``var`` gives, as a dotenv loader would see it."""
    pattern = _assignment(var)
    found: Secret | None = None
    for line in content.splitlines(keepends=True):
        match = pattern.fullmatch(line)
        if match is not None:
            found = Secret(_parse_value(_split_value(match["value"])[0]))
    return found


def _read_nofollow(target: Path) -> bytes:
    """The file's bytes, refusing a symlink swapped in since the checks (``ELOOP``)."""
    fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def _write_atomic(target: Path, data: bytes, old: os.stat_result | None) -> None:
    """Temp file in the same directory with the old mode (0600 when new), fsync, rename.

    The mode kept is at most read/write bits (no execute, setuid or sticky), and the owner is
    never changed: the temp file is ours, so the key never becomes another user's file.
    """
    # A kill -9 between mkstemp and rename leaves a temp file holding a key: remove such leftovers.
    for stale in target.parent.glob(f".{glob.escape(target.name)}.*.rotui-tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".rotui-tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), stat.S_IMODE(old.st_mode) & 0o666 if old else NEW_FILE_MODE)
            if old is not None and hasattr(os, "fchown") and old.st_uid == os.geteuid():
                with contextlib.suppress(PermissionError):  # keep the group when we may
                    os.fchown(handle.fileno(), -1, old.st_gid)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


class EnvFileConsumer(ConsumerAdapter):
    """Set ``VAR=value`` in a dotenv file and read it back by parsing the file."""

    kind = ConsumerKind.ENV_FILE

    @property
    def _shown(self) -> str:
        return str(self.spec.fields["path"])

    def _allowed(self, name: str) -> bool:
        """An explicit opt-in from the config: ``allow_symlink = true`` and the like."""
        return self.spec.fields.get(name) in (True, "true")

    @property
    def _target(self) -> Path:
        """The expanded path; a symlink is followed only with ``allow_symlink = true``."""
        path = Path(os.path.expanduser(self._shown))
        if self._allowed("allow_symlink") and path.is_symlink():
            return Path(os.path.realpath(path))
        return path

    def describe(self) -> str:
        return f"env file {self._shown} · {self.spec.var}"

    def _problem(self, target: Path, exists: bool) -> RotuiError | None:
        """Why the file cannot be written in place, checked before anything is touched."""
        title, parent = f"cannot write {self._shown}", target.parent
        if not parent.is_dir():
            return RotuiError(title, f"the directory {parent} does not exist")
        try:
            here = os.lstat(target) if exists or target.is_symlink() else None
        except FileNotFoundError:
            here = None
        if here is not None and stat.S_ISLNK(here.st_mode):
            return RotuiError(
                title,
                "it is a symbolic link, and whoever can change the link would receive the key; "
                "point path at the file itself, or set allow_symlink = true on this consumer",
            )
        if exists and not target.is_file():
            return RotuiError(title, "it is not a regular file")
        if (
            here is not None
            and here.st_uid != os.geteuid()
            and not self._allowed("allow_other_owner")
        ):
            return RotuiError(
                title,
                f"it belongs to another user (uid {here.st_uid}); rotui writes keys only into "
                "your own files unless the consumer sets allow_other_owner = true",
            )
        parent_mode = stat.S_IMODE(parent.stat().st_mode)
        if parent_mode & 0o022 and not self._allowed("allow_shared_dir"):
            return RotuiError(
                title,
                f"the directory {parent} is writable by others (mode {parent_mode:04o}), who "
                "could replace the file with a link and receive the key; chmod go-w it, or set "
                "allow_shared_dir = true on this consumer",
            )
        if exists and not os.access(target, os.W_OK):
            return RotuiError(title, "the file is read-only (chmod u+w to allow rotation)")
        if not os.access(parent, os.W_OK | os.X_OK):
            return RotuiError(
                title,
                f"the directory {parent} is read-only "
                "(rotui writes a temp file beside the file and renames it over)",
            )
        return None

    async def preflight(self, ctx: ConsumerContext) -> list[str]:
        target = self._target
        problem = self._problem(target, target.exists())
        return [str(problem)] if problem else []

    def _apply(self, secret: Secret) -> tuple[str, Secret | None]:
        """Blocking part of :meth:`write`: the detail and the value read back."""
        target, shown, var = self._target, self._shown, self.spec.var
        try:
            old_stat: os.stat_result | None = target.lstat()
        except FileNotFoundError:
            old_stat = None
        problem = self._problem(target, old_stat is not None)
        if problem is not None:
            raise problem
        try:
            old = _read_nofollow(target) if old_stat is not None else b""
            new, replaced = rewrite(old, var, secret)
            if old_stat is None:
                detail = f"created {shown} (mode 0600) with {var}"
            elif new == old:
                detail = f"{var} already up to date in {shown}"
            else:
                detail = f"{'replaced' if replaced else 'added'} {var} in {shown}"
            if old_stat is None or new != old:
                _write_atomic(target, new, old_stat)
            return detail, read_value(_read_nofollow(target), var)
        except OSError as exc:
            raise RotuiError(f"cannot write {shown}", exc.strerror or type(exc).__name__) from None

    async def write(self, secret: Secret, ctx: ConsumerContext) -> WriteOutcome:
        detail, readback = await asyncio.to_thread(self._apply, secret)
        if readback is None:
            return WriteOutcome(f"{detail}, but {self.spec.var} is absent on read-back", False)
        matches = ctx.fingerprint(readback) == ctx.fingerprint(secret)
        return WriteOutcome(
            f"{detail}; read-back {'matches' if matches else 'differs'}", matches=matches
        )
