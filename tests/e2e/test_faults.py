"""Fault injection end to end: each fault gives its documented status or diagnosis, a clear
message, no traceback, and leaves nothing half-written.

Network faults run ``rotui validate`` and ``rotui doctor`` in-process (``rotui.cli.main``) against
loopback servers over real HTTP: the Anthropic simulator for the statuses it scripts, and
tests/support/fault_server.py for a server that never answers, a TCP reset mid-body and a proxy's
HTML page. Keyring faults and ``gh`` missing run rotui as a child process; the env-file and
full-disk faults patch one low-level call in-process (tests may run as root, which ignores file
modes).
"""

from __future__ import annotations

import errno
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from rotui import cli
from rotui.core import anthropic
from rotui.demo import fake_key
from rotui.sim.anthropic import Behavior, SimKey, SimulatedAnthropic
from rotui.sim.fake_gh import install_fake_gh, stored_fingerprints
from tests.support.fault_server import Fault, FaultServer

KEY = "ANTHROPIC_API_KEY"
OLD = fake_key("faults-old")
NEW = fake_key("faults-new")
SOURCE_VAR = "ROTUI_FAULT_KEY"
CHILD_TIMEOUT = 90  # a hang fails the test instead of hanging pytest
LEFTOVER_SUFFIXES = (".tmp", ".rotui-tmp", ".part", ".swp")


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


# Helpers -----------------------------------------------------------------------------------------


def state_dir(home: Path) -> Path:
    return home / ".local" / "state" / "rotui"


def write_config(
    path: Path,
    base_url: str,
    *,
    source: str = f"env:{SOURCE_VAR}",
    timeout: float = 5.0,
    consumers: str = "",
) -> Path:
    path.write_text(
        f"""[settings]
timeout_seconds = {timeout}

[[keys]]
name = "{KEY}"
environment = "prod"
workspace = "default"
source = "{source}"
created = 2026-01-01
base_url = "{base_url}"
{consumers}"""
    )
    return path


def configure(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, base_url: str, timeout: float = 5.0
) -> None:
    """Point in-process rotui at a config for ``base_url``, CURRENT read from ``SOURCE_VAR``."""
    config = write_config(tmp_path / "rotui.toml", base_url, timeout=timeout)
    monkeypatch.setenv("ROTUI_CONFIG", str(config))
    monkeypatch.setenv(SOURCE_VAR, OLD)


def rotui(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str = "") -> Result:
    """``rotui ARGV`` in-process, as the console script runs it (argparse included)."""
    real_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse refusing the command line
        code = exc.code if isinstance(exc.code, int) else 2
    finally:
        sys.stdin = real_stdin
    out, err = capsys.readouterr()
    return Result(code, out, err)


