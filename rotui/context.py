"""What a command runs against, shared by the CLI, the demo and ``rotui serve``.

It lives below all three so none of them imports another to reach it: the demo and ``serve`` are
started by the CLI, never the reverse.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, cast

from rotui.core.errors import ConfigError
from rotui.core.model import Config
from rotui.paths import Paths

if TYPE_CHECKING:
    from rotui.core.secret import SecretStore
    from rotui.services import Services


@dataclass
class Context:
    """What a command runs against: the demo and tests pass their own dirs, keyring and clock."""

    paths: Paths
    config_arg: str | None = None
    config: Config | None = None
    store: SecretStore | None = None
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)
    stdin: IO[str] | None = field(default_factory=lambda: sys.stdin, repr=False)
    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)
    clock: Callable[[], dt.datetime] = field(default_factory=lambda: _utcnow)
    trust_env: bool = True  # honour proxy variables; the demo's loopback API never needs one
    warnings: list[str] = field(default_factory=list)  # found loading the config, e.g. its mode
    _services: Services | None = None

    def load_config(self) -> Config:
        if self.config is None:
            from rotui.config import (
                ConfigFileNotFound,
                load_config,
                permission_warning,
                resolve_config_path,
            )

            path, origin = resolve_config_path(self.config_arg, self.environ)
            try:
                self.config = load_config(path, cache_dir=self.paths.cache_dir)
                self.warnings = [w for w in [permission_warning(path)] if w]
                for warning in self.warnings:
                    self.say(f"rotui: warning: {warning}")
            except ConfigFileNotFound:
                raise ConfigError(
                    "no configuration found",
                    f"looked for {path} ({origin}). Create one with `rotui init`, or try the "
                    "built-in demo with `rotui demo`",
                ) from None
        return self.config

    def services(self) -> Services:
        if self._services is None:
            from rotui.services import Services

            self._services = Services(
                config=self.load_config(),
                paths=self.paths,
                # Built on first use: `rotui status` reads no secret, so it never imports them.
                store=self.store or cast("SecretStore", _LazyStore(self.secret_store)),
                environ=self.environ,
                clock=self.clock,
                trust_env=self.trust_env,
            )
        return self._services

    def secret_store(self) -> SecretStore:
        if self.store is None:
            from rotui.core.secret import SecretStore

            self.store = SecretStore(environ=self.environ)
        return self.store

    def say(self, text: str) -> None:
        """A message on stderr; outside text in it cannot drive the terminal (escaped)."""
        from rotui.core.safetext import printable

        _write(self.stderr, printable(text) + "\n")

    def out(self, text: str) -> None:
        """Output on stdout, with every terminal control character escaped."""
        from rotui.core.safetext import printable

        _write(self.stdout, printable(text) + "\n")

    def write(self, text: str) -> None:
        """Part of a line on stdout (a JSON document written piece by piece)."""
        from rotui.core.safetext import printable

        _write(self.stdout, printable(text))


class _LazyStore:
    """Stands for the secret store until something reads or writes a secret through it."""

    def __init__(self, make: Callable[[], SecretStore]) -> None:
        self._make = make

    def __getattr__(self, name: str) -> Any:
        return getattr(self._make(), name)


class OutputClosed(Exception):
    """The reader of stdout or stderr went away (``rotui audit | head -1``): stop, quietly."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__("output closed")
        self.stream = stream


def _write(stream: IO[str], text: str) -> None:
    try:
        stream.write(text)
    except BrokenPipeError:
        raise OutputClosed(stream) from None


def _flush(stream: IO[str]) -> None:
    try:
        stream.flush()
    except BrokenPipeError:
        raise OutputClosed(stream) from None
    except (OSError, ValueError):
        pass  # a closed or odd stream: nothing more can reach it anyway


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
