"""Each consumer kind writes the key idempotently, reads it back where it can, and fails clearly.

Every adapter runs against its simulator over real HTTP on loopback, or a fake ``gh`` / a small
script as a child process; none of them may leave a key value in a log, an argv or a message.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rotui.core.consumers.base import ConsumerAdapter, ConsumerContext
from rotui.core.consumers.command import CommandConsumer
from rotui.core.consumers.env_file import EnvFileConsumer, read_value, rewrite
from rotui.core.consumers.fields import ConsumerSpec, consumer_spec
from rotui.core.consumers.github import GithubConsumer
from rotui.core.consumers.heroku import HerokuConsumer
from rotui.core.consumers.infisical import InfisicalConsumer
from rotui.core.consumers.manual import ManualConsumer
from rotui.core.consumers.registry import adapter_for
from rotui.core.errors import ConfigError, RotuiError
from rotui.core.model import Consumer, ConsumerKind
from rotui.core.secret import MemoryKeyring, Secret, SecretStore
from rotui.demo import fake_key
from rotui.sim.downstream import DownstreamSim
from rotui.sim.heroku import HerokuSim
from rotui.sim.infisical import InfisicalSim

NEW = fake_key("consumer-new")
OLD = fake_key("consumer-old")
VAR = "ANTHROPIC_API_KEY"
TOKENS = {"HEROKU_API_KEY": "tok", "INFISICAL_TOKEN": "itok"}


def fingerprint(secret: Secret) -> str:
    return secret.fingerprint(b"k")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def spec(kind: str, **fields: Any) -> ConsumerSpec:
    consumer = Consumer(
        f"{kind}-1", ConsumerKind(kind), {"name": f"{kind}-1", "kind": kind, **fields}
    )
    return consumer_spec(consumer, VAR, "keys[0].consumers[0]", "<config>")


def context(http: httpx.AsyncClient, **environ: str) -> ConsumerContext:
    env = {"PATH": os.environ.get("PATH", os.defpath), **TOKENS, **environ}
    store = SecretStore(MemoryKeyring(), environ=env)
    return ConsumerContext(http=http, store=store, fingerprint=fingerprint, environ=env, timeout=5)


async def fails(adapter: ConsumerAdapter, ctx: ConsumerContext, value: str = NEW) -> RotuiError:
    with pytest.raises(RotuiError) as caught:
        await adapter.write(Secret(value), ctx)
    assert NEW not in str(caught.value) and OLD not in str(caught.value)
    return caught.value


def dead_url() -> str:
    """A loopback address nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def ctx(http: httpx.AsyncClient) -> ConsumerContext:
    return context(http)


@pytest.fixture
def heroku() -> Iterator[HerokuSim]:
    with HerokuSim(tokens=("tok",), apps={"raxx-api-prod": {"OTHER": "x", VAR: OLD}}) as sim:
        yield sim
    assert NEW not in repr(sim.requests()) and OLD not in repr(sim.requests())


@pytest.fixture
def infisical() -> Iterator[InfisicalSim]:
    with InfisicalSim(tokens=("itok",)) as sim:
        yield sim
    assert NEW not in repr(sim.requests())


def heroku_spec(sim: HerokuSim | None, **fields: Any) -> ConsumerSpec:
    api = sim.base_url if sim else dead_url()
    return spec("heroku", **{"app": "raxx-api-prod", "api_url": api, **fields})


async def test_heroku_write_reads_back_and_is_idempotent(
    heroku: HerokuSim, ctx: ConsumerContext
) -> None:
    adapter = HerokuConsumer(heroku_spec(heroku))
    assert adapter.describe() == f"Heroku app raxx-api-prod · {VAR}"
    for _ in range(2):
        outcome = await adapter.write(Secret(NEW), ctx)
        assert outcome.matches is True and "raxx-api-prod" in outcome.detail
        assert heroku.config_vars("raxx-api-prod") == {"OTHER": "x", VAR: NEW}
    assert heroku.writes("raxx-api-prod") == 2
    assert (
        heroku.requests()
        == [
            ("PATCH", "/apps/raxx-api-prod/config-vars"),
            ("GET", "/apps/raxx-api-prod/config-vars"),
        ]
        * 2
    )
    assert "x" not in outcome.detail.split() and NEW not in outcome.detail