def rotui_child(env: dict[str, str], *argv: str, stdin: str = "") -> Result:
    done = subprocess.run(
        [sys.executable, "-m", "rotui", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=CHILD_TIMEOUT,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.text, result.text
    assert "internal error" not in result.text, result.text


def assert_nothing_half_written(root: Path) -> None:
    """No temp file or crash log anywhere under ``root``; every JSON and JSONL file parses."""
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        assert not path.name.endswith(LEFTOVER_SUFFIXES), f"left behind: {path}"
        assert not path.name.startswith("crash-"), path.read_text()
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".jsonl":
            for line in path.read_text().splitlines():
                json.loads(line)


def only_run(home: Path) -> dict[str, Any]:
    runs = sorted((state_dir(home) / "runs").glob("*.json"))
    assert len(runs) == 1, runs
    data: dict[str, Any] = json.loads(runs[0].read_text())
    return data


class _FullFile:
    """A file object whose writes fail as on a full disk; everything else is the real file."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def __enter__(self) -> _FullFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


class DiskFull:
    """Temp files created under ``under`` (atomic_write's) get ENOSPC on write after ``allow``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, under: Path, allow: int = 0) -> None:
        self.under, self.allow = under.resolve(), allow
        self.opened = self.refused = 0
        self._fds: set[int] = set()
        real_mkstemp, real_fdopen = tempfile.mkstemp, os.fdopen

        def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
            fd, name = real_mkstemp(*args, **kwargs)
            if Path(name).resolve().is_relative_to(self.under):
                self._fds.add(fd)
            return fd, name

        def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
            handle = real_fdopen(fd, *args, **kwargs)
            if fd not in self._fds:
                return handle
            self._fds.discard(fd)
            self.opened += 1
            if self.opened <= self.allow:
                return handle
            self.refused += 1
            return _FullFile(handle)

        monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
        monkeypatch.setattr(os, "fdopen", fdopen)


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries keep their count and order; only the backoff's base shrinks (0.5 s -> 10 ms)."""
    monkeypatch.setattr(anthropic.transport, "INITIAL_BACKOFF", 0.01)


# Network faults through `rotui validate` and `rotui doctor` --------------------------------------

ServerFactory = Callable[[ExitStack], str]


def simulated(behavior: Behavior, retry_after: str | None = None) -> ServerFactory:
    def start(stack: ExitStack) -> str:
        sim = stack.enter_context(SimulatedAnthropic())
        sim.add_key(SimKey(OLD, behavior=behavior, retry_after=retry_after))
        return sim.base_url

    return start


def faulty(fault: Fault, html_status: int = 403) -> ServerFactory:
    def start(stack: ExitStack) -> str:
        return stack.enter_context(FaultServer(fault, html_status=html_status)).base_url

    return start


@dataclass(frozen=True)
class Case:
    server: ServerFactory
    status: str
    http_status: int | None
    error_type: str | None
    attempts: int
    said: tuple[str, ...]  # in the validation result's message
    cause: tuple[str, ...]  # in the doctor's likely cause
    severity: str  # the doctor's verdict: "problem" exits 1, "warning" exits 0
    timeout: float = 5.0


RESET_MID_BODY = Case(
    simulated(Behavior.RESET),
    "network_error",
    None,
    "reset",
    3,
    ("the connection closed mid-response",),
    ("The connection closed in the middle of the answer",),
    "problem",
)

CASES = {
    "429-with-retry-after": Case(
        simulated(Behavior.RATE_LIMITED, retry_after="0"),
        "rate_limited",
        429,
        "rate_limit_error",
        3,  # honoured retry-after, retried twice
        ("exceed your rate limit",),
        ("Rate limited, and not for a moment: still 429 after 3 attempts",),  # walk s14 1.7
        "problem",
    ),
    "429-without-retry-after": Case(
        simulated(Behavior.SPEND_CAP),
        "spend_limit",  # error.details.error_code enforced_spend_limit_reached says so (SDK 2.14.0)
        429,
        "rate_limit_error",
        1,  # a spend cap: never retried
        ("usage limits",),
        ("A spend limit, not the key", "enforced_spend_limit_reached", "monthly spend cap"),
        "problem",
    ),
    "429-without-retry-after-or-code": Case(
        simulated(Behavior.RATE_LIMITED, retry_after=None),
        "rate_limited",
        429,
        "rate_limit_error",
        1,  # no retry-after: never retried
        ("exceed your rate limit",),
        ("A spend cap, not a rate limit", "429 without retry-after"),
        "problem",
    ),
    "529-overloaded": Case(
        simulated(Behavior.OVERLOADED),
        "overloaded",
        529,
        "overloaded_error",
        3,
        ("Overloaded",),
        ("overloaded for everyone (529)", "not the key"),
        "warning",
    ),
    "500-server-error": Case(
        simulated(Behavior.SERVER_ERROR),
        "server_error",
        500,
        "api_error",
        3,
        ("Internal server error",),
        ("a server error (HTTP 500)", "not the key"),
        "warning",
    ),
    "timeout": Case(
        faulty(Fault.HANG),
        "network_error",
        None,
        "timeout",
        3,
        ("no answer within 0.5 s",),
        ("No answer within 0.5 s",),
        "problem",
        timeout=0.5,
    ),
    "reset-mid-body-fin": RESET_MID_BODY,
    "reset-mid-body-rst": replace(RESET_MID_BODY, server=faulty(Fault.RESET)),  # same, by RST
    "malformed-json": Case(
        simulated(Behavior.MALFORMED_JSON),
        "bad_response",
        200,
        None,
        1,
        ("HTTP 200", "not the JSON the Anthropic API sends"),
        ("Something other than the Anthropic API answered", "broken JSON"),
        "problem",
    ),
    "proxy-html-502": Case(
        simulated(Behavior.BAD_RESPONSE),
        "server_error",
        502,
        None,
        3,  # a gateway's error page is still the provider's side: retried
        ("HTTP 502", "text/html", "proxy"),
        ("a proxy or gateway on the way failed",),
        "warning",
    ),
    "proxy-html-403": Case(
        faulty(Fault.HTML, html_status=403),
        "bad_response",
        403,
        None,
        1,
        ("HTTP 403", "text/html", "proxy"),
        ("Something other than the Anthropic API answered", "an HTML page", "proxy"),
        "problem",
    ),
    "captive-portal-html-200": Case(
        faulty(Fault.HTML, html_status=200),
        "bad_response",
        200,
        None,
        1,
        ("HTTP 200", "text/html", "captive portal"),
        ("Something other than the Anthropic API answered", "captive portal"),
        "problem",
    ),
}


@pytest.mark.parametrize("case_id", list(CASES))
def test_network_fault_gives_its_status_and_diagnosis(
    case_id: str,
    tmp_path: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fast_backoff: None,
) -> None:
    case = CASES[case_id]
    with ExitStack() as stack:
        configure(monkeypatch, tmp_path, case.server(stack), timeout=case.timeout)

        checked = rotui(capsys, "validate", KEY, "--json")
        assert checked.code == 1, checked.text  # README: 1 when a key is not valid
        assert_no_traceback(checked)
        [result] = json.loads(checked.out)["results"]
        assert result["status"] == case.status
        assert result["http_status"] == case.http_status
        assert result["error_type"] == case.error_type
        assert result["attempts"] == case.attempts
        for words in case.said:
            assert words in result["message"], result["message"]
        assert OLD not in checked.text

        status = rotui(capsys, "status", "--json")
        assert status.code == 0, status.text
        [row] = json.loads(status.out)["keys"]
        assert row["last_validation"]["status"] == case.status  # saved, and readable again

        doctor = rotui(capsys, "doctor", KEY, "--flow", "key", "--json")
        assert_no_traceback(doctor)
        document = json.loads(doctor.out)
        [diagnosis] = document["diagnoses"]
        assert diagnosis["severity"] == case.severity, diagnosis
        assert doctor.code == (1 if case.severity == "problem" else 0)  # README: 1 a problem
        for words in case.cause:
            assert words in diagnosis["cause"], diagnosis["cause"]
        assert diagnosis["next_steps"], diagnosis
        assert OLD not in doctor.text
    assert_nothing_half_written(isolated_home)


def test_timeout_gives_up_and_the_process_returns(
    tmp_path: Path,
    isolated_home: Path,
    child_env: dict[str, str],
) -> None:
    """A server that never answers: the child process ends by itself, saying so."""
    with FaultServer(Fault.HANG) as server:
        config = write_config(tmp_path / "rotui.toml", server.base_url, timeout=0.3)
        env = {**child_env, "ROTUI_CONFIG": str(config), SOURCE_VAR: OLD}
        done = rotui_child(env, "validate", KEY)
        # the first try and two retries, each given up (no fourth: counted once three were)
        assert server.requests_seen(3) == 3
    assert done.code == 1, done.text
    assert_no_traceback(done)
    assert "network_error" in done.out and "no answer within 0.3 s" in done.out
    assert_nothing_half_written(isolated_home)


def test_dns_failure_is_reported_as_dns_and_not_retried(
    tmp_path: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    host = "api.example.invalid"
    asked: list[str] = []
    real = socket.getaddrinfo

    def no_dns(name: Any, *args: Any, **kwargs: Any) -> Any:
        text = name.decode() if isinstance(name, bytes) else str(name)
        if text in ("127.0.0.1", "::1", "localhost"):
            return real(name, *args, **kwargs)
        asked.append(text)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    configure(monkeypatch, tmp_path, f"https://{host}")

    checked = rotui(capsys, "validate", KEY, "--json")
    assert checked.code == 1, checked.text
    assert_no_traceback(checked)
    [result] = json.loads(checked.out)["results"]
    assert result["status"] == "network_error" and result["error_type"] == "dns"
    assert result["attempts"] == 1  # a name that does not resolve is not retried
    assert "DNS lookup failed" in result["message"]
    assert asked and set(asked) == {host}

    doctor = rotui(capsys, "doctor", KEY, "--json")  # the environment flow and the key flow
    assert doctor.code == 1, doctor.text
    assert_no_traceback(doctor)
    diagnoses = json.loads(doctor.out)["diagnoses"]
    reach = next(d for d in diagnoses if d["title"].startswith("Reachability of"))
    key = next(d for d in diagnoses if d["flow"] == "key")
    for diagnosis in (reach, key):
        assert diagnosis["severity"] == "problem"
        assert f"The host name {host} did not resolve (DNS)" in diagnosis["cause"]
        assert any(f"getent hosts {host}" in step for step in diagnosis["next_steps"])
    assert_nothing_half_written(isolated_home)


def test_doctor_is_a_declared_command(capsys: pytest.CaptureFixture[str]) -> None:
    """README lists `rotui doctor [NAME] [--json] [--flow ID]`; argparse must accept it."""
    done = rotui(capsys, "doctor", "--help")
    assert done.code == 0, done.err
    assert "--flow" in done.out


# Keyring faults (child processes: the backend is chosen with PYTHON_KEYRING_BACKEND) -------------


@pytest.fixture
def keyring_world(
    tmp_path: Path, child_env: dict[str, str]
) -> Iterator[tuple[SimulatedAnthropic, dict[str, str]]]:
    with SimulatedAnthropic(keys=[SimKey(OLD)]) as sim:
        config = write_config(tmp_path / "rotui.toml", sim.base_url, source="keyring")
        keyring_file = Path(child_env["ROTUI_TEST_KEYRING"])
        keyring_file.write_text(json.dumps({f"rotui/{KEY}": OLD}))
        yield sim, {**child_env, "ROTUI_CONFIG": str(config)}


def test_slow_keyring_still_works(
    keyring_world: tuple[SimulatedAnthropic, dict[str, str]], isolated_home: Path
) -> None:
    _sim, env = keyring_world
    env = {
        **env,
        "PYTHON_KEYRING_BACKEND": "tests.support.fault_server.SlowKeyring",
        "ROTUI_TEST_KEYRING_DELAY": "0.3",
    }
    checked = rotui_child(env, "validate", KEY, "--json")
    assert checked.code == 0, checked.text
    assert_no_traceback(checked)
    assert json.loads(checked.out)["results"][0]["status"] == "valid"

    stored = rotui_child(env, "key", "set", KEY, stdin=NEW + "\n")
    assert stored.code == 0, stored.text
    assert "stored sk-ant-api03-" in stored.err and NEW not in stored.text
    assert json.loads(Path(env["ROTUI_TEST_KEYRING"]).read_text())[f"rotui/{KEY}"] == NEW
    assert_nothing_half_written(isolated_home)


@pytest.mark.parametrize(
    ("argv", "stdin", "said"),
    [
        (("validate", KEY), "", "the keyring did not answer in 5 s"),
        (("key", "set", KEY), NEW + "\n", f"storing {KEY!r} is still waiting"),
    ],
    ids=["validate", "key-set"],
)
def test_hung_keyring_times_out_with_a_clear_message(
    keyring_world: tuple[SimulatedAnthropic, dict[str, str]],
    isolated_home: Path,
    argv: tuple[str, ...],
    stdin: str,
    said: str,
) -> None:
    _sim, env = keyring_world
    env = {**env, "PYTHON_KEYRING_BACKEND": "tests.support.fault_server.HungKeyring"}
    before = Path(env["ROTUI_TEST_KEYRING"]).read_text()
    done = rotui_child(env, *argv, stdin=stdin)  # returns: subprocess.run's timeout not hit
    assert done.code == 1, done.text
    assert_no_traceback(done)
    assert "rotui: the keyring did not answer in 5 s" in done.err
    assert said in done.err
    assert "unlock it" in done.err.lower()  # what to do about it
    assert NEW not in done.text and OLD not in done.text
    assert Path(env["ROTUI_TEST_KEYRING"]).read_text() == before
    if argv[0] == "validate":
        saved = json.loads((state_dir(isolated_home) / "validation.json").read_text())
        assert saved["results"][KEY]["status"] == "no_secret"
        assert "the keyring did not answer" in saved["results"][KEY]["message"]
    assert_nothing_half_written(isolated_home)


def test_hung_keyring_diagnosis_names_the_keyring_not_a_missing_key(
    keyring_world: tuple[SimulatedAnthropic, dict[str, str]], isolated_home: Path
) -> None:
    """The key is stored; the keyring hangs. `rotui key set` (which would hang too) is not it."""
    _sim, env = keyring_world
    env = {**env, "PYTHON_KEYRING_BACKEND": "tests.support.fault_server.HungKeyring"}
    result = rotui_child(env, "doctor", KEY, "--flow", "key", "--json")
    assert result.code == 1, result.text
    assert_no_traceback(result)
    [diagnosis] = json.loads(result.out)["diagnoses"]
    assert diagnosis["severity"] == "problem"
    assert any("the keyring did not answer in 5 s" in line for line in diagnosis["evidence"])
    cause, steps = diagnosis["cause"], " ".join(diagnosis["next_steps"])
    assert "did not answer" in cause or "locked" in cause.lower(), cause
    assert "unlock" in steps.lower(), steps
    assert f"rotui key set {KEY}" not in steps, steps
    assert_nothing_half_written(isolated_home)


# `gh` missing during a headless rotation ---------------------------------------------------------


def test_gh_missing_stops_propagation_resumably(
    tmp_path: Path, child_env: dict[str, str], isolated_home: Path
) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    with SimulatedAnthropic() as sim:
        old = sim.add_key(SimKey(OLD, name="old"))
        sim.add_key(SimKey(NEW, name="new"))
        config = write_config(
            tmp_path / "rotui.toml",
            sim.base_url,
            source="keyring",
            consumers='\n  [[keys.consumers]]\n  name = "ci"\n  kind = "github"\n'
            '  repo = "raxx/agents"\n',
        )
        keyring_file = Path(child_env["ROTUI_TEST_KEYRING"])
        keyring_file.write_text(json.dumps({f"rotui/{KEY}": OLD}))
        env = {**child_env, "ROTUI_CONFIG": str(config), "PATH": str(empty_bin)}

        done = rotui_child(env, "rotate", KEY, "--headless", "--revoke", stdin=NEW + "\n")
        assert done.code == 1, done.text
        assert_no_traceback(done)
        assert "✓ Validate PENDING" in done.out
        assert "✗ Propagate to every consumer" in done.out
        assert "ci: gh not found: install it or put it on PATH" in done.out
        assert "fix the cause and run the same command to resume" in done.out
        run = only_run(isolated_home)
        assert run["status"] == "active"
        assert run["step"]["propagate"]["state"] == "failed"
        assert "gh not found" in run["step"]["propagate"]["detail"]
        assert "retry redoes only these" in run["step"]["propagate"]["detail"]
        assert run["consumers"]["ci"]["state"] == "failed"
        assert run["step"]["revoke"]["state"] == "pending"
        assert sim.key_by_id(old.id).status == "active"  # the old key is never revoked
        ring = json.loads(keyring_file.read_text())
        assert ring[f"rotui/{KEY}"] == OLD and ring[f"rotui/{KEY}#pending"] == NEW
        assert_nothing_half_written(isolated_home)

        plan = rotui_child(env, "rotate", KEY, "--dry-run")
        assert plan.code == 1, plan.text
        assert "✗ ci" in plan.out and "install the GitHub CLI (https://cli.github.com)" in plan.out

        install_fake_gh(empty_bin, tmp_path / "gh-state")  # the operator installs gh
        resumed = rotui_child(env, "rotate", KEY, "--headless", "--revoke")
        assert_no_traceback(resumed)
        assert f"resuming run {run['run_id']}" in resumed.out
        assert "✓ Propagate to every consumer" in resumed.out, resumed.out
        assert stored_fingerprints(tmp_path / "gh-state")  # gh got the new key this time
        assert sim.key_by_id(old.id).status == "active"  # ci is unverified: no revoke yet
    assert_nothing_half_written(isolated_home)


# A read-only env file ----------------------------------------------------------------------------


def in_process_rotation_world(
    stack: ExitStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, consumers: str
) -> SimulatedAnthropic:
    """The simulator, a config and a file keyring holding CURRENT, for cli.main in-process."""
    sim = stack.enter_context(SimulatedAnthropic())
    sim.add_key(SimKey(OLD, name="old"))
    sim.add_key(SimKey(NEW, name="new"))
    config = write_config(
        tmp_path / "rotui.toml", sim.base_url, source="keyring", consumers=consumers
    )
    keyring_file = tmp_path / "keyring.json"
    keyring_file.write_text(json.dumps({f"rotui/{KEY}": OLD}))
    monkeypatch.setenv("ROTUI_CONFIG", str(config))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.support.file_keyring.FileKeyring")
    monkeypatch.setenv("ROTUI_TEST_KEYRING", str(keyring_file))
    return sim


def _refuse_access(target: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """What a non-root user sees after chmod 0444: os.access says the file is not writable."""
    real = os.access

    def access(path: Any, mode: int, *args: Any, **kwargs: Any) -> bool:
        if Path(path) == target and mode & os.W_OK:
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    return "the file is read-only"


def _refuse_rename(target: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The temp file is written, then the rename over the file is refused (EACCES)."""
    real = os.replace

    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if Path(dst) == target:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(dst))
        real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    return os.strerror(errno.EACCES)


def _read_only_filesystem(target: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The file's directory is on a read-only mount: no temp file can be created beside it."""
    real = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if Path(str(kwargs.get("dir", ""))) == target.parent:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(target.parent))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    return os.strerror(errno.EROFS)


def _disk_full(target: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The temp file beside the env file cannot be written: the disk is full."""
    DiskFull(monkeypatch, target.parent)
    return os.strerror(errno.ENOSPC)


@pytest.mark.parametrize(
    "refuse",
    [_refuse_access, _refuse_rename, _read_only_filesystem, _disk_full],
    ids=["mode-0444", "rename-eacces", "read-only-fs", "disk-full"],
)
def test_read_only_env_file_fails_cleanly(
    refuse: Callable[[Path, pytest.MonkeyPatch], str],
    tmp_path: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    dotenv = app / ".env"
    original = f"# app settings\nexport {KEY}={OLD}\nOTHER=1\n"
    dotenv.write_text(original)
    consumers = (
        f'\n  [[keys.consumers]]\n  name = "dotenv"\n  kind = "env-file"\n  path = "{dotenv}"\n'
    )
    with ExitStack() as stack:
        sim = in_process_rotation_world(stack, tmp_path, monkeypatch, consumers)
        said = refuse(dotenv, monkeypatch)
        done = rotui(capsys, "rotate", KEY, "--headless", "--revoke", stdin=NEW + "\n")
        assert done.code == 1, done.text
        assert_no_traceback(done)
        assert "✗ Propagate to every consumer" in done.out
        assert f"dotenv: cannot write {dotenv}: {said}" in done.out, done.out
        assert "run the same command to resume" in done.out
        assert NEW not in done.text
        assert dotenv.read_text() == original
        assert sorted(p.name for p in app.iterdir()) == [".env"]  # no temp file beside it
        run = only_run(isolated_home)
        assert run["status"] == "active" and run["step"]["propagate"]["state"] == "failed"
        assert run["consumers"]["dotenv"]["state"] == "failed"
        assert str(dotenv) in run["consumers"]["dotenv"]["detail"]
        assert sim.key_by_id(SimKey(OLD).id).status == "active"  # never revoked
    assert_nothing_half_written(isolated_home)


# A full disk when writing state ------------------------------------------------------------------


def test_full_disk_when_saving_validation_keeps_the_previous_state(
    tmp_path: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with SimulatedAnthropic(keys=[SimKey(OLD)]) as sim:
        configure(monkeypatch, tmp_path, sim.base_url)
        first = rotui(capsys, "validate", KEY)
        assert first.code == 0, first.text
        latest = state_dir(isolated_home) / "validation.json"
        saved = latest.read_bytes()
        history = sorted((state_dir(isolated_home) / "history").glob("*.jsonl"))
        kept = [p.read_bytes() for p in history]

        sim.set_behavior(OLD, Behavior.INVALID)
        full = DiskFull(monkeypatch, state_dir(isolated_home))
        done = rotui(capsys, "validate", KEY)
    assert full.refused == 1
    assert done.code == 1, done.text  # README: results that were not saved are not "all valid"
    assert_no_traceback(done)
    assert "invalid" in done.out  # the results are still shown
    assert f"results not saved: cannot write {latest}" in done.err, done.err
    assert "the disk is full" in done.err
    assert latest.read_bytes() == saved  # the previous state, intact
    assert [p.read_bytes() for p in history] == kept
    assert_nothing_half_written(isolated_home)


def test_full_disk_when_journaling_a_rotation_stops_resumably(
    tmp_path: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    consumers = (
        '\n  [[keys.consumers]]\n  name = "laptop"\n  kind = "manual"\n'
        '  instructions = "Update ANTHROPIC_API_KEY in ~/.zshrc"\n'
    )
    runs = state_dir(isolated_home) / "runs"
    with ExitStack() as stack:
        in_process_rotation_world(stack, tmp_path, monkeypatch, consumers)
        # two journal writes succeed (the run started at the paste, its pre-check journaled);
        # the third, "new key: storing PENDING", finds the disk full
        with pytest.MonkeyPatch.context() as patch:
            full = DiskFull(patch, runs, allow=2)
            done = rotui(capsys, "rotate", KEY, "--headless", stdin=NEW + "\n")
        assert full.refused == 1
        assert done.code == 1, done.text
        assert_no_traceback(done)
        run = only_run(isolated_home)
        journal = runs / f"{run['run_id']}.json"
        assert "✓ Pre-check" in done.out
        assert f"✗ New key from the Console, stored as PENDING: cannot write {journal}" in done.out
        assert "the disk is full" in done.out
        assert "run the same command to resume" in done.out
        assert run["status"] == "active"
        assert run["step"]["precheck"]["state"] == "done"  # the last journal that was written
        assert run["step"]["new_key"]["state"] == "pending"
        assert_nothing_half_written(isolated_home)

        resumed = rotui(capsys, "rotate", KEY, "--headless", stdin=NEW + "\n")
        assert_no_traceback(resumed)
        assert f"resuming run {run['run_id']}" in resumed.out
        assert "✓ New key" in resumed.out and "✓ Validate PENDING" in resumed.out
        assert "waiting — manual consumer laptop" in resumed.out
    assert_nothing_half_written(isolated_home)


class ShortWrites:
    """The disk fills during an append: the first write to ``name`` stores only half of its
    bytes and returns the short count (as write(2) does when the space runs out); every later
    write to that file fails with ENOSPC."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        self.name, self.short = name, 0
        self._fds: set[int] = set()
        real_open, real_write, real_close = os.open, os.write, os.close

        def tracked_open(path: Any, *args: Any, **kwargs: Any) -> int:
            fd = real_open(path, *args, **kwargs)
            if os.fsdecode(path).endswith(self.name):
                self._fds.add(fd)
            return fd

        def short_write(fd: int, data: Any) -> int:
            if fd not in self._fds:
                return real_write(fd, data)
            if self.short:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self.short += 1
            return real_write(fd, bytes(data)[: len(data) // 2])

        def tracked_close(fd: int) -> None:
            self._fds.discard(fd)
            real_close(fd)

        monkeypatch.setattr(os, "open", tracked_open)
        monkeypatch.setattr(os, "write", short_write)
        monkeypatch.setattr(os, "close", tracked_close)


@pytest.mark.parametrize(
    ("name", "where"),
    [("audit.jsonl", "the audit log"), (f"{KEY}.jsonl", "the validation history")],
    ids=["audit-log", "history"],
)
def test_full_disk_mid_append_leaves_no_partial_line(
    name: str,
    where: str,
    tmp_path: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with SimulatedAnthropic(keys=[SimKey(OLD)]) as sim:
        configure(monkeypatch, tmp_path, sim.base_url)
        assert rotui(capsys, "validate", KEY).code == 0
        [path] = isolated_home.rglob(name)
        with pytest.MonkeyPatch.context() as patch:
            full = ShortWrites(patch, name)
            done = rotui(capsys, "validate", KEY)
        assert full.short == 1  # the fault was hit
        assert_no_traceback(done)
        lines = path.read_bytes().splitlines(keepends=True)
        assert all(line.endswith(b"\n") for line in lines), f"{where} ends in a partial line"
        for line in lines:
            json.loads(line)
        # the disk has room again: the next run appends whole lines after whole lines
        assert rotui(capsys, "validate", KEY).code == 0
        verified = rotui(capsys, "audit", "--verify")
        assert verified.code == 0, verified.out
    assert_nothing_half_written(isolated_home)
    if done.code == 0:
        pytest.fail(f"a write to {where} failed on a full disk, yet validate reported success")
    assert "no space left" in done.err.lower() or "disk is full" in done.err, done.err
