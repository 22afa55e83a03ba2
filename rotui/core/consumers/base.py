"""The consumer interface: write a key to one downstream system, idempotently, and verify it.

An adapter never logs or returns what a provider answers (Heroku's PATCH response holds every
config var); it returns short details of its own. A value reaches a child process only on stdin
or in its environment, never in argv, and a child gets an allow-listed environment: never the
variables that hold other keys (an Admin key read from ``env:``, another consumer's token).
"""

from __future__ import annotations

import abc
import asyncio
import json
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx

from rotui.core.bounded_http import DeadlineExceeded, ResponseTooLarge
from rotui.core.consumers.fields import ConsumerSpec
from rotui.core.errors import RotuiError
from rotui.core.model import ConsumerKind
from rotui.core.secret import SECRET_PATTERN, Secret, SecretStore, redact

COMMAND_TIMEOUT = 60.0

# What any child may need: where programs and home are, locale, temp dir, trust roots and
# proxies. Everything else stays with rotui unless the consumer's config names it (pass_env).
CHILD_ENV_NAMES = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TMPDIR",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
        "XDG_CONFIG_HOME",
        "XDG_CACHE_HOME",
        "XDG_DATA_HOME",
        "XDG_STATE_HOME",
        "XDG_RUNTIME_DIR",
        "SYSTEMROOT",  # Windows programs cannot start without it
    }
)
CHILD_ENV_PREFIXES = ("LC_",)


def child_environ(
    environ: Mapping[str, str],
    names: Iterable[str] = (),
    prefixes: Sequence[str] = (),
) -> dict[str, str]:
    """The allow-listed part of ``environ``, plus ``names`` and ``prefixes`` asked for by name.

    A variable whose value holds an Anthropic key is dropped even when asked for: the one key a
    consumer may get is the value being written, which the adapter adds itself.
    """
    wanted = CHILD_ENV_NAMES | set(names)
    starts = (*CHILD_ENV_PREFIXES, *prefixes)
    return {
        k: v
        for k, v in environ.items()
        # An Anthropic key's shape, not redact(): gh needs GH_TOKEN, which redact() masks.
        if (k in wanted or k.startswith(starts)) and not SECRET_PATTERN.search(v)
    }


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    stdout: str  # already redacted and cut to a few hundred characters
    stderr: str


async def run_command(
    argv: Sequence[str],
    *,
    stdin: Secret | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = COMMAND_TIMEOUT,
) -> CommandResult:
    """Run a program without a shell; the secret, if any, goes to its stdin only."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(env) if env is not None else None,
        )
    except FileNotFoundError:
        raise RotuiError(f"{argv[0]} not found", "install it or put it on PATH") from None
    except OSError as exc:
        raise RotuiError(f"cannot run {argv[0]}", exc.strerror or str(exc)) from None
    data = stdin.reveal().encode() if stdin is not None else None
    try:
        out, err = await asyncio.wait_for(process.communicate(data), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise RotuiError(f"{argv[0]} timed out", f"no answer within {timeout:g} s") from None
    return CommandResult(
        process.returncode or 0,
        redact(out.decode(errors="replace"))[-400:],
        redact(err.decode(errors="replace"))[-400:],
    )


Runner = Callable[..., Awaitable[CommandResult]]


@dataclass
class ConsumerContext:
    """What an adapter may use: one HTTP client, the secret store for tokens, and a runner."""

    http: httpx.AsyncClient
    store: SecretStore
    fingerprint: Callable[[Secret], str]
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)
    run: Runner = run_command
    timeout: float = 30.0

    def child_env(
        self, spec: ConsumerSpec, names: Iterable[str] = (), prefixes: Sequence[str] = ()
    ) -> dict[str, str]:
        """The environment for one consumer's child: the allow-list plus its ``pass_env``."""
        return child_environ(self.environ, (*names, *spec.fields.get("pass_env", ())), prefixes)

    async def token(self, source: str, label: str) -> Secret:
        """A provider token from its source (``env:HEROKU_API_KEY`` by default, etc.)."""
        secret = await self.store.aread(source, label)
        if secret is None:
            raise RotuiError(f"no token for {label}", f"{source} gave no value")
        return secret