@pytest.mark.parametrize(
    ("fields", "tokens", "title"),
    [
        ({}, {"HEROKU_API_KEY": "wrong"}, "Heroku token refused"),
        ({"app": "nope"}, {}, "Heroku app nope not found"),
        ({"token": "env:NO_SUCH_TOKEN"}, {}, "no token for HEROKU_API_KEY"),
    ],
    ids=["bad-token", "unknown-app", "no-token"],
)
async def test_heroku_errors_are_named(
    heroku: HerokuSim,
    http: httpx.AsyncClient,
    fields: dict[str, str],
    tokens: dict[str, str],
    title: str,
) -> None:
    error = await fails(HerokuConsumer(heroku_spec(heroku, **fields)), context(http, **tokens))
    assert error.title == title
    assert heroku.config_vars("raxx-api-prod")[VAR] == OLD
    if "refused" in title:
        assert "HEROKU_API_KEY" in error.message


async def test_heroku_outage_rate_limit_and_unreachable(
    heroku: HerokuSim, ctx: ConsumerContext
) -> None:
    adapter = HerokuConsumer(heroku_spec(heroku))
    heroku.fail_next(1, status=503)
    assert (await fails(adapter, ctx)).title == "Heroku answered HTTP 503"
    heroku.fail_next(1, status=429)
    assert "rate limit" in (await fails(adapter, ctx)).title
    heroku.fail_next(1, status=403)
    assert "refused access" in (await fails(adapter, ctx)).title
    assert heroku.config_vars("raxx-api-prod")[VAR] == OLD
    unreachable = await fails(HerokuConsumer(heroku_spec(None)), ctx)
    assert unreachable.title == "cannot reach Heroku" and "ConnectError" in unreachable.message


async def test_heroku_read_back_mismatch_and_absence() -> None:
    stored: dict[str, str] = {}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            return httpx.Response(200, json={"EVERYTHING": "secret"})
        return httpx.Response(200, json=stored)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        adapter = HerokuConsumer(spec("heroku", app="a", api_url="http://heroku.invalid"))
        absent = await adapter.write(Secret(NEW), context(client))
        stored[VAR] = OLD
        differs = await adapter.write(Secret(NEW), context(client))
    assert absent.matches is False and "absent" in absent.detail
    assert differs.matches is False and "differs" in differs.detail
    assert "EVERYTHING" not in absent.detail + differs.detail


async def test_heroku_preflight(heroku: HerokuSim, http: httpx.AsyncClient) -> None:
    assert await HerokuConsumer(heroku_spec(heroku)).preflight(context(http)) == []
    refused = await HerokuConsumer(heroku_spec(heroku)).preflight(
        context(http, HEROKU_API_KEY="bad")
    )
    assert len(refused) == 1 and "token refused" in refused[0]
    missing = await HerokuConsumer(heroku_spec(heroku, app="nope")).preflight(context(http))
    assert "not found" in missing[0]
    assert "cannot reach" in (await HerokuConsumer(heroku_spec(None)).preflight(context(http)))[0]
    assert heroku.config_vars("raxx-api-prod")[VAR] == OLD and heroku.writes("raxx-api-prod") == 0


def infisical_spec(sim: InfisicalSim | None, **fields: Any) -> ConsumerSpec:
    api = sim.base_url if sim else dead_url()
    return spec(
        "infisical", **{"project_id": "proj", "environment": "prod", "api_url": api, **fields}
    )


async def test_infisical_creates_then_updates(
    infisical: InfisicalSim, ctx: ConsumerContext
) -> None:
    adapter = InfisicalConsumer(infisical_spec(infisical))
    assert adapter.describe() == f"Infisical project proj prod:/ · {VAR}"
    created = await adapter.write(Secret(OLD), ctx)
    assert created.matches is True and created.detail.startswith("created")
    for _ in range(2):
        updated = await adapter.write(Secret(NEW), ctx)
        assert updated.matches is True and updated.detail.startswith("updated")
    assert infisical.value("proj", "prod", "/", VAR) == NEW
    assert infisical.writes() == 3
    methods = [method for method, _ in infisical.requests()]
    assert methods == ["PATCH", "POST", "GET"] + ["PATCH", "GET"] * 2
    assert OLD not in repr(infisical.requests())


