"""GitHub Actions secrets through ``gh secret set``, the value on stdin (gh seals it itself).

Piping to gh avoids a PyNaCl dependency for the sealed box, and ``--body`` would put the value in
argv, so it is never used. GitHub secrets cannot be read back.
"""

from __future__ import annotations

from rotui.core.consumers.base import ConsumerAdapter, ConsumerContext, WriteOutcome
from rotui.core.errors import RotuiError
from rotui.core.model import ConsumerKind
from rotui.core.secret import Secret


class GithubConsumer(ConsumerAdapter):
    """``gh secret set VAR --repo OWNER/REPO [--env ENV]`` with the value on stdin."""

    kind = ConsumerKind.GITHUB

    @property
    def _gh(self) -> str:
        return str(self.spec.fields.get("gh") or "gh")

    @property
    def _target(self) -> str:
        env = self.spec.fields.get("env")
        return f"{self.spec.fields['repo']}" + (f" environment {env}" if env else "")

    def describe(self) -> str:
        return f"GitHub {self._target} · {self.spec.var}"

    def argv(self) -> list[str]:
        """The command line: names only, never the value."""
        env = self.spec.fields.get("env")
        repo = str(self.spec.fields["repo"])
        return [self._gh, "secret", "set", self.spec.var, "--repo", repo] + (
            ["--env", str(env)] if env else []
        )

    async def preflight(self, ctx: ConsumerContext) -> list[str]:
        env = dict(ctx.environ)
        try:
            version = await ctx.run([self._gh, "--version"], env=env, timeout=ctx.timeout)
            if version.returncode != 0:
                return [f"{self._gh} --version exited {version.returncode}; is it the GitHub CLI?"]
            status = await ctx.run([self._gh, "auth", "status"], env=env, timeout=ctx.timeout)
        except RotuiError as exc:
            hint = (
                "; install the GitHub CLI (https://cli.github.com)"
                if "not found" in exc.title
                else ""
            )
            return [f"{exc}{hint}"]
        if status.returncode != 0:
            said = status.stderr.strip().splitlines()
            return [
                "gh is not logged in: run `gh auth login` or set GH_TOKEN"
                + (f" ({said[-1][:160]})" if said else "")
            ]
        return []

    async def write(self, secret: Secret, ctx: ConsumerContext) -> WriteOutcome:
        result = await ctx.run(
            self.argv(), stdin=secret, env=dict(ctx.environ), timeout=ctx.timeout
        )
        if result.returncode != 0:
            said = result.stderr.strip()[-300:] or f"exit status {result.returncode}"
            raise RotuiError(f"gh secret set failed for {self._target}", said)
        return WriteOutcome(f"set {self.spec.var} on GitHub {self._target} (not readable back)")
