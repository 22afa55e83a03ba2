"""Any program that takes the key on stdin or in one environment variable, never in argv.

The program gets an allow-listed environment (``child_environ``) and the variables its ``pass_env``
names, never rotui's whole environment with other keys in it.
"""

from __future__ import annotations

import os
import shlex
import shutil

from rotui.core.consumers.base import ConsumerAdapter, ConsumerContext, WriteOutcome
from rotui.core.errors import RotuiError
from rotui.core.model import ConsumerKind
from rotui.core.secret import Secret


class CommandConsumer(ConsumerAdapter):
    """Run ``run``; exit 0 means the program took the value. Nothing can be read back."""

    kind = ConsumerKind.COMMAND

    @property
    def _run(self) -> list[str]:
        return [str(part) for part in self.spec.fields["run"]]

    @property
    def _env_var(self) -> str | None:
        value = self.spec.fields.get("env_var")
        return str(value) if value else None

    def describe(self) -> str:
        channel = f"${self._env_var}" if self._env_var else "stdin"
        return f"command {shlex.join(self._run)} · {channel}"

    async def preflight(self, ctx: ConsumerContext) -> list[str]:
        program = self._run[0]
        if os.sep in program:
            if os.path.isfile(program) and os.access(program, os.X_OK):
                return []
            return [f"{program} is missing or not executable"]
        if shutil.which(program, path=ctx.environ.get("PATH", os.defpath)) is None:
            return [f"{program} not found on PATH"]
        return []

    async def write(self, secret: Secret, ctx: ConsumerContext) -> WriteOutcome:
        program, env_var = self._run[0], self._env_var
        if env_var:
            result = await ctx.run(
                self._run,
                env={**ctx.child_env(self.spec), env_var: secret.reveal()},
                timeout=ctx.timeout,
            )
        else:
            result = await ctx.run(
                self._run, stdin=secret, env=ctx.child_env(self.spec), timeout=ctx.timeout
            )
        if result.returncode != 0:
            said = result.stderr.strip()[-300:] or "no message on stderr"
            raise RotuiError(f"{program} exited {result.returncode}", said)
        return WriteOutcome(
            f"{program} took the value via {'$' + env_var if env_var else 'stdin'} (exit 0)"
        )