async def test_infisical_errors(infisical: InfisicalSim, http: httpx.AsyncClient) -> None:
    adapter = InfisicalConsumer(infisical_spec(infisical, path="/app"))
    refused = await fails(adapter, context(http, INFISICAL_TOKEN="nope"))
    assert refused.title == "Infisical token refused" and "INFISICAL_TOKEN" in refused.message
    infisical.fail_next(1, status=503)
    assert (await fails(adapter, context(http))).title == "Infisical answered HTTP 503"
    assert infisical.value("proj", "prod", "/app", VAR) is None
    unreachable = await fails(InfisicalConsumer(infisical_spec(None)), context(http))
    assert unreachable.title == "cannot reach Infisical"


async def test_infisical_preflight(infisical: InfisicalSim, http: httpx.AsyncClient) -> None:
    adapter = InfisicalConsumer(infisical_spec(infisical))
    assert await adapter.preflight(context(http)) == []  # 404: the token works, no secret yet
    infisical.put("proj", "prod", "/", VAR, OLD)
    assert await adapter.preflight(context(http)) == []
    refused = await adapter.preflight(context(http, INFISICAL_TOKEN="bad"))
    assert "token refused" in refused[0]
    assert infisical.writes() == 0


# The GitHub consumer's writes, dry run and failures run the real gh: test_github_real_gh.py.
# These need no gh: what rotui makes of gh's text, as gh 2.23 prints it against GitHub.


def test_gh_multi_line_errors_read_as_one_line() -> None:
    from rotui.core.consumers.github import http_status, one_line

    multi = (
        '1 error occurred:\n\t* failed to set secret "GITHUB_X": HTTP 422: Secret names must '
        "not start with GITHUB_. (https://api.github.com/repos/o/r/actions/secrets/GITHUB_X)\n\n\n"
    )
    assert one_line(multi) == (
        'failed to set secret "GITHUB_X": HTTP 422: Secret names must not start with GITHUB_. '
        "(https://api.github.com/repos/o/r/actions/secrets/GITHUB_X)"
    )
    assert http_status(multi) == (422, "Secret names must not start with GITHUB_.")
    unauthorized = (
        "failed to fetch public key: HTTP 401: Bad credentials "
        "(https://api.github.com/repos/o/r/actions/secrets/public-key)\n"
        "Try authenticating with:  gh auth login\n"
    )
    assert "Try" not in one_line(unauthorized) and http_status(unauthorized) == (
        401,
        "Bad credentials",
    )
    assert http_status("gh: Resource not accessible by integration (HTTP 403)\n") == (
        403,
        "Resource not accessible by integration",
    )


def test_guidance_names_the_token_variable_gh_reads_for_the_host() -> None:
    from rotui.core.consumers.github import gh_host, login_hint

    assert gh_host({}) == "github.com" and gh_host({"GH_HOST": "GHE.Corp.example"}) == (
        "ghe.corp.example"
    )
    assert login_hint("github.com") == "run `gh auth login` or set GH_TOKEN"
    assert login_hint("acme.ghe.com") == "run `gh auth login` or set GH_TOKEN"  # GHE.com: GH_TOKEN
    assert login_hint("ghe.corp.example") == (
        "run `gh auth login --hostname ghe.corp.example` or set GH_ENTERPRISE_TOKEN "
        "(GH_TOKEN is only for github.com)"
    )


async def test_github_preflight_without_gh(tmp_path: Path, ctx: ConsumerContext) -> None:
    adapter = GithubConsumer(spec("github", repo="acme/api", gh=str(tmp_path / "no-gh")))
    problems = await adapter.preflight(ctx)
    assert len(problems) == 1 and "not found" in problems[0]
    assert "not found" in (await fails(adapter, ctx)).title


def env_spec(path: Path | str) -> ConsumerSpec:
    return spec("env-file", path=str(path))


