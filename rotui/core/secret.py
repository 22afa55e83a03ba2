"""Secrets: a masked wrapper, the Anthropic key format, and the stores a key can come from.

A key value is wrapped in :class:`Secret` the moment it is read and unwrapped only where it leaves
rotui: an HTTP header or a child process's stdin. Its repr, str and format are masked, so a
traceback, a log line or a worker description never shows the value.
"""

# Over 400 lines: Secret, the key formats and the stores (keyring with its hang guard, env:,
# command:) share the masking rules; each part is short.

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from rotui.core.errors import KeyFormatError, KeyringTimeout, KeyringUnavailable, SecretError
from rotui.core.model import CONSOLE_KEYS_URL, KEYRING_SERVICE

if TYPE_CHECKING:
    import asyncio

API_KEY_PREFIX = "sk-ant-api03-"
ADMIN_KEY_PREFIX = "sk-ant-admin01-"
API_KEY_LENGTH = 108  # from scanners' patterns; not documented by Anthropic, so only a warning
KEY_BODY = re.compile(r"[A-Za-z0-9_-]+")
SECRET_PATTERN = re.compile(r"sk-ant-[A-Za-z0-9]+-[A-Za-z0-9_-]{8,}")
KEYRING_TIMEOUT = 5.0
READ_CONCURRENCY = 8  # keyring threads or password-manager processes at once
COMMAND_TIMEOUT = 15.0

T = TypeVar("T")


def mask(value: str) -> str:
    """A hint that identifies a key to a person without revealing it: ``sk-ant-api03-R2D…igAA``."""
    match = re.match(r"(sk-ant-[a-z]+\d*-)", value)
    if match and len(value) >= len(match.group(1)) + 10:
        prefix = match.group(1)
        return f"{value[: len(prefix) + 3]}…{value[-4:]}"
    if len(value) >= 20:
        return f"…{value[-4:]}"
    return "•••"


def redact(text: str) -> str:
    """Replace anything shaped like an Anthropic key in free text (error bodies, exceptions)."""
    return SECRET_PATTERN.sub(lambda m: mask(m.group(0)), text)


class Secret:
    """A secret value whose every printable form is masked."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The plain value: call only at an HTTP header or a subprocess's stdin."""
        return self._value

    @property
    def hint(self) -> str:
        return mask(self._value)

    @property
    def partial_key_hint(self) -> str:
        """The Admin API's ``partial_key_hint`` form: ``sk-ant-api03-R2D...igAA``."""
        return self.hint.replace("…", "...")

    def fingerprint(self, key: bytes) -> str:
        """A keyed HMAC that lets records compare secrets without holding them."""
        return hmac.new(key, self._value.encode(), hashlib.sha256).hexdigest()[:32]

    def same_as(self, other: Secret) -> bool:
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and self.same_as(other)

    def __hash__(self) -> int:
        return hash(hashlib.sha256(self._value.encode()).digest())

    def __repr__(self) -> str:
        return f"Secret({self.hint!r})"

    def __str__(self) -> str:
        return self.hint

    def __format__(self, spec: str) -> str:
        return format(self.hint, spec)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")

    def __len__(self) -> int:
        return len(self._value)


@dataclass(frozen=True)
class KeyCheck:
    """A pasted key that passed the format check, with anything worth a warning."""

    secret: Secret
    warnings: tuple[str, ...] = ()


