"""``rotui holders``: every holder of a key found by fingerprint, classified, no value anywhere.

Against the simulated Heroku (an app no consumer names), the simulated Infisical (environments
and nested folders), and a generated file tree: dotenv files, a shell history, a binary file, a
FIFO, a dangling symlink, a file over the size bound and a git repository with the key in an old
commit.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rotui.cli import Context, build_parser, run
from rotui.config import parse_config
from rotui.core.audit import AuditLog
from rotui.core.errors import ConfigError
from rotui.core.holders.model import Held, Status
from rotui.core.holders.scan import ScanRequest, scan
from rotui.core.secret import MemoryKeyring, SecretStore, mask
from rotui.demo import fake_key
from rotui.paths import Paths
from rotui.sim.heroku import HerokuSim
from rotui.sim.infisical import InfisicalSim

KEY = "ANTHROPIC_API_KEY"
CURRENT = fake_key("holders-current")
PREVIOUS = fake_key("holders-previous")
STRAY = fake_key("holders-stray")  # an Anthropic key in no inventory
VALUES = (CURRENT, PREVIOUS, STRAY, "tok-h", "itok")


@pytest.fixture
def sims() -> Iterator[tuple[HerokuSim, InfisicalSim]]:
    heroku = HerokuSim(tokens=("tok-h",), apps={"api-prod": {KEY: CURRENT, "OTHER": "x"}})
    heroku.add_app("forgotten-worker", {"LLM_KEY": CURRENT, "PORT": "80"})
    heroku.add_app("old-staging", {KEY: PREVIOUS})
    infisical = InfisicalSim(tokens=("itok",))
    infisical.put("proj1", "prod", "/", KEY, CURRENT)
    infisical.put("proj1", "staging", "/services/batch", "CLAUDE", CURRENT)
    infisical.put("proj1", "dev", "/a/b/c", "OLD", PREVIOUS)
    infisical.put("proj1", "dev", "/", "NOT_A_KEY", "hello")
    with heroku, infisical:
        yield heroku, infisical


def make_tree(root: Path, home: Path) -> dict[str, Path]:
    """The generated tree: each kind of place, and the repository with the key in history."""
    app = root / "app"
    app.mkdir(parents=True)
    (app / ".env").write_text(f"DEBUG=1\n{KEY}={CURRENT}\n")  # the configured env_file
    (root / "service").mkdir()
    (root / "service" / ".env.local").write_text(
        f"# copied by hand\nexport CLAUDE_KEY='{CURRENT}'\n"
    )
    (root / "notes.txt").write_text(f"someone pasted {STRAY} here\n")
    (root / "blob.bin").write_bytes(b"\0\1\2" + CURRENT.encode() + b"\0")
    (root / "big.log").write_text("x" * 5000 + CURRENT)
    os.mkfifo(root / "pipe")
    (root / "gone").symlink_to(root / "nowhere")
    (home / ".bash_history").write_text(f"ls\nexport {KEY}={PREVIOUS}\ncurl ...\n")
    repo = root / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    (repo / "settings.py").write_text(f'KEY = "{CURRENT}"\n')
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "oops"], check=True)
    (repo / "settings.py").write_text('KEY = os.environ["ANTHROPIC_API_KEY"]\n')
    subprocess.run([*git, "commit", "-qam", "fix"], check=True)
    return {"app": app, "repo": repo}


def config_text(root: Path, heroku: str, infisical: str, extra: str = "") -> str:
    return f"""
[holders]
paths = ["{root}"]
git = true
max_file_bytes = 4096
{extra}

[[keys]]
name = "{KEY}"
source = "keyring"

[[keys.consumers]]
name = "heroku"
kind = "heroku"
app = "api-prod"
token = "env:HK"
api_url = "{heroku}"

[[keys.consumers]]
name = "infisical"
kind = "infisical"
project_id = "proj1"
environment = "prod"
token = "env:IK"
api_url = "{infisical}"