async def test_env_file_keeps_every_other_byte_and_the_mode(
    tmp_path: Path, ctx: ConsumerContext
) -> None:
    path = tmp_path / ".env"
    before = f"# keys\n\nexport {VAR}={OLD}\nOTHER=1 # keep\n  {VAR}_OLD=z\n"
    path.write_text(before)
    path.chmod(0o640)
    adapter = EnvFileConsumer(env_spec(path))
    assert adapter.describe() == f"env file {path} · {VAR}"
    outcome = await adapter.write(Secret(NEW), ctx)
    assert outcome.matches is True and outcome.detail.startswith("replaced")
    assert path.read_text() == before.replace(OLD, NEW)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    again = await adapter.write(Secret(NEW), ctx)
    assert again.matches is True and "already up to date" in again.detail
    assert path.read_text() == before.replace(OLD, NEW)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env", "home"]  # no temp file left


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (f"A=1\r\n{VAR}=old\r\n# c\r\n", f"A=1\r\n{VAR}={NEW}\r\n# c\r\n"),
        ("A=1\r\n", f"A=1\r\n{VAR}={NEW}\r\n"),
        ("A=1", f"A=1\n{VAR}={NEW}\n"),
        ("", f"{VAR}={NEW}\n"),
        (f'{VAR}="o\\"ld" # quoted\n', f'{VAR}="{NEW}" # quoted\n'),
        (f"{VAR} = 'old'  \nB=2\n", f"{VAR} = '{NEW}'  \nB=2\n"),
        (f"  export {VAR}=old #c\n", f"  export {VAR}={NEW} #c\n"),
        (f"{VAR}=a\n{VAR}=b\n", f"{VAR}={NEW}\n{VAR}={NEW}\n"),
        (f"#{VAR}=c\n{VAR}X=d\n", f"#{VAR}=c\n{VAR}X=d\n{VAR}={NEW}\n"),
    ],
    ids=[
        "crlf",
        "crlf-append",
        "no-final-newline",
        "empty",
        "double-quoted",
        "single-quoted",
        "export-comment",
        "twice",
        "lookalikes",
    ],
)
async def test_env_file_line_forms(
    tmp_path: Path, ctx: ConsumerContext, before: str, after: str
) -> None:
    path = tmp_path / "app.env"
    path.write_bytes(before.encode())
    outcome = await EnvFileConsumer(env_spec(path)).write(Secret(NEW), ctx)
    assert path.read_bytes() == after.encode()
    assert outcome.matches is True
    parsed = read_value(path.read_bytes(), VAR)
    assert parsed is not None and parsed.same_as(Secret(NEW))


@pytest.mark.parametrize("value", ["a b", "it's", 'say "hi" \\', "#x", "plain"])
@pytest.mark.parametrize("before", ["", "K=old\n", "K='old'\n", 'K="old" # c\n'])
def test_env_file_values_round_trip_in_any_quoting(before: str, value: str) -> None:
    content, _ = rewrite(before.encode(), "K", Secret(value))
    found = read_value(content, "K")
    assert found is not None and found.reveal() == value


def test_env_file_refuses_a_line_break_in_the_value() -> None:
    with pytest.raises(RotuiError, match="line break"):
        rewrite(b"K=old\n", "K", Secret("a\nB=injected"))


async def test_env_file_created_0600_under_home_and_a_symlink_refused(
    isolated_home: Path, ctx: ConsumerContext
) -> None:
    (isolated_home / "app").mkdir()
    outcome = await EnvFileConsumer(env_spec("~/app/.env")).write(Secret(NEW), ctx)
    created = isolated_home / "app" / ".env"
    assert "created" in outcome.detail and "0600" in outcome.detail and outcome.matches is True
    assert stat.S_IMODE(created.stat().st_mode) == 0o600
    assert created.read_text() == f"{VAR}={NEW}\n"
    link = isolated_home / "app" / "link.env"
    link.symlink_to(created)
    error = await fails(EnvFileConsumer(env_spec(link)), ctx, OLD)
    assert "symbolic link" in error.message  # followed only with allow_symlink = true
    assert link.is_symlink() and created.read_text() == f"{VAR}={NEW}\n"


async def test_env_file_missing_directory(tmp_path: Path, ctx: ConsumerContext) -> None:
    adapter = EnvFileConsumer(env_spec(tmp_path / "nowhere" / ".env"))
    error = await fails(adapter, ctx)
    assert "does not exist" in error.message and not (tmp_path / "nowhere").exists()
    assert "does not exist" in (await adapter.preflight(ctx))[0]