def check_api_key(raw: str) -> KeyCheck:
    """Accept an Anthropic API key as pasted or piped, or say exactly what is wrong with it."""
    value = raw.strip()
    if not value:
        raise KeyFormatError(
            "no key given", "the input was empty; paste the key shown once in the Console"
        )
    if len(value) > 1024:
        raise KeyFormatError(
            "not an API key", f"the input is {len(value)} characters long; an API key has about 108"
        )
    if value[0] in QUOTES or value[-1] in QUOTES:
        raise KeyFormatError("key is quoted", "remove the quotes around the key and paste it again")
    hidden = next(((i, ch) for i, ch in enumerate(value) if _invisible(ch)), None)
    if hidden is not None:
        import unicodedata

        index, char = hidden
        name = unicodedata.name(char, "an unnamed format character")
        raise KeyFormatError(
            "key contains an invisible character",
            f"U+{ord(char):04X} ({name}) at position {index + 1}, which chat tools and word "
            "processors add; copy the key again from the Console or a plain-text source",
        )
    if any(ch.isspace() for ch in value):
        raise KeyFormatError(
            "key contains whitespace",
            "the key has a space, tab or line break inside; paste it again as one unbroken line",
        )
    if value.startswith(ADMIN_KEY_PREFIX):
        raise KeyFormatError(
            "this is an Admin API key",
            f"an API key ({API_KEY_PREFIX}…) belongs here; admin keys ({ADMIN_KEY_PREFIX}…) "
            "go in settings.admin_key",
        )
    if not value.startswith(API_KEY_PREFIX):
        shown = mask(value) if value.startswith("sk-") else "the input"
        raise KeyFormatError(
            "not an Anthropic API key",
            f"{shown} does not start with {API_KEY_PREFIX}; copy the key from {CONSOLE_KEYS_URL}",
        )
    body = value[len(API_KEY_PREFIX) :]
    if not KEY_BODY.fullmatch(body):
        bad = sorted({ch for ch in body if not KEY_BODY.fullmatch(ch)})
        shown = " ".join(repr(ch) for ch in bad[:5])
        raise KeyFormatError(
            "key has unexpected characters",
            f"an API key holds only letters, digits, '-' and '_'; found {shown}",
        )
    warnings = []
    if len(value) != API_KEY_LENGTH:
        warnings.append(
            f"the key is {len(value)} characters long; Anthropic API keys are usually "
            f"{API_KEY_LENGTH}: check that it was copied whole"
        )
    return KeyCheck(Secret(value), tuple(warnings))


QUOTES = "\"'`“”‘’«»„‚"  # straight and typographic: a paste from chat or a document


def _invisible(char: str) -> bool:
    """A format character (zero-width space, BOM, joiners, bidi marks): not seen, yet sent."""
    import unicodedata

    return unicodedata.category(char) == "Cf"


HEADER_SAFE = re.compile(r"[!#-&(-~]+")  # printable ASCII except space and quotes


def check_usable_api_key(secret: Secret, where: str) -> None:
    """Refuse a stored or sourced value that cannot be an API key, without echoing any of it.

    Lenient on the prefix (a future key format must still validate) but strict on anything that
    would break an HTTP header or show that the source printed more than a key (a password
    manager's extra lines, a pasted quote).
    """
    value = secret.reveal()
    if value.startswith(ADMIN_KEY_PREFIX):
        raise KeyFormatError(
            f"{where} holds an Admin API key",
            "an API key belongs here; admin keys go in settings.admin_key",
        )
    if not HEADER_SAFE.fullmatch(value):
        raise KeyFormatError(
            f"{where} is not a usable API key",
            f"the value ({len(value)} characters) contains whitespace, quotes, line breaks or "
            "non-ASCII characters; a source must give the key alone on one line",
        )


def _sendable(secret: Secret, source: str, username: str) -> Secret:
    """Refuse, masked, a sourced value that no HTTP header or one-line stdin can carry.

    A value with whitespace inside, a quote or a non-ASCII character is not a key alone on one
    line: it would break the request (or be sent mangled) in whichever step reads it first.
    """
    value = secret.reveal()
    if not HEADER_SAFE.fullmatch(value):
        kind = source.split(":", 1)[0] + ":"
        index, char = next((i, c) for i, c in enumerate(value) if not HEADER_SAFE.fullmatch(c))
        what = (
            "a line break"
            if char in "\r\n"
            else "whitespace"
            if char.isspace()
            else "a quote"
            if char in QUOTES
            else "a non-ASCII character"
            if not char.isascii()
            else "a control character"
        )
        raise SecretError(
            f"the {kind} source of {username} gives an unusable value",
            f"the value ({len(value)} characters) has {what} at position {index + 1}; a source "
            "must give the key alone on one line, in ASCII, before rotui sends it anywhere",
        )
    return secret


def check_admin_key(raw: str) -> Secret:
    """Accept an Admin API key, refusing an ordinary API key with a clear word."""
    value = raw.strip()
    if value.startswith(API_KEY_PREFIX):
        raise KeyFormatError(
            "this is an API key, not an Admin key",
            f"settings.admin_key needs an Admin API key ({ADMIN_KEY_PREFIX}…)",
        )
    if not value.startswith(ADMIN_KEY_PREFIX) or not KEY_BODY.fullmatch(
        value[len(ADMIN_KEY_PREFIX) :] or "!"
    ):
        raise KeyFormatError(
            "not an Anthropic Admin API key", f"an Admin API key starts with {ADMIN_KEY_PREFIX}"
        )
    return Secret(value)


class KeyringBackend(Protocol):
    """The part of ``keyring``'s backend API rotui uses, so tests and the demo can pass their own."""

    def get_password(self, service: str, username: str) -> str | None: ...

    def set_password(self, service: str, username: str, password: str) -> None: ...

    def delete_password(self, service: str, username: str) -> None: ...


