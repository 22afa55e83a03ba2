"""The consumer interface: write a key to one downstream system, idempotently, and verify it.

An adapter never logs or returns what a provider answers (Heroku's PATCH response holds every
config var); it returns short details of its own. A value reaches a child process only on stdin
or in its environment, never in argv.
"""

from __future__ import annotations

import abc
import asyncio
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx

from rotui.core.consumers.fields import ConsumerSpec
from rotui.core.errors import RotuiError
from rotui.core.model import ConsumerKind
from rotui.core.secret import Secret, SecretStore, redact

COMMAND_TIMEOUT = 60.0


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


Runner = Callable[..., Any]


@dataclass
class ConsumerContext:
    """What an adapter may use: one HTTP client, the secret store for tokens, and a runner."""

    http: httpx.AsyncClient
    store: SecretStore
    fingerprint: Callable[[Secret], str]
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)
    run: Runner = run_command
    timeout: float = 30.0

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
                list(spec.verify_command), env=dict(ctx.environ), timeout=ctx.timeout
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