def _as_unprivileged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Root ignores permission bits; make os.access answer as an ordinary owner would."""
    if os.geteuid() != 0:
        return
    real = os.access

    def access(path: Any, mode: int, **kwargs: Any) -> bool:
        bits = stat.S_IMODE(os.stat(path).st_mode)
        wanted = (mode & os.W_OK and not bits & stat.S_IWUSR) or (
            mode & os.X_OK and not bits & stat.S_IXUSR
        )
        return False if wanted else real(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)


async def test_env_file_read_only_directory_or_file_leaves_it_untouched(
    tmp_path: Path, ctx: ConsumerContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    _as_unprivileged(monkeypatch)
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / ".env"
    path.write_text(f"{VAR}={OLD}\n")
    adapter = EnvFileConsumer(env_spec(path))
    try:
        folder.chmod(0o555)
        assert "read-only" in (await fails(adapter, ctx)).message
        assert "read-only" in (await adapter.preflight(ctx))[0]
        assert [p.name for p in folder.iterdir()] == [".env"]
        folder.chmod(0o755)
        path.chmod(0o444)
        assert "read-only" in (await fails(adapter, ctx)).message
    finally:
        folder.chmod(0o755)
    assert path.read_text() == f"{VAR}={OLD}\n"
    assert [p.name for p in folder.iterdir()] == [".env"]


async def test_env_file_failed_rename_leaves_no_temp_file(
    tmp_path: Path, ctx: ConsumerContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / ".env"
    path.write_text(f"{VAR}={OLD}\n")

    def refuse(*args: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    error = await fails(EnvFileConsumer(env_spec(path)), ctx)
    assert error.title == f"cannot write {path}" and "Permission denied" in error.message
    assert path.read_text() == f"{VAR}={OLD}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env", "home"]


RECORDER = """\
import hashlib, json, os, sys
value = os.environ.get("TARGET") if "--env" in sys.argv else sys.stdin.read()
json.dump({"sha256": hashlib.sha256((value or "").encode()).hexdigest(), "argv": sys.argv},
          open(sys.argv[1], "w"))
if "--fail" in sys.argv:
    sys.stderr.write("deploy hook refused\\n")
    sys.exit(3)