class MemoryKeyring:
    """An in-process keyring for the demo and tests: nothing touches the user's real keyring."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self._items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            self._items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            if self._items.pop((service, username), None) is None:
                raise LookupError(username)

    def __repr__(self) -> str:
        return f"MemoryKeyring({len(self._items)} items)"


NO_KEYRING_HELP = (
    "no usable keyring backend on this host (common over SSH without a desktop session). "
    'Ways out: use source = "env:VAR" or "command:PROGRAM ARGS" (e.g. a password manager) for '
    "the key; or choose a backend with PYTHON_KEYRING_BACKEND=module.Class or a keyringrc.cfg "
    "(see `python -m keyring diagnose`); or start one: `dbus-run-session -- sh` then "
    "`gnome-keyring-daemon --unlock`. rotui never falls back to a plaintext file."
)


def system_keyring() -> KeyringBackend:
    """The user's keyring, refusing the fail/null backends and any plaintext fallback."""
    import keyring
    import keyring.core
    from keyring.backends import fail, null

    # Respects PYTHON_KEYRING_BACKEND and keyringrc.cfg; otherwise only recommended backends
    # (priority >= 1), so keyrings.alt's plaintext file is never picked silently.
    keyring.core.init_backend(limit=keyring.core.recommended)
    backend = keyring.get_keyring()
    chained = getattr(backend, "backends", None)
    if isinstance(backend, fail.Keyring | null.Keyring) or chained == []:
        raise KeyringUnavailable("keyring unavailable", NO_KEYRING_HELP)
    return backend


def _in_daemon_thread(fn: Callable[[], T], timeout: float, what: str) -> T:
    """Run a blocking call in a daemon thread so a hung keyring can never block exit."""
    outcome: list[tuple[bool, Any]] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append((True, fn()))
        except BaseException as exc:  # handed to the caller below
            outcome.append((False, exc))
        done.set()

    threading.Thread(target=run, name=f"rotui-{what}", daemon=True).start()
    if not done.wait(timeout):
        raise KeyringTimeout(
            f"the keyring did not answer in {timeout:g} s",
            f"{what} is still waiting; a locked Secret Service may be asking for a password on a "
            "desktop you cannot see. Unlock it, or use an env: or command: source.",
        )
    ok, value = outcome[0]
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