[[keys.consumers]]
name = "dotenv"
kind = "env-file"
path = "{root}/app/.env"
"""


def world(
    tmp_path: Path, home: Path, sims: tuple[HerokuSim, InfisicalSim], extra: str = ""
) -> tuple[Path, dict[str, str], MemoryKeyring]:
    heroku, infisical = sims
    root = tmp_path / "tree"
    make_tree(root, home)
    config = tmp_path / "rotui.toml"
    config.write_text(config_text(root, heroku.base_url, infisical.base_url, extra))
    keyring = MemoryKeyring()
    keyring.set_password("rotui", KEY, CURRENT)
    keyring.set_password("rotui", f"{KEY}#previous", PREVIOUS)
    environ = {**os.environ, "HK": "tok-h", "IK": "itok", "HOME": str(home)}
    return config, environ, keyring


def cli(
    config: Path, environ: dict[str, str], keyring: MemoryKeyring, *argv: str
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(
        paths=Paths.default(),
        config_arg=str(config),
        environ=environ,
        stdout=out,
        stderr=err,
        store=SecretStore(keyring, environ=environ),
    )
    args = build_parser().parse_args(["--config", str(config), *argv])
    code = run(args, ctx)
    return code, out.getvalue(), err.getvalue()


def no_value_in(*texts: str) -> None:
    for text in texts:
        for value in VALUES[:3]:
            assert value not in text
            assert value[20:60] not in text  # nor a long part of one


def test_every_holder_is_found_and_classified(
    tmp_path: Path, isolated_home: Path, sims: tuple[HerokuSim, InfisicalSim]
) -> None:
    config, environ, keyring = world(tmp_path, isolated_home, sims)
    code, out, err = cli(config, environ, keyring, "holders", "--json")
    assert code == 1, err  # unmanaged and stale holders were found
    report = json.loads(out)
    got = {
        (f["status"], f["held"], f["source"], f["where"].replace(str(tmp_path), "T"), f["var"])
        for f in report["findings"]
    }
    assert ("managed", "current", "heroku", "app api-prod", KEY) in got
    assert ("unmanaged", "current", "heroku", "app forgotten-worker", "LLM_KEY") in got
    assert ("stale", "previous", "heroku", "app old-staging", KEY) in got
    assert ("managed", "current", "infisical", "proj1/prod/", KEY) in got
    assert ("unmanaged", "current", "infisical", "proj1/staging/services/batch", "CLAUDE") in got
    assert ("stale", "previous", "infisical", "proj1/dev/a/b/c", "OLD") in got
    assert ("managed", "current", "file", "T/tree/app/.env", KEY) in got
    assert ("unmanaged", "current", "file", "T/tree/service/.env.local", "CLAUDE_KEY") in got
    assert ("stale", "previous", "file", "T/home/.bash_history", KEY) in got
    assert ("unknown", "unknown", "file", "T/tree/notes.txt", None) in got
    git = [f for f in report["findings"] if f["source"] == "git"]
    assert [(f["status"], f["held"], f["var"]) for f in git] == [("unmanaged", "current", "KEY")]
    assert git[0]["where"].endswith(" settings.py")
    stray = next(f for f in report["findings"] if f["status"] == "unknown")
    assert stray["hint"] == mask(STRAY)
    assert report["skipped"] == {
        "binary": 1,
        "dangling symlink": 1,
        "not a regular file": 1,
        "over 4096 bytes": 1,
    }
    assert "places" in err and "done;" in err
    audit = (isolated_home / ".local/share/rotui/audit.jsonl").read_text()
    entry = json.loads(audit.splitlines()[-1])
    assert entry["action"] == "holders.scan" and entry["context"]["findings"] == len(
        report["findings"]
    )
    assert mask(STRAY) in audit
    no_value_in(out, err, audit)


def test_the_table_marks_drift_and_names_no_value(
    tmp_path: Path, isolated_home: Path, sims: tuple[HerokuSim, InfisicalSim]
) -> None:
    config, environ, keyring = world(tmp_path, isolated_home, sims)
    code, out, err = cli(config, environ, keyring, "holders", KEY)
    assert code == 1
    assert "forgotten-worker" in out and "unmanaged" in out and mask(CURRENT) in out
    assert f"still hold the previous value of {KEY}" in err
    assert "skipped 4 place(s)" in err
    no_value_in(out, err)


def test_sources_can_be_turned_off(
    tmp_path: Path, isolated_home: Path, sims: tuple[HerokuSim, InfisicalSim]
) -> None:
    extra = "heroku = false\ninfisical = false\nshell = false"
    config, environ, keyring = world(tmp_path, isolated_home, sims, extra)
    _code, out, _err = cli(config, environ, keyring, "holders", "--json")
    sources = {f["source"] for f in json.loads(out)["findings"]}
    assert sources == {"file", "git"}
    assert not any(".bash_history" in f["where"] for f in json.loads(out)["findings"])


def test_an_organization_secret_consumer_does_not_stop_the_scan(
    tmp_path: Path, isolated_home: Path, sims: tuple[HerokuSim, InfisicalSim]
) -> None:
    """A GitHub consumer with org instead of repo: nothing to list with gh, and no crash."""
    extra = "heroku = false\ninfisical = false\nshell = false"
    config, environ, keyring = world(tmp_path, isolated_home, sims, extra)
    with config.open("a") as text:
        text.write(
            '\n[[keys.consumers]]\nname = "gh-org"\nkind = "github"\norg = "acme"\n'
            'visibility = "all"\ngh = "/nonexistent/gh"\n'
        )
    code, out, err = cli(config, environ, keyring, "holders", "--json")
    assert code in (0, 1), err
    assert "Traceback" not in err and json.loads(out)["findings"]


def test_git_history_is_opt_in(
    tmp_path: Path, isolated_home: Path, sims: tuple[HerokuSim, InfisicalSim]
) -> None:
    config, environ, keyring = world(tmp_path, isolated_home, sims)
    config.write_text(config.read_text().replace("git = true", "git = false"))
    _, out, _ = cli(config, environ, keyring, "holders", "--json")
    assert not [f for f in json.loads(out)["findings"] if f["source"] == "git"]


def test_an_unreadable_directory_is_counted(tmp_path: Path) -> None:
    """Tests run as root, who reads everything: a forked child drops to nobody and walks."""
    import tempfile
    import threading

    from rotui.core.holders import files
    from rotui.core.holders.model import ScanReport

    if os.geteuid() != 0:
        pytest.skip("made unreadable by dropping from root")
    top = Path(tempfile.mkdtemp(prefix="holders-"))  # /tmp itself: nobody can reach it
    try:
        top.chmod(0o755)
        (top / "locked").mkdir(mode=0)
        (top / "open.env").write_text("K=1\n")
        read, write = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover - the child reports through the pipe
            try:
                os.setgid(65534)
                os.setuid(65534)
                report = ScanReport()
                walked = list(files.walk(top, report, threading.Event()))
                os.write(write, json.dumps([len(walked), dict(report.skipped)]).encode())
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            walked, skipped = json.loads(pipe.read())
        os.waitpid(child, 0)
    finally:
        subprocess.run(["rm", "-rf", str(top)], check=True)
    assert walked == 1
    assert skipped == {"unreadable directory (Permission denied)": 1}


def test_holders_config_errors_name_the_dotted_path() -> None:
    for text, where in (
        ("[holders]\ngit = 'yes'\n", "holders.git: expected true or false"),
        ("[holders]\npaths = '/tmp'\n", "holders.paths: expected an array"),
        ("[holders]\nmax_file_bytes = 0\n", "holders.max_file_bytes"),
        ("[holders]\nherokku = false\n", "holders.herokku: unknown field"),
    ):
        with pytest.raises(ConfigError) as caught:
            parse_config(text)
        assert where in str(caught.value)


async def test_a_stopped_scan_is_partial(tmp_path: Path, isolated_home: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "a.env").write_text(f"K={CURRENT}\n")
    config = parse_config(f'[holders]\npaths = ["{root}"]\n[[keys]]\nname = "{KEY}"\n')
    keyring = MemoryKeyring()
    keyring.set_password("rotui", KEY, CURRENT)
    audit = AuditLog(tmp_path / "data")
    async with httpx.AsyncClient() as http:
        request = ScanRequest(
            config=config,
            store=SecretStore(keyring, environ={}),
            audit=audit,
            http=http,
            home=isolated_home,
        )
        request.stop.set()
        report = await scan(request)
    assert report.partial and report.findings == []
    async with httpx.AsyncClient() as http:
        report = await scan(
            ScanRequest(
                config=config,
                store=SecretStore(keyring, environ={}),
                audit=audit,
                http=http,
                home=isolated_home,
            )
        )
    assert not report.partial
    assert [(f.status, f.held) for f in report.findings] == [(Status.UNMANAGED, Held.CURRENT)]


def test_a_scan_request_never_prints_the_environment_it_carries(tmp_path: Path) -> None:
    """The request carries the whole environment (the GitHub, Heroku and Infisical tokens gh
    and the sources read); its repr, and the pretty form a Textual crash traceback prints for
    locals, show none of it."""
    from rich.pretty import pretty_repr

    tokens = {
        "GH_TOKEN": "ghp_tokenvalue0123456789",
        "HEROKU_API_KEY": "tok-heroku-42",
        KEY: CURRENT,
    }
    request = ScanRequest(
        config=parse_config(f'[[keys]]\nname = "{KEY}"\n'),
        store=SecretStore(MemoryKeyring(), environ=tokens),
        audit=AuditLog(tmp_path),
        http=httpx.AsyncClient(),
        environ=dict(tokens),
    )
    for text in (repr(request), pretty_repr(request), str(request)):
        for value in tokens.values():
            assert value not in text
    assert request.environ == tokens  # still there for the sources that need it


def crash_traceback(error: BaseException) -> str:
    """What Textual prints for a crash: the traceback with every frame's locals (this test's
    own frame, which holds the values by design, left out)."""
    from rich.console import Console
    from rich.traceback import Traceback

    assert error.__traceback__ is not None
    below_the_test = error.__traceback__.tb_next
    trace = Traceback.from_exception(type(error), error, below_the_test, show_locals=True)
    shown = io.StringIO()
    Console(file=shown, width=200).print(trace)
    return shown.getvalue()


def boom(*_args: object) -> None:
    raise RuntimeError("a bug while matching")


async def test_no_source_token_or_value_read_is_in_a_local_a_crash_traceback_shows() -> None:
    """The Heroku and Infisical tokens, and the values read, sit in locals only as masked
    ``Secret``s: tokens are added to the request at the last moment, values wrapped on parsing."""
    from rotui.core.holders import remote
    from rotui.core.secret import Secret

    token = "heroku-token-7c1e9b2d4a6f8e0c"
    itoken = "infisical-token-0b9a8c7d6e5f"
    heroku = HerokuSim(tokens=(token,), apps={"api-prod": {KEY: CURRENT}})
    infisical = InfisicalSim(tokens=(itoken,))
    infisical.put("proj1", "prod", "/", KEY, CURRENT)
    with heroku, infisical:
        async with httpx.AsyncClient() as http:
            with pytest.raises(RuntimeError) as from_heroku:
                await remote.heroku(http, heroku.base_url, Secret(token), boom, lambda n: None)
            with pytest.raises(RuntimeError) as from_infisical:
                await remote.infisical(
                    http, infisical.base_url, Secret(itoken), "proj1", boom, lambda n: None
                )
    for error in (from_heroku.value, from_infisical.value):
        shown = crash_traceback(error)
        assert "remote.py" in shown and "a bug while matching" in shown  # rendered, with locals
        for secret in (token, itoken, CURRENT, CURRENT[:40]):
            assert secret not in shown
