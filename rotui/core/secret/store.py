"""The stores a key can come from: the keyring (with its hang guard), ``env:VAR`` and ``command:``.

Blocking reads run in daemon threads with a time limit, so a hung keyring (a locked Secret
Service) or password manager never blocks the event loop or quitting. Values come back as
:class:`~rotui.core.secret.value.Secret`; errors carry no value (keyring messages are redacted),
and a ``command:`` source's child inherits the environment less any variable holding a key.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from rotui.core.errors import KeyringTimeout, KeyringUnavailable, SecretError
from rotui.core.model import KEYRING_SERVICE
from rotui.core.safetext import remember
from rotui.core.secret.formats import _sendable
from rotui.core.secret.value import SECRET_PATTERN, Secret, redact

if TYPE_CHECKING:
    import asyncio

KEYRING_TIMEOUT = 5.0
READ_CONCURRENCY = 8  # keyring threads or password-manager processes at once
COMMAND_TIMEOUT = 15.0

T = TypeVar("T")


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
    for each in [backend, *(chained or [])]:
        _refuse_plaintext(each)
    return backend


def _refuse_plaintext(backend: object) -> None:
    """keyrings.alt's ``PlaintextKeyring`` (file or pyfs) keeps keys base64-encoded, not
    encrypted, in a file (``keyring_pass.cfg``). The priority limit keeps it from being picked
    by itself, but not when named by ``PYTHON_KEYRING_BACKEND`` or ``keyringrc.cfg`` (keyring
    applies the limit to detection only): then it is refused, never written to."""
    kind = type(backend)
    if kind.__module__.startswith("keyrings.alt") and "Plaintext" in kind.__name__:
        raise KeyringUnavailable(
            "plaintext keyring refused",
            f"the keyring backend is {kind.__module__}.{kind.__name__}, which keeps keys "
            "unencrypted in a file (keyring_pass.cfg); rotui does not store keys there. Choose an "
            "encrypting backend (the desktop keyring, or keyrings.cryptfile), or use "
            'source = "env:VAR" or "command:PROGRAM ARGS" (a password manager) for the key.',
        )


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
        """The value a source points at, or None when it gives nothing.

        A value of no known shape (a bare-UUID Heroku token, a client secret, a notify URL) is
        remembered, so rotui masks it by value wherever it would print it.
        """
        found = self._read(source, username)
        if found is not None and not SECRET_PATTERN.search(found.reveal()):
            remember(found.reveal())
        return found

    def _read(self, source: str, username: str) -> Secret | None:
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
                env=_without_key_values(os.environ),
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


def _without_key_values(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment a source command inherits, less every variable holding a key value.

    A password manager needs its session (the rest of the environment), never another key:
    one in rotui's own environment (``env:`` sources, an Admin key) is not handed on.
    """
    # An Anthropic key's shape only: a source command may need its own token (INFISICAL_TOKEN
    # for `infisical secrets get`, GH_TOKEN for `gh`), which redact() would now mask too.
    return {name: value for name, value in environ.items() if not SECRET_PATTERN.search(value)}


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