class SecretStore:
    """Reads, stores and deletes key values by name, off the event loop and with a time limit.

    ``backend`` is resolved lazily (the real keyring by default), so a command that never touches
    the keyring never pays for importing it.
    """

    def __init__(
        self,
        backend: KeyringBackend | Callable[[], KeyringBackend] | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        timeout: float = KEYRING_TIMEOUT,
        command_timeout: float = COMMAND_TIMEOUT,
    ) -> None:
        self._backend_or_factory = backend if backend is not None else system_keyring
        self._backend: KeyringBackend | None = None
        self._environ = environ if environ is not None else os.environ
        self.timeout = timeout
        self.command_timeout = command_timeout
        self._resolving = threading.Lock()
        self._limit: asyncio.Semaphore | None = None
        self._limit_loop: asyncio.AbstractEventLoop | None = None

    def _resolve(self) -> KeyringBackend:
        with self._resolving:  # one backend detection (and at most one unlock prompt), not N
            return self._resolve_locked()

    def _resolve_locked(self) -> KeyringBackend:
        if self._backend is None:
            candidate = self._backend_or_factory
            if hasattr(candidate, "get_password"):
                self._backend = candidate  # type: ignore[assignment]
            else:
                self._backend = _in_daemon_thread(candidate, self.timeout, "opening the keyring")
        return self._backend  # type: ignore[return-value]

    def _call(self, what: str, fn: Callable[[KeyringBackend], T]) -> T:
        def run() -> T:
            backend = self._resolve()
            try:
                return fn(backend)
            except Exception as exc:
                if type(exc).__name__ == "NoKeyringError":
                    raise KeyringUnavailable("keyring unavailable", NO_KEYRING_HELP) from None
                if isinstance(exc, SecretError):
                    raise
                raise SecretError(
                    f"keyring error while {what}", redact(f"{type(exc).__name__}: {exc}")
                ) from None

        if getattr(_OFF_LOOP, "active", False):
            return run()  # already in aread's daemon thread, which carries the time limit
        return _in_daemon_thread(run, self.timeout, what)

    def keyring_backend_name(self) -> str:
        """Which backend is in use (for `rotui doctor` and error messages)."""
        backend = self._call("opening the keyring", lambda b: b)
        return f"{type(backend).__module__}.{type(backend).__qualname__}"

    def get_keyring(self, username: str) -> Secret | None:
        value = self._call(
            f"reading {username!r}", lambda b: b.get_password(KEYRING_SERVICE, username)
        )
        return Secret(value) if value else None

    def set_keyring(self, username: str, secret: Secret) -> None:
        self._call(
            f"storing {username!r}",
            lambda b: b.set_password(KEYRING_SERVICE, username, secret.reveal()),
        )

    def delete_keyring(self, username: str) -> bool:
        """Remove an entry; False when there was none."""

        def delete(backend: KeyringBackend) -> bool:
            try:
                backend.delete_password(KEYRING_SERVICE, username)
            except Exception as exc:
                if type(exc).__name__ in ("PasswordDeleteError", "LookupError", "KeyError"):
                    return False
                raise
            return True

        return self._call(f"deleting {username!r}", delete)

    def read(self, source: str, username: str) -> Secret | None:
        """The value a source points at, or None when it gives nothing."""
        if source == "keyring":
            return self.get_keyring(username)
        if source.startswith("env:"):
            value = self._environ.get(source[4:], "").strip()
            return _sendable(Secret(value), source, username) if value else None
        if source.startswith("command:"):
            found = self._run_command(source[8:], username)
            return _sendable(found, source, username) if found is not None else None
        raise SecretError(
            "unknown secret source", f"{source!r}: use keyring, env:VAR or command:..."
        )

    def _run_command(self, command: str, username: str) -> Secret | None:
        import shlex
        import subprocess

        argv = shlex.split(command)
        try:
            done = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=self.command_timeout,
                check=False,
            )
        except FileNotFoundError:
            raise SecretError(
                f"source command for {username} not found", f"{argv[0]!r} is not on PATH"
            ) from None
        except subprocess.TimeoutExpired:
            raise SecretError(
                f"source command for {username} timed out",
                f"{argv[0]} did not finish in {self.command_timeout:g} s",
            ) from None
        except OSError as exc:
            raise SecretError(f"source command for {username} failed", str(exc)) from None
        if done.returncode != 0:
            lines = done.stderr.decode(errors="replace").strip().splitlines()
            err = redact(lines[-1]) if lines else ""
            raise SecretError(
                f"source command for {username} failed",
                f"{argv[0]} exited with {done.returncode}" + (f": {err}" if err else ""),
            )
        value = done.stdout.decode(errors="replace").strip()
        return Secret(value) if value else None

    async def aread(self, source: str, username: str) -> Secret | None:
        """:meth:`read` off the event loop in one daemon thread, at most 8 at once.

        One thread per read (not two), and no more than ``READ_CONCURRENCY`` started together,
        so validating hundreds of keys never stalls the event loop starting threads.
        """
        import asyncio

        if source.startswith("env:"):  # a dictionary look-up: no thread (10,000 keys, figure 8d)
            return self.read(source, username)
        loop = asyncio.get_running_loop()
        if self._limit is None or self._limit_loop is not loop:
            self._limit, self._limit_loop = asyncio.Semaphore(READ_CONCURRENCY), loop

        def direct() -> Secret | None:
            _OFF_LOOP.active = True
            try:
                return self.read(source, username)
            finally:
                _OFF_LOOP.active = False

        budget = self.timeout if source == "keyring" else self.command_timeout + 1
        async with self._limit:
            return await _off_loop(direct, budget)

    async def aset_keyring(self, username: str, secret: Secret) -> None:
        await _off_loop(lambda: self.set_keyring(username, secret), self.timeout + 1)


_OFF_LOOP = threading.local()


async def _off_loop(fn: Callable[[], T], timeout: float) -> T:
    """Await a blocking call run in a daemon thread, without the default executor.

    ``asyncio.run`` waits for the default executor at shutdown with no time limit on 3.11, so a
    hung call there would freeze quitting; a daemon thread is simply abandoned.
    """
    import asyncio

    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(ok: bool, value: Any) -> None:
        if future.done():
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def run() -> None:
        try:
            outcome: tuple[bool, object] = (True, fn())
        except BaseException as exc:
            outcome = (False, exc)
        # The loop may have closed while a hung call was pending: then nobody waits for it.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=run, name="rotui-secret", daemon=True).start()
    try:
        return await asyncio.wait_for(future, timeout)
    except TimeoutError:
        raise KeyringTimeout(
            f"the keyring did not answer in {timeout:g} s",
            "a locked Secret Service may be asking for a password on a desktop you cannot see; "
            "unlock it, or use an env: or command: source",
        ) from None