@dataclass(frozen=True)
class WriteOutcome:
    """``matches``: True when the value read back has the same fingerprint, None if unreadable."""

    detail: str
    matches: bool | None = None


@dataclass(frozen=True)
class VerifyOutcome:
    ok: bool
    detail: str


class ConsumerAdapter(abc.ABC):
    """One kind of consumer. ``write`` must be safe to run twice with the same value."""

    kind: ClassVar[ConsumerKind]
    needs_operator: ClassVar[bool] = False  # manual: the operator does the write and confirms

    def __init__(self, spec: ConsumerSpec) -> None:
        self.spec = spec

    @abc.abstractmethod
    def describe(self) -> str:
        """One line naming where the key goes, e.g. ``Heroku app raxx-api-prod, ANTHROPIC_API_KEY``."""

    @abc.abstractmethod
    async def preflight(self, ctx: ConsumerContext) -> list[str]:
        """Problems that would stop a write (token refused, tool missing); empty when ready."""

    @abc.abstractmethod
    async def write(self, secret: Secret, ctx: ConsumerContext) -> WriteOutcome:
        """Put the value in place; raise RotuiError with a clear message when it fails."""

    async def holds(self, secret: Secret, ctx: ConsumerContext) -> bool | None:
        """Whether the consumer holds ``secret`` now, read back; None when it cannot be read.

        Asked of a consumer whose write became a change request, to see whether it was merged.
        """
        return None

    async def verify(self, ctx: ConsumerContext) -> VerifyOutcome | None:
        """Check downstream with ``verify_url`` or ``verify_command``; None when neither is set."""
        spec = self.spec
        if spec.verify_url:
            return await verify_url(spec, ctx)
        if spec.verify_command:
            result = await ctx.run(
                list(spec.verify_command), env=ctx.child_env(spec), timeout=ctx.timeout
            )
            if result.returncode == 0:
                return VerifyOutcome(True, f"{spec.verify_command[0]} exited 0")
            return VerifyOutcome(
                False,
                f"{spec.verify_command[0]} exited {result.returncode}: {result.stderr.strip()[-200:]}",
            )
        return None


def dotted(document: Any, path: str) -> Any:
    """``anthropic.ok`` in ``{"anthropic": {"ok": true}}``; KeyError when absent."""
    value = document
    for part in path.split("."):
        if isinstance(value, list) and part.isdigit():
            value = value[int(part)]
        elif isinstance(value, dict):
            value = value[part]
        else:
            raise KeyError(part)
    return value


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def verify_url(spec: ConsumerSpec, ctx: ConsumerContext) -> VerifyOutcome:
    """GET ``verify_url``: 2xx, and when asked, ``verify_json`` equals ``verify_equals``."""
    assert spec.verify_url
    try:
        response = await ctx.http.get(spec.verify_url, timeout=ctx.timeout)
    except (ResponseTooLarge, DeadlineExceeded) as exc:
        return VerifyOutcome(False, f"{spec.verify_url}: {exc}")
    except httpx.TransportError as exc:
        return VerifyOutcome(False, f"{spec.verify_url} unreachable: {redact(type(exc).__name__)}")
    if not 200 <= response.status_code < 300:
        return VerifyOutcome(False, f"{spec.verify_url} answered HTTP {response.status_code}")
    if not spec.verify_json:
        return VerifyOutcome(True, f"HTTP {response.status_code}")
    try:
        value = dotted(response.json(), spec.verify_json)
    except (ValueError, KeyError, IndexError):
        return VerifyOutcome(False, f"{spec.verify_json} not found in the answer")
    if spec.verify_equals is not None and _scalar(value) != spec.verify_equals:
        return VerifyOutcome(
            False,
            f"{spec.verify_json} is {redact(json.dumps(value))[:60]}, expected {spec.verify_equals}",
        )
    return VerifyOutcome(True, f"{spec.verify_json} = {_scalar(value)[:40]}")
