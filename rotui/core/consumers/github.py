"""GitHub Actions secrets through ``gh secret set``, the value on stdin (gh seals it itself).

Piping to gh avoids a PyNaCl dependency for the sealed box, and ``--body`` would put the value in
argv, so it is never used. GitHub secrets cannot be read back.

What gh does, read in cli/cli (``pkg/cmd/secret/set/set.go`` and ``http.go``, v2.23.0 to trunk):
``GET repos/O/R/actions/secrets/public-key`` (or ``repos/O/R/environments/ENV/secrets/public-key``,
or for an organization secret ``orgs/ORG/actions/secrets/public-key``), then ``PUT`` the sealed
value beside it; an organization secret's PUT also carries ``visibility`` (gh's flag defaults to
private, so rotui always passes it) and, for ``selected``, the repositories' ids, which gh looks up
through GraphQL (``api.GetRepoIDs``). The preflight asks for that same public key through
``gh api``, so a missing repository or environment (404), a token without access to secrets (403)
or a refused token (401) shows before the run, not halfway through it.

The host is ``GH_HOST`` or github.com (``internal/ghinstance`` ``OverridableDefault``); gh's token
for github.com (and ``*.ghe.com``) comes from ``GH_TOKEN``/``GITHUB_TOKEN``, for any other
(Enterprise Server) host from ``GH_ENTERPRISE_TOKEN``/``GITHUB_ENTERPRISE_TOKEN``, else from its
config (cli/go-gh v2 ``pkg/auth/auth.go``: ``tokenForHost``, ``IsEnterprise``, ``IsTenancy``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from urllib.parse import quote

from rotui.core.consumers.base import (
    CommandResult,
    ConsumerAdapter,
    ConsumerContext,
    WriteOutcome,
)
from rotui.core.errors import RotuiError
from rotui.core.model import ConsumerKind
from rotui.core.secret import Secret

GITHUB_COM = "github.com"
# gh reads its host, tokens and config dir from GH_*/GITHUB_* variables; gh >= 2.40 keeps tokens
# in the system keyring, reached over D-Bus on Linux.
GH_ENV_PREFIXES = ("GH_", "GITHUB_")
GH_ENV_NAMES = ("DBUS_SESSION_BUS_ADDRESS",)

# "HTTP 404: Not Found (https://...)" from gh's api.HTTPError; "gh: Not Found (HTTP 404)" from
# `gh api` (pkg/cmd/api/api.go).
_HTTP_ERROR = re.compile(r"HTTP (\d{3}): (.*?)(?: \((https?://\S+)\))?$")
_API_ERROR = re.compile(r"^gh: (.*) \(HTTP (\d{3})\)$")


def gh_host(environ: Mapping[str, str]) -> str:
    """The host ``gh secret set --repo OWNER/REPO`` talks to."""
    return (environ.get("GH_HOST") or "").strip().lower() or GITHUB_COM


def is_enterprise(host: str) -> bool:
    """A GitHub Enterprise Server host: its token is ``GH_ENTERPRISE_TOKEN``, not ``GH_TOKEN``."""
    if host in (GITHUB_COM, "github.localhost"):
        return False
    return not host.endswith((".github.com", ".github.localhost", ".ghe.com"))


def token_variables(host: str) -> tuple[str, str]:
    if is_enterprise(host):
        return ("GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN")
    return ("GH_TOKEN", "GITHUB_TOKEN")


def login_hint(host: str) -> str:
    """How to give gh a token for ``host``."""
    if is_enterprise(host):
        return (
            f"run `gh auth login --hostname {host}` or set GH_ENTERPRISE_TOKEN "
            "(GH_TOKEN is only for github.com)"
        )
    return "run `gh auth login` or set GH_TOKEN"


def one_line(text: str, limit: int = 200) -> str:
    """gh's multi-line error as one line: its wrapper lines and hints dropped, the rest joined.

    gh joins errors from parallel sets with hashicorp/go-multierror ("1 error occurred:\\n\\t* ...")
    and adds "Try authenticating with:  gh auth login" after a 401.
    """
    kept = []
    for raw in text.splitlines():
        line = raw.strip().removeprefix("* ").strip()
        if not line or re.fullmatch(r"\d+ errors? occurred:", line):
            continue
        if line.startswith(("Try authenticating with:", "To re-authenticate", "To forget about")):
            continue
        kept.append(line)
    joined = "; ".join(kept) or "no message"
    joined = "".join(ch if ch.isprintable() else " " for ch in joined)
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"


def http_status(text: str) -> tuple[int, str] | None:
    """(status, GitHub's message) from a gh error, when it carries one."""
    for line in text.splitlines():
        line = line.strip().removeprefix("* ").strip()
        api = _API_ERROR.match(line)
        if api:
            return int(api.group(2)), api.group(1)
        found = _HTTP_ERROR.search(line)
        if found:
            return int(found.group(1)), found.group(2)
    return None


class GithubConsumer(ConsumerAdapter):
    """``gh secret set VAR --repo OWNER/REPO [--env ENV]`` (or ``--org ORG --visibility V``),
    the value on stdin."""

    kind = ConsumerKind.GITHUB

    @property
    def _gh(self) -> str:
        return str(self.spec.fields.get("gh") or "gh")

    @property
    def _repo(self) -> str:
        return str(self.spec.fields.get("repo") or "")

    @property
    def _org(self) -> str | None:
        org = self.spec.fields.get("org")
        return str(org) if org else None

    @property
    def _env(self) -> str | None:
        env = self.spec.fields.get("env")
        return str(env) if env else None

    @property
    def _target(self) -> str:
        if self._org:
            return f"organization {self._org} ({self.spec.fields['visibility']})"
        return self._repo + (f" environment {self._env}" if self._env else "")

    def describe(self) -> str:
        return f"GitHub {self._target} · {self.spec.var}"

    def argv(self) -> list[str]:
        """The command line: names only, never the value."""
        fields = self.spec.fields
        if self._org:
            repos = fields.get("repos") or ()
            return [
                self._gh, "secret", "set", self.spec.var, "--org", self._org,
                "--visibility", str(fields["visibility"]),
            ] + (["--repos", ",".join(repos)] if repos else [])  # fmt: skip
        return [self._gh, "secret", "set", self.spec.var, "--repo", self._repo] + (
            ["--env", self._env] if self._env else []
        )

    def public_key_path(self) -> str:
        """The endpoint gh reads before a write (cli/cli pkg/cmd/secret/set/http.go)."""
        if self._org:
            return f"orgs/{self._org}/actions/secrets/public-key"
        if self._env:
            return f"repos/{self._repo}/environments/{quote(self._env, safe='')}/secrets/public-key"
        return f"repos/{self._repo}/actions/secrets/public-key"

    def child_env(self, ctx: ConsumerContext) -> dict[str, str]:
        """gh's own variables and the allow-list; never another key's variable."""
        return ctx.child_env(self.spec, GH_ENV_NAMES, GH_ENV_PREFIXES)

    async def preflight(self, ctx: ConsumerContext) -> list[str]:
        env = self.child_env(ctx)
        host = gh_host(env)
        try:
            version = await ctx.run([self._gh, "--version"], env=env, timeout=ctx.timeout)
            if version.returncode != 0:
                return [f"{self._gh} --version exited {version.returncode}; is it the GitHub CLI?"]
            status = await self._auth_status(ctx, env, host)
            if status.returncode != 0:
                return [self._login_problem(host, env, status)]
            probe = await self._api(ctx, env, host, self.public_key_path())
            if probe.returncode == 0:
                return []
            return [await self._target_problem(ctx, env, host, probe)]
        except RotuiError as exc:
            hint = (
                "; install the GitHub CLI (https://cli.github.com)"
                if "not found" in exc.title
                else ""
            )
            return [f"{exc}{hint}"]

    async def _auth_status(
        self, ctx: ConsumerContext, env: Mapping[str, str], host: str
    ) -> CommandResult:
        """The token gh will use for ``host`` only.

        Plain ``gh auth status`` exits 1 when any host in gh's config is stale, and from gh 2.40
        (several accounts per host, pkg/cmd/auth/status) when any account on the host is;
        ``--active`` keeps to the account in use. gh before 2.40 rejects ``--active``.
        """
        argv = [self._gh, "auth", "status", "--hostname", host]
        status = await ctx.run([*argv, "--active"], env=dict(env), timeout=ctx.timeout)
        if status.returncode != 0 and "unknown flag: --active" in status.stderr:
            status = await ctx.run(argv, env=dict(env), timeout=ctx.timeout)
        return status

    async def _api(
        self, ctx: ConsumerContext, env: Mapping[str, str], host: str, path: str
    ) -> CommandResult:
        """``gh api PATH`` on the host ``gh secret set`` uses: GH_HOST's, else github.com.

        Without GH_HOST, gh api would pick the only host in gh's config; with it, gh api uses it
        (and gh 2.23 refuses ``--hostname HOST:PORT``).
        """
        pin = [] if env.get("GH_HOST") else ["--hostname", host]
        return await ctx.run([self._gh, "api", *pin, path], env=dict(env), timeout=ctx.timeout)

    def _login_problem(self, host: str, env: Mapping[str, str], status: CommandResult) -> str:
        said = status.stderr + "\n" + status.stdout
        from_env = next((name for name in token_variables(host) if env.get(name)), None)
        if from_env and re.search(r"no longer valid|authentication failed|401", said):
            return f"{host} refused the token in {from_env}: {login_hint(host)}"
        return f"gh has no valid token for {host}: {login_hint(host)}"

    async def _target_problem(
        self, ctx: ConsumerContext, env: Mapping[str, str], host: str, probe: CommandResult
    ) -> str:
        found = http_status(probe.stderr)
        if found is None:
            return (
                f"gh api {self.public_key_path()} failed: {one_line(probe.stderr or probe.stdout)}"
            )
        status, message = found[0], _message(probe.stdout) or found[1]
        repo_exists = None
        if status == 404 and self._env:
            repo_exists = (await self._api(ctx, env, host, f"repos/{self._repo}")).returncode == 0
        return self._explain(host, status, message, repo_exists)

    def _explain(self, host: str, status: int, message: str, repo_exists: bool | None) -> str:
        """One line for GitHub's answer, saying what to change."""
        message = one_line(message, 160) if message else ""
        if status == 401:
            return f"{host} refused the token ({message or 'Bad credentials'}): {login_hint(host)}"
        if status == 403 and self._org:
            return (
                f"the token for {host} may not manage Actions secrets of organization "
                f"{self._org} ({message or 'HTTP 403'}): it needs the organization Secrets read "
                "and write permission (fine-grained token or app) or the admin:org scope "
                "(classic token)"
            )
        if status == 404 and self._org:
            return (
                f"organization {self._org} not found on {host}, or the token cannot see its "
                "secrets (HTTP 404)"
            )
        if status == 403:
            return (
                f"the token for {host} may not manage Actions secrets of {self._repo} "
                f"({message or 'HTTP 403'}): it needs the Secrets read and write permission "
                "(fine-grained token or app) or the repo scope (classic token)"
            )
        if status == 404 and repo_exists:
            return (
                f"environment {self._env} not found in {self._repo} on {host} (HTTP 404): "
                "create it under Settings → Environments, or fix env"
            )
        if status == 404:
            what = f"repository {self._repo}" + (
                f" or its environment {self._env}" if self._env and repo_exists is None else ""
            )
            return f"{what} not found on {host}, or the token cannot see it (HTTP 404)"
        if status == 422:
            return f"GitHub refused the secret {self.spec.var}: {message} (HTTP 422)"
        return f"{host} answered HTTP {status}: {message}"

    async def write(self, secret: Secret, ctx: ConsumerContext) -> WriteOutcome:
        env = self.child_env(ctx)
        result = await ctx.run(self.argv(), stdin=secret, env=env, timeout=ctx.timeout)
        if result.returncode == 4:  # exitAuth, cli/cli cmd/gh/main.go: gh has no token
            host = gh_host(env)
            raise RotuiError(
                f"gh secret set failed for {self._target}",
                f"gh has no valid token for {host}: {login_hint(host)}",
            )
        if result.returncode != 0:
            said = one_line(result.stderr) if result.stderr.strip() else None
            raise RotuiError(
                f"gh secret set failed for {self._target}",
                self._write_problem(gh_host(env), said)
                if said
                else f"exit status {result.returncode}",
            )
        return WriteOutcome(f"set {self.spec.var} on GitHub {self._target} (not readable back)")

    def _write_problem(self, host: str, said: str) -> str:
        found = http_status(said)
        return self._explain(host, found[0], found[1], None) if found else said


def _message(stdout: str) -> str:
    """GitHub's ``message`` from the JSON error body ``gh api`` prints on stdout."""
    try:
        document = json.loads(stdout)
    except ValueError:
        return ""
    message = document.get("message") if isinstance(document, dict) else None
    return one_line(message, 120) if isinstance(message, str) else ""
