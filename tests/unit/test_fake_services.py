"""The Heroku, Infisical and downstream simulators and the fake gh behave like what they stand for."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from rotui.demo import fake_key
from rotui.sim.downstream import DownstreamSim
from rotui.sim.fake_gh import install_fake_gh, recorded_calls, stored_fingerprints
from rotui.sim.heroku import ACCEPT, HerokuSim
from rotui.sim.infisical import InfisicalSim

KEY = fake_key("fake-services")
HEROKU = {"Accept": ACCEPT, "Authorization": "Bearer tok"}
INFISICAL = {"Authorization": "Bearer itok"}
WHERE = {"workspaceId": "proj", "environment": "prod", "secretPath": "/"}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def heroku() -> Iterator[HerokuSim]:
    with HerokuSim(tokens=("tok",), apps={"raxx-api-prod": {"OTHER": "x"}}) as sim:
        yield sim


@pytest.fixture
def infisical() -> Iterator[InfisicalSim]:
    with InfisicalSim(tokens=("itok",)) as sim:
        yield sim


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as http:
        yield http


def test_heroku_patch_sets_and_deletes_and_answers_with_every_var(
    heroku: HerokuSim, client: httpx.Client
) -> None:
    url = f"{heroku.base_url}/apps/raxx-api-prod/config-vars"
    answer = client.patch(url, headers=HEROKU, json={"ANTHROPIC_API_KEY": KEY, "GONE": None})
    assert answer.status_code == 200
    assert answer.json() == {"OTHER": "x", "ANTHROPIC_API_KEY": KEY}
    assert client.patch(url, headers=HEROKU, json={"OTHER": None}).json() == {
        "ANTHROPIC_API_KEY": KEY
    }
    assert client.get(url, headers=HEROKU).json() == {"ANTHROPIC_API_KEY": KEY}
    assert heroku.config_vars("raxx-api-prod") == {"ANTHROPIC_API_KEY": KEY}
    assert heroku.writes("raxx-api-prod") == 2


def test_heroku_app_info_and_errors(heroku: HerokuSim, client: httpx.Client) -> None:
    base = heroku.base_url
    info = client.get(f"{base}/apps/raxx-api-prod", headers=HEROKU)
    assert info.status_code == 200 and info.json()["name"] == "raxx-api-prod"
    refused = client.get(
        f"{base}/apps/raxx-api-prod", headers={**HEROKU, "Authorization": "Bearer no"}
    )
    assert refused.status_code == 401 and refused.json()["id"] == "unauthorized"
    assert client.get(f"{base}/apps/raxx-api-prod", headers={"Accept": ACCEPT}).status_code == 401
    no_accept = client.get(f"{base}/apps/raxx-api-prod", headers={"Authorization": "Bearer tok"})
    # Platform API Reference, "Errors": 406 not_acceptable, not 400
    assert no_accept.status_code == 406 and no_accept.json()["id"] == "not_acceptable"
    missing = client.get(f"{base}/apps/nope/config-vars", headers=HEROKU)
    assert missing.status_code == 404 and missing.json()["id"] == "not_found"
    bad = client.patch(f"{base}/apps/raxx-api-prod/config-vars", headers=HEROKU, json={"A": 1})
    assert bad.status_code == 422
    assert heroku.writes("raxx-api-prod") == 0


def test_heroku_fail_next_then_recovers_and_logs_no_values(
    heroku: HerokuSim, client: httpx.Client
) -> None:
    url = f"{heroku.base_url}/apps/raxx-api-prod/config-vars"
    heroku.fail_next(2, status=503)
    assert [client.patch(url, headers=HEROKU, json={"K": KEY}).status_code for _ in range(3)] == [
        503,
        503,
        200,
    ]
    assert heroku.writes("raxx-api-prod") == 1
    assert heroku.requests() == [("PATCH", "/apps/raxx-api-prod/config-vars")] * 3
    assert KEY not in repr(heroku.requests()) and "tok" not in repr(heroku.requests())


def test_heroku_is_thread_safe(heroku: HerokuSim, client: httpx.Client) -> None:
    url = f"{heroku.base_url}/apps/raxx-api-prod/config-vars"

    def patch(index: int) -> int:
        with httpx.Client(timeout=5) as own:
            return own.patch(url, headers=HEROKU, json={f"V{index}": str(index)}).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(patch, range(24))) == {200}
    assert heroku.writes("raxx-api-prod") == 24
    assert len(heroku.config_vars("raxx-api-prod")) == 25


def test_infisical_update_create_and_read(infisical: InfisicalSim, client: httpx.Client) -> None:
    url = f"{infisical.base_url}/api/v3/secrets/raw/ANTHROPIC_API_KEY"
    body = {**WHERE, "secretValue": KEY}
    assert client.patch(url, headers=INFISICAL, json=body).status_code == 404
    assert client.get(url, headers=INFISICAL, params=WHERE).status_code == 404
    assert client.post(url, headers=INFISICAL, json=body).status_code == 200
    assert client.post(url, headers=INFISICAL, json=body).status_code == 400
    assert (
        client.patch(url, headers=INFISICAL, json={**body, "secretValue": "v2"}).status_code == 200
    )
    got = client.get(url, headers=INFISICAL, params=WHERE).json()["secret"]
    assert (got["secretKey"], got["secretValue"], got["version"]) == ("ANTHROPIC_API_KEY", "v2", 2)
    assert infisical.value("proj", "prod", "/", "ANTHROPIC_API_KEY") == "v2"
    assert infisical.value("proj", "dev", "/", "ANTHROPIC_API_KEY") is None
    assert infisical.writes() == 2


def test_infisical_errors_and_log(infisical: InfisicalSim, client: httpx.Client) -> None:
    url = f"{infisical.base_url}/api/v3/secrets/raw/ANTHROPIC_API_KEY"
    infisical.put("proj", "prod", "/", "ANTHROPIC_API_KEY", "old")
    body = {**WHERE, "secretValue": KEY}
    assert client.patch(url, json=body).status_code == 401
    assert client.patch(url, json=body, headers={"Authorization": "Bearer x"}).status_code == 401
    infisical.fail_next(1, status=500)
    assert client.patch(url, headers=INFISICAL, json=body).status_code == 500
    assert client.patch(url, headers=INFISICAL, json={"secretValue": KEY}).status_code == 400
    assert infisical.value("proj", "prod", "/", "ANTHROPIC_API_KEY") == "old"
    assert infisical.writes() == 0
    assert {path for _, path in infisical.requests()} == {"/api/v3/secrets/raw/ANTHROPIC_API_KEY"}
    assert KEY not in repr(infisical.requests())


def test_downstream_answers_what_the_callback_says_now(client: httpx.Client) -> None:
    state: dict[str, Any] = {"ok": True}

    def answer() -> tuple[int, object]:
        return (200, {"anthropic": {"ok": True}}) if state["ok"] else (503, {"anthropic": {}})

    with DownstreamSim(answer) as app:
        assert app.url.endswith("/health")
        assert client.get(app.url).json() == {"anthropic": {"ok": True}}
        state["ok"] = False
        assert client.get(app.url).status_code == 503
        assert client.get(f"{app.base_url}/anything").status_code == 503
        assert app.hits() == 3


def test_simulators_refuse_use_before_start() -> None:
    with pytest.raises(RuntimeError):
        _ = HerokuSim().base_url


def gh(script: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(script), *args], input=stdin, capture_output=True, timeout=20, check=False
    )


def test_fake_gh_sets_secrets_and_records_only_hashes(tmp_path: Path) -> None:
    state = tmp_path / "gh-state"
    script = install_fake_gh(tmp_path / "bin", state)
    assert os.access(script, os.X_OK)
    assert gh(script, "--version").returncode == 0
    assert gh(script, "auth", "status").returncode == 0
    done = gh(script, "secret", "set", "K", "--repo", "o/r", stdin=KEY.encode() + b"\r\n")
    assert done.returncode == 0, done.stderr
    assert (
        gh(script, "secret", "set", "K", "--repo", "o/r", "--env", "prod", stdin=b"v").returncode
        == 0
    )
    assert stored_fingerprints(state) == {"o/r/K": sha256(KEY), "o/r:prod/K": sha256("v")}
    calls = recorded_calls(state)
    assert [call["argv"][:2] for call in calls] == [["--version"], ["auth", "status"]] + [
        ["secret", "set"]
    ] * 2
    assert calls[0]["stdin_sha256"] is None
    assert calls[2]["stdin_sha256"] == hashlib.sha256(KEY.encode() + b"\r\n").hexdigest()
    assert KEY not in (state / "calls.jsonl").read_text()
    assert KEY not in (state / "secrets.json").read_text()


def test_fake_gh_refusals(tmp_path: Path) -> None:
    state = tmp_path / "gh-state"
    script = install_fake_gh(tmp_path / "bin", state)
    body = gh(script, "secret", "set", "K", "--repo", "o/r", "--body", "v")
    assert body.returncode == 1 and b"--body" in body.stderr
    assert gh(script, "secret", "set", "K", "--repo", "o/r", "-b", "v").returncode == 1
    assert gh(script, "secret", "set", "K", "--repo", "o/r", stdin=b"\n").returncode == 1
    assert gh(script, "secret", "set", "K", stdin=b"v").returncode == 1
    assert gh(script, "repo", "list").returncode == 1
    (state / "logged_out").touch()
    status = gh(script, "auth", "status")
    assert status.returncode == 1 and b"gh auth login" in status.stderr
    no_token = gh(script, "secret", "set", "K", "--repo", "o/r", stdin=b"v")
    assert no_token.returncode == 4 and b"GH_TOKEN" in no_token.stderr  # gh's auth exit code
    assert stored_fingerprints(state) == {}
    assert len(recorded_calls(state)) == 7


def test_fake_gh_prints_githubs_answers_as_the_real_gh_does(tmp_path: Path) -> None:
    """Formats taken from the real gh 2.23 against tests/support/github_fake.py."""
    state = tmp_path / "gh-state"
    script = install_fake_gh(tmp_path / "bin", state)
    key = gh(script, "api", "repos/o/r/actions/secrets/public-key")
    assert key.returncode == 0 and set(json.loads(key.stdout)) == {"key_id", "key"}
    (state / "http_error").write_text("404 Not Found")
    probe = gh(script, "api", "repos/o/r/environments/prod/secrets/public-key")
    assert (probe.returncode, probe.stderr) == (1, b"gh: Not Found (HTTP 404)\n")
    assert json.loads(probe.stdout)["message"] == "Not Found"
    missing = gh(script, "secret", "set", "K", "--repo", "o/r", stdin=b"v")
    assert missing.returncode == 1 and missing.stderr == (
        b"failed to fetch public key: HTTP 404: Not Found "
        b"(https://api.github.com/repos/o/r/actions/secrets/public-key)\n"
    )
    (state / "http_error").write_text("422 Secret names must not start with GITHUB_.")
    assert gh(script, "api", "repos/o/r/actions/secrets/public-key").returncode == 0
    refused = gh(script, "secret", "set", "GITHUB_K", "--repo", "o/r", stdin=b"v")
    assert refused.returncode == 1
    assert refused.stderr.decode().splitlines()[:2] == [
        "1 error occurred:",
        '\t* failed to set secret "GITHUB_K": HTTP 422: Secret names must not start with '
        "GITHUB_. (https://api.github.com/repos/o/r/actions/secrets/GITHUB_K)",
    ]
    (state / "http_error").write_text("401 Bad credentials")
    assert gh(script, "auth", "status", "--hostname", "github.com").returncode == 1
    assert gh(script, "auth", "status", "--hostname", "ghe.example").returncode == 1
    assert stored_fingerprints(state) == {}


def test_fake_gh_needs_its_state_dir() -> None:
    env = {k: v for k, v in os.environ.items() if k != "FAKE_GH_DIR"}
    done = subprocess.run(
        [sys.executable, "-m", "rotui.sim.fake_gh", "--version"],
        capture_output=True,
        env=env,
        timeout=20,
        check=False,
    )
    assert done.returncode == 2 and b"FAKE_GH_DIR" in done.stderr


def test_recorded_calls_are_json_lines(tmp_path: Path) -> None:
    state = tmp_path / "s"
    script = install_fake_gh(tmp_path / "bin", state)
    gh(script, "--version")
    line = (state / "calls.jsonl").read_text().strip()
    assert json.loads(line) == {"argv": ["--version"], "stdin_sha256": None}
    assert recorded_calls(tmp_path / "empty") == [] and stored_fingerprints(tmp_path) == {}


def test_fake_gh_lists_secret_names_and_dates_as_github_does(tmp_path: Path) -> None:
    """Walk s13 1.3: the demo's holders scan read `repos/O/R/actions/secrets` and got a 404."""
    from rotui.sim.fake_gh import seed_secret

    state = tmp_path / "gh-state"
    script = install_fake_gh(tmp_path / "bin", state)
    seed_secret(state, "o/r/old_one", "x", "2026-01-02T03:04:05Z")
    assert gh(script, "secret", "set", "K", "--repo", "o/r", stdin=b"v").returncode == 0
    assert gh(script, "secret", "set", "K", "--repo", "o/r", "--env", "prod", stdin=b"w").returncode == 0
    listed = gh(script, "api", "repos/o/r/actions/secrets")
    assert listed.returncode == 0, listed.stderr
    body = json.loads(listed.stdout)
    assert body["total_count"] == 2
    assert [s["name"] for s in body["secrets"]] == ["K", "OLD_ONE"]  # upper-case, sorted
    old = body["secrets"][1]
    assert old == {"name": "OLD_ONE", "created_at": "2026-01-02T03:04:05Z",
                   "updated_at": "2026-01-02T03:04:05Z"}  # fmt: skip
    assert body["secrets"][0]["updated_at"].endswith("Z")
    env = json.loads(gh(script, "api", "/repos/O/R/environments/prod/secrets").stdout)
    assert env["total_count"] == 1 and [s["name"] for s in env["secrets"]] == ["K"]
    assert env["secrets"][0]["updated_at"].endswith("Z")  # any case of the names finds it
    assert json.loads(gh(script, "api", "repos/o/other/actions/secrets").stdout) == {
        "total_count": 0,
        "secrets": [],
    }
    paged = json.loads(gh(script, "api", "repos/o/r/actions/secrets?per_page=1&page=2").stdout)
    assert paged["total_count"] == 2 and [s["name"] for s in paged["secrets"]] == ["OLD_ONE"]
