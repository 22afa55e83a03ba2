"""The GitHub consumer driven through the REAL ``gh`` against a local HTTPS GitHub.

``tests/support/github_fake.py`` opens every sealed box gh sends, so these tests assert the exact
value GitHub would hold, and its errors are GitHub's, so the messages here are the ones an
operator would read. gh reaches it as an Enterprise host (``GH_HOST``, ``GH_ENTERPRISE_TOKEN``)
and trusts its CA through ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rotui.core.consumers.base import ConsumerContext, run_command
from rotui.core.consumers.fields import ConsumerSpec, consumer_spec
from rotui.core.consumers.github import GithubConsumer
from rotui.core.errors import ConfigError, RotuiError
from rotui.core.model import Consumer, ConsumerKind
from rotui.core.secret import MemoryKeyring, Secret, SecretStore
from rotui.demo import fake_key

GH = shutil.which("gh")
pytestmark = pytest.mark.skipif(
    GH is None, reason="needs the real GitHub CLI: run .ci/run, or apt-get install gh"
)
pytest.importorskip("nacl", reason="PyNaCl opens gh's sealed boxes: pip install -e '.[test]'")
pytest.importorskip("cryptography", reason="makes the fake GitHub's CA")

from tests.support.github_fake import GithubFake, gh_environ  # noqa: E402

NEW = fake_key("gh-new")
OLD = fake_key("gh-old")
ADMIN = fake_key("gh-admin")
VAR = "ANTHROPIC_API_KEY"
GOOD, NO_SECRETS = "tok-good", "tok-no-secrets"


@pytest.fixture
def github(tmp_path: Path) -> Iterator[GithubFake]:
    with GithubFake(tmp_path / "certs") as fake:
        fake.add_token(GOOD)
        fake.add_token(NO_SECRETS, secrets_access=False)
        fake.add_repo("acme/api", environments=("prod",))
        yield fake


@pytest.fixture
async def http() -> Any:
    async with httpx.AsyncClient() as client:
        yield client


class Recorder:
    """``ctx.run`` that remembers each child's argv and environment."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], dict[str, str]]] = []

    async def __call__(self, argv: list[str], **kwargs: Any) -> Any:
        self.calls.append((list(argv), dict(kwargs.get("env") or {})))
        return await run_command(argv, **kwargs)


def context(
    github: GithubFake, tmp_path: Path, http: httpx.AsyncClient, token: str | None = GOOD
) -> ConsumerContext:
    env = gh_environ(github, tmp_path / "gh-config", token, os.environ.get("PATH", os.defpath))
    env["ANTHROPIC_ADMIN_KEY"] = ADMIN  # read through env: by rotui; gh must never see it
    return ConsumerContext(
        http=http,
        store=SecretStore(MemoryKeyring(), environ=env),
        fingerprint=lambda s: s.fingerprint(b"k"),
        environ=env,
        run=Recorder(),
        timeout=20,
    )


def spec(**fields: Any) -> ConsumerSpec:
    consumer = Consumer("ci", ConsumerKind.GITHUB, {"name": "ci", "kind": "github", **fields})
    return consumer_spec(consumer, VAR, "keys[0].consumers[0]", "<config>")


async def test_real_gh_puts_the_exact_value_github_will_hold(
    github: GithubFake, tmp_path: Path, http: httpx.AsyncClient
) -> None:
    ctx = context(github, tmp_path, http)
    repo = GithubConsumer(spec(repo="acme/api"))
    env = GithubConsumer(spec(repo="acme/api", env="prod", var="OPENAI_KEY"))
    assert await repo.preflight(ctx) == [] and await env.preflight(ctx) == []
    assert github.writes() == 0  # the dry run reads only
    for value in (OLD, NEW):  # a second write replaces the value (201, then 204)
        await repo.write(Secret(value), ctx)
        await env.write(Secret(value), ctx)
    assert github.secret("acme/api", VAR) == NEW
    assert github.secret("acme/api", "OPENAI_KEY", env="prod") == NEW
    assert github.secret("acme/api", "OPENAI_KEY") is None  # not the repository's
    assert github.writes() == 4
    recorder = ctx.run
    assert isinstance(recorder, Recorder)
    for argv, child_env in recorder.calls:
        assert NEW not in " ".join(argv) and OLD not in " ".join(argv)
        assert ADMIN not in child_env.values() and "ANTHROPIC_ADMIN_KEY" not in child_env
        assert child_env["GH_ENTERPRISE_TOKEN"] == GOOD
    # The dry run asks gh about the host actually used (the active account where gh has
    # several, from gh 2.40) and the target's own public key.
    asked = [argv[1:] for argv, _ in recorder.calls]
    assert ["auth", "status"] not in asked
    assert ["auth", "status", "--hostname", github.host, "--active"] in asked
    assert ["api", "repos/acme/api/actions/secrets/public-key"] in asked
    assert "api" not in [argv[1] for argv, _ in recorder.calls[-4:]]  # the writes only set