"""


@pytest.fixture
def recorder(tmp_path: Path) -> tuple[Path, Path]:
    script = tmp_path / "recorder.py"
    script.write_text(RECORDER)
    return script, tmp_path / "received.json"


async def test_command_via_stdin_and_env_var(
    recorder: tuple[Path, Path], ctx: ConsumerContext
) -> None:
    script, received = recorder
    stdin = CommandConsumer(spec("command", run=[sys.executable, str(script), str(received)]))
    assert stdin.describe().endswith("· stdin")
    assert (await stdin.write(Secret(NEW), ctx)).matches is None
    got = json.loads(received.read_text())
    assert got["sha256"] == sha256(NEW) and NEW not in " ".join(got["argv"])
    argv = [sys.executable, str(script), str(received), "--env"]
    env = CommandConsumer(spec("command", run=argv, env_var="TARGET"))
    assert env.describe().endswith("· $TARGET")
    outcome = await env.write(Secret(OLD), ctx)
    assert "$TARGET" in outcome.detail and outcome.matches is None
    got = json.loads(received.read_text())
    assert got["sha256"] == sha256(OLD) and OLD not in " ".join(got["argv"])
    assert "TARGET" not in ctx.environ


async def test_command_failure_and_preflight(
    recorder: tuple[Path, Path], tmp_path: Path, ctx: ConsumerContext
) -> None:
    script, received = recorder
    failing = CommandConsumer(
        spec("command", run=[sys.executable, str(script), str(received), "--fail"])
    )
    error = await fails(failing, ctx)
    assert error.title.endswith("exited 3") and "deploy hook refused" in error.message
    assert await failing.preflight(ctx) == []
    assert await CommandConsumer(spec("command", run=["sh"])).preflight(ctx) == []
    missing = await CommandConsumer(spec("command", run=["no-such-tool-xyz"])).preflight(ctx)
    assert missing == ["no-such-tool-xyz not found on PATH"]
    plain = tmp_path / "plain.sh"
    plain.write_text("#!/bin/sh\n")
    plain.chmod(0o644)
    assert (
        "not executable"
        in (await CommandConsumer(spec("command", run=[str(plain)])).preflight(ctx))[0]
    )
    assert (
        "not found"
        in (await fails(CommandConsumer(spec("command", run=["no-such-tool-xyz"])), ctx)).title
    )


DUMP_ENV = "import json, os, sys; json.dump(dict(os.environ), open(sys.argv[1], 'w'))"


async def test_children_get_the_environment_they_need_and_no_other_key(
    tmp_path: Path, http: httpx.AsyncClient
) -> None:
    """A command consumer and a verify command dump their environment: no secret arrived."""
    admin, other = fake_key("env-admin"), fake_key("env-other-key")
    ctx = context(
        http,
        HOME=str(tmp_path),
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
        HTTPS_PROXY="http://proxy.local:3128",
        ANTHROPIC_ADMIN_KEY=admin,  # the admin key, read through env:
        OTHER_SERVICE_KEY=other,  # another managed key's env: source
        DATABASE_URL="postgres://app:hunter2@db/app",  # anything else of rotui's
        GH_TOKEN="gho_not_for_commands",
        APP_MODE="production",
        AWS_PROFILE=other,  # named in pass_env, but it holds a key: withheld all the same
    )
    dumped = tmp_path / "env.json"
    command = CommandConsumer(
        spec(
            "command",
            run=[sys.executable, "-c", DUMP_ENV, str(dumped)],
            env_var="TARGET",
            pass_env=["APP_MODE", "AWS_PROFILE"],
            verify_command=[sys.executable, "-c", DUMP_ENV, str(tmp_path / "verify.json")],
        )
    )
    await command.write(Secret(NEW), ctx)
    verified = await command.verify(ctx)
    assert verified is not None and verified.ok
    for path, own in ((dumped, {"TARGET": NEW}), (tmp_path / "verify.json", {})):
        got = json.loads(path.read_text())
        got.pop("LC_CTYPE", None)  # Python may set it for its children on some platforms
        assert got == {
            "PATH": ctx.environ["PATH"],
            "HOME": str(tmp_path),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "HTTPS_PROXY": "http://proxy.local:3128",
            "APP_MODE": "production",
            **own,
        }, path
        assert admin not in json.dumps(got) and other not in json.dumps(got)


async def test_gh_gets_its_own_variables_and_no_other_key(
    tmp_path: Path, http: httpx.AsyncClient
) -> None:
    dumped = tmp_path / "gh-env.json"
    gh = tmp_path / "gh"
    gh.write_text(f"#!{sys.executable}\n{DUMP_ENV.replace('sys.argv[1]', repr(str(dumped)))}\n")
    gh.chmod(0o755)
    ctx = context(
        http,
        GH_HOST="ghe.example.com",
        GH_ENTERPRISE_TOKEN="ghe_token",
        GH_CONFIG_DIR=str(tmp_path / "gh-config"),
        GITHUB_TOKEN="ghp_token",
        SSL_CERT_FILE="/etc/ssl/ca.pem",
        ANTHROPIC_ADMIN_KEY=fake_key("gh-admin"),
    )
    await GithubConsumer(spec("github", repo="acme/api", gh=str(gh))).write(Secret(NEW), ctx)
    got = json.loads(dumped.read_text())
    got.pop("LC_CTYPE", None)
    assert got == {
        "PATH": ctx.environ["PATH"],
        "GH_HOST": "ghe.example.com",
        "GH_ENTERPRISE_TOKEN": "ghe_token",
        "GH_CONFIG_DIR": str(tmp_path / "gh-config"),
        "GITHUB_TOKEN": "ghp_token",
        "SSL_CERT_FILE": "/etc/ssl/ca.pem",
    }


def test_pass_env_takes_variable_names_only() -> None:
    with pytest.raises(ConfigError) as caught:
        spec("command", run=["true"], pass_env="APP_MODE")
    assert "pass_env" in caught.value.message and "array of variable names" in caught.value.message
    with pytest.raises(ConfigError):
        spec("command", run=["true"], pass_env=["APP MODE"])


async def test_manual_consumer_waits_for_the_operator(ctx: ConsumerContext) -> None:
    adapter = ManualConsumer(spec("manual", instructions="Update the key in the Vercel dashboard"))
    assert adapter.needs_operator is True
    assert adapter.describe() == "Update the key in the Vercel dashboard"
    assert await adapter.preflight(ctx) == []
    assert "--confirm-manual" in str(await fails(adapter, ctx))
    assert await adapter.verify(ctx) is None


def test_registry_covers_every_kind() -> None:
    specs = {
        ConsumerKind.HEROKU: spec("heroku", app="a"),
        ConsumerKind.GITHUB: spec("github", repo="o/r"),
        ConsumerKind.INFISICAL: spec("infisical", project_id="p", environment="prod"),
        ConsumerKind.ENV_FILE: spec("env-file", path="/tmp/x.env"),
        ConsumerKind.COMMAND: spec("command", run=["true"]),
        ConsumerKind.MANUAL: spec("manual", instructions="do it"),
    }
    assert set(specs) == set(ConsumerKind)
    for kind, checked in specs.items():
        adapter = adapter_for(checked)
        assert adapter.kind is kind and adapter.spec is checked
        assert adapter.needs_operator is (kind is ConsumerKind.MANUAL)


@pytest.fixture
def downstream() -> Iterator[tuple[DownstreamSim, dict[str, Any]]]:
    state: dict[str, Any] = {"status": 200, "body": {"anthropic": {"ok": True}}}
    with DownstreamSim(lambda: (state["status"], state["body"])) as app:
        yield app, state


async def test_verify_url(
    downstream: tuple[DownstreamSim, dict[str, Any]], ctx: ConsumerContext
) -> None:
    app, state = downstream
    plain = ManualConsumer(spec("manual", instructions="x", verify_url=app.url))
    checked = ManualConsumer(
        spec(
            "manual",
            instructions="x",
            verify_url=app.url,
            verify_json="anthropic.ok",
            verify_equals=True,
        )
    )
    assert (await plain.verify(ctx)) is not None
    assert (await plain.verify(ctx)).ok is True  # type: ignore[union-attr]
    assert (await checked.verify(ctx)).ok is True  # type: ignore[union-attr]
    state["body"] = {"anthropic": {"ok": False}}
    mismatch = await checked.verify(ctx)
    assert mismatch is not None and not mismatch.ok and "expected true" in mismatch.detail
    state["body"] = {"other": 1}
    assert "not found" in (await checked.verify(ctx)).detail  # type: ignore[union-attr]
    state["status"] = 503
    down = await plain.verify(ctx)
    assert down is not None and not down.ok and "503" in down.detail
    assert app.hits() == 6
    dead = ManualConsumer(spec("manual", instructions="x", verify_url=dead_url() + "/health"))
    unreachable = await dead.verify(ctx)
    assert unreachable is not None and not unreachable.ok and "unreachable" in unreachable.detail


async def test_verify_command(ctx: ConsumerContext) -> None:
    ok = ManualConsumer(
        spec("manual", instructions="x", verify_command=[sys.executable, "-c", "0"])
    )
    bad = ManualConsumer(
        spec(
            "manual",
            instructions="x",
            verify_command=[sys.executable, "-c", "import sys; sys.exit('app still down')"],
        )
    )
    passed, failed = await ok.verify(ctx), await bad.verify(ctx)
    assert passed is not None and passed.ok
    assert failed is not None and not failed.ok and "exited 1" in failed.detail
    assert "app still down" in failed.detail


async def test_env_file_write_removes_a_temp_file_left_by_a_crash(tmp_path) -> None:
    from rotui.core.consumers.env_file import _write_atomic

    target = tmp_path / ".env"
    target.write_text("A=1\n")
    leftover = tmp_path / "..env.abc123.rotui-tmp"  # mkstemp(prefix=".{name}.")
    leftover.write_text("A=sk-ant-api03-left-by-a-kill-9\n")
    _write_atomic(target, b"A=2\n", target.stat())
    assert target.read_text() == "A=2\n" and not leftover.exists()
    assert not list(tmp_path.glob("*.rotui-tmp"))