def one_line(text: str) -> str:
    assert "\n" not in text and "\t" not in text, text
    return text


@pytest.mark.parametrize(
    ("case", "fields", "token", "expected"),
    [
        ("no token", {}, None, "gh has no valid token for {host}: run `gh auth login --hostname"),
        ("bad token", {}, "tok-wrong", "{host} refused the token in GH_ENTERPRISE_TOKEN"),
        ("404 repo", {"repo": "acme/gone"}, GOOD, "repository acme/gone not found on {host}"),
        ("404 env", {"env": "staging"}, GOOD, "environment staging not found in acme/api"),
        (
            "403",
            {},
            NO_SECRETS,
            "may not manage Actions secrets of acme/api (Resource not accessible by integration)",
        ),
    ],
)
async def test_the_dry_run_catches_what_the_write_would_hit(
    github: GithubFake,
    tmp_path: Path,
    http: httpx.AsyncClient,
    case: str,
    fields: dict[str, str],
    token: str | None,
    expected: str,
) -> None:
    ctx = context(github, tmp_path, http, token)
    adapter = GithubConsumer(spec(**{"repo": "acme/api", **fields}))
    problems = await adapter.preflight(ctx)
    assert len(problems) == 1, case
    assert expected.format(host=github.host) in one_line(problems[0]), problems
    if token is None:
        assert "set GH_ENTERPRISE_TOKEN (GH_TOKEN is only for github.com)" in problems[0]
    with pytest.raises(RotuiError) as caught:
        await adapter.write(Secret(NEW), ctx)
    assert NEW not in str(caught.value)
    one_line(caught.value.message)
    assert github.writes() == 0 and github.secret("acme/api", VAR) is None


async def test_gh_errors_become_one_clear_line(
    github: GithubFake, tmp_path: Path, http: httpx.AsyncClient
) -> None:
    """A name GitHub refuses (422) reaches the write only past the config check; gh's multi-line
    error ("1 error occurred:\\n\\t* failed to set secret ...") must still read as one line."""
    ctx = context(github, tmp_path, http)
    checked = spec(repo="acme/api", var="DEPLOY_KEY")
    refused = ConsumerSpec(**{**checked.__dict__, "var": "GITHUB_DEPLOY_KEY"})
    with pytest.raises(RotuiError) as caught:
        await GithubConsumer(refused).write(Secret(NEW), ctx)
    assert one_line(caught.value.message) == (
        "GitHub refused the secret GITHUB_DEPLOY_KEY: Secret names must not start with GITHUB_. "
        "(HTTP 422)"
    )
    gone = GithubConsumer(spec(repo="acme/gone"))
    with pytest.raises(RotuiError) as caught:
        await gone.write(Secret(NEW), ctx)
    assert caught.value.message == (
        f"repository acme/gone not found on {github.host}, or the token cannot see it (HTTP 404)"
    )


@pytest.mark.parametrize(
    ("var", "why"),
    [
        ("GITHUB_TOKEN", "GITHUB_"),
        ("github_pat", "GITHUB_"),  # GitHub's names are case-insensitive
    ],
)
def test_secret_names_github_refuses_fail_at_config_time(var: str, why: str) -> None:
    with pytest.raises(ConfigError) as caught:
        spec(repo="acme/api", var=var)
    assert "keys[0].consumers[0].var" in caught.value.message and why in caught.value.message
    assert "not a GitHub secret name" in caught.value.message


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("GITHUB_APP_KEY", "GITHUB_"),
        ("anthropic-prod", "only letters, digits and _"),
        ("9LIVES", "must not start with a number"),
    ],
)
def test_a_key_name_github_refuses_fails_at_config_time_too(key: str, why: str) -> None:
    """Without ``var`` the secret is named after the key, whose own rules are looser."""
    consumer = Consumer("ci", ConsumerKind.GITHUB, {"name": "ci", "kind": "github", "repo": "o/r"})
    with pytest.raises(ConfigError) as caught:
        consumer_spec(consumer, key, "keys[0].consumers[0]", "<config>")
    assert "(the key's name, keys[0].name; set var to choose another)" in caught.value.message
    assert why in caught.value.message


async def test_a_stale_second_host_does_not_fail_the_host_in_use(
    github: GithubFake, tmp_path: Path, http: httpx.AsyncClient
) -> None:
    ctx = context(github, tmp_path, http, token=None)
    config = tmp_path / "gh-config"
    config.mkdir(exist_ok=True)
    # gh's hosts.yml (internal/config), as `gh auth login` leaves it: the host in use, and a
    # second host logged in long ago whose token was revoked since.
    (config / "hosts.yml").write_text(
        f"{github.host}:\n    oauth_token: {GOOD}\n    user: octocat\n    git_protocol: https\n"
        f"localhost:{github.port}:\n    oauth_token: tok-revoked\n    user: old\n"
        "    git_protocol: https\n"
    )
    plain = subprocess.run(
        [str(GH), "auth", "status"], env=dict(ctx.environ), capture_output=True, text=True
    )
    assert plain.returncode == 1, plain.stderr  # what the old dry run ran
    adapter = GithubConsumer(spec(repo="acme/api"))
    assert await adapter.preflight(ctx) == []
    await adapter.write(Secret(NEW), ctx)
    assert github.secret("acme/api", VAR) == NEW


async def test_github_com_without_a_token_is_told_about_gh_token(
    tmp_path: Path, http: httpx.AsyncClient
) -> None:
    """github.com, no token: gh stops before any request (exit 4), so this runs offline; a proxy
    that nobody serves catches any request all the same."""
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(tmp_path),
        "GH_CONFIG_DIR": str(tmp_path / "gh-config"),
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "GH_NO_UPDATE_NOTIFIER": "1",
    }
    ctx = ConsumerContext(
        http=http,
        store=SecretStore(MemoryKeyring(), environ=env),
        fingerprint=lambda s: s.fingerprint(b"k"),
        environ=env,
        timeout=20,
    )
    adapter = GithubConsumer(spec(repo="acme/api"))
    hint = "gh has no valid token for github.com: run `gh auth login` or set GH_TOKEN"
    assert await adapter.preflight(ctx) == [hint]
    with pytest.raises(RotuiError) as caught:
        await adapter.write(Secret(NEW), ctx)
    assert caught.value.message == hint


@pytest.mark.parametrize(
    ("visibility", "repos", "selected"),
    [("all", None, ()), ("private", None, ()), ("selected", ["api", "acme/web"], (1000, 1001))],
)
async def test_real_gh_sets_an_organization_secret_keeping_its_visibility(
    github: GithubFake,
    tmp_path: Path,
    http: httpx.AsyncClient,
    visibility: str,
    repos: list[str] | None,
    selected: tuple[int, ...],
) -> None:
    """``gh secret set --org`` alone makes the secret private (set.go's flag default): rotui
    always passes the configured visibility, and for selected the repositories gh resolves."""
    github.add_repo("acme/web")
    github.add_org("acme")
    ctx = context(github, tmp_path, http)
    fields: dict[str, Any] = {"org": "acme", "visibility": visibility}
    if repos:
        fields["repos"] = repos
    adapter = GithubConsumer(spec(**fields))
    assert await adapter.preflight(ctx) == []
    await adapter.write(Secret(NEW), ctx)
    assert github.org_secret("acme", VAR) == (NEW, visibility, selected)
    assert github.secret("acme/api", VAR) is None  # not a repository secret
    recorder = ctx.run
    assert isinstance(recorder, Recorder)
    asked = [argv[1:] for argv, _ in recorder.calls]
    assert ["api", "orgs/acme/actions/secrets/public-key"] in asked
    assert all(NEW not in " ".join(argv) for argv, _ in recorder.calls)


async def test_an_organization_the_token_cannot_reach_is_named(
    github: GithubFake, tmp_path: Path, http: httpx.AsyncClient
) -> None:
    github.add_org("acme")
    missing = GithubConsumer(spec(org="nope", visibility="all"))
    problems = await missing.preflight(context(github, tmp_path, http))
    assert problems == [
        f"organization nope not found on {github.host}, or the token cannot see its secrets "
        "(HTTP 404)"
    ]
    refused = GithubConsumer(spec(org="acme", visibility="all"))
    [problem] = await refused.preflight(context(github, tmp_path, http, NO_SECRETS))
    assert "organization acme" in problem and "admin:org" in problem
    unknown = GithubConsumer(spec(org="acme", visibility="selected", repos=["ghost"]))
    with pytest.raises(RotuiError) as caught:
        await unknown.write(Secret(NEW), context(github, tmp_path, http))
    assert "ghost" in caught.value.message and NEW not in str(caught.value)
    assert github.org_secret("acme", VAR) is None


@pytest.mark.parametrize(
    ("fields", "where", "why"),
    [
        ({"org": "acme"}, "visibility", "gh would make the secret private"),
        ({"org": "acme", "visibility": "secret"}, "visibility", "all, private or selected"),
        ({"org": "acme", "visibility": "selected"}, "repos", "go with visibility selected"),
        ({"org": "acme", "visibility": "all", "repos": ["api"]}, "repos", "visibility selected"),
        ({"org": "acme", "visibility": "all", "env": "prod"}, "env", "use repo, not org"),
        ({"org": "acme", "repo": "acme/api", "visibility": "all"}, "org", "not both"),
        ({"repo": "acme/api", "visibility": "all"}, "visibility", "only for an organization"),
        ({}, "repo", "needs repo (OWNER/REPO) or org"),
        ({"org": "-acme", "visibility": "all"}, "org", "not a GitHub organization name"),
    ],
)
def test_an_organization_secret_is_checked_at_config_time(
    fields: dict[str, Any], where: str, why: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        spec(**fields)
    assert f"keys[0].consumers[0].{where}" in caught.value.message
    assert why in caught.value.message
