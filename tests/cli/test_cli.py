"""The CLI as a user runs it: a child process, real files, a simulated API on loopback."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rotui.demo import fake_key
from rotui.sim.anthropic import SimKey, SimulatedAnthropic

TODAY = dt.datetime.now(dt.UTC).date()
LONG_AGO = (TODAY - dt.timedelta(days=178)).isoformat()  # overdue at the default 90-day cadence
RECENT = (TODAY - dt.timedelta(days=6)).isoformat()
GOOD = fake_key("cli-good")
BAD = fake_key("cli-revoked")
ADMIN = fake_key("cli-admin", "sk-ant-admin01-")


def rotui(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rotui", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def assert_clean(done: subprocess.CompletedProcess[str]) -> None:
    """No traceback and no key value, whatever happened."""
    for stream in (done.stdout, done.stderr):
        assert "Traceback" not in stream
        for value in (GOOD, BAD, ADMIN):
            assert value not in stream


@pytest.fixture
def sim() -> Iterator[SimulatedAnthropic]:
    with SimulatedAnthropic(admin_keys=[ADMIN]) as server:
        server.add_key(
            SimKey(GOOD, name="good", created_at="2026-11-01T08:00:00Z", organization_id="org-cli")
        )
        server.add_key(SimKey(BAD, status="inactive", name="old"))
        yield server


@pytest.fixture
def config(tmp_path: Path, sim: SimulatedAnthropic, child_env: dict[str, str]) -> Path:
    path = tmp_path / "rotui.toml"
    path.write_text(
        f"""
[settings]
cadence_days = 90
warn_days = 14
admin_base_url = "{sim.base_url}"

[[keys]]
name = "GOOD"
environment = "prod"
source = "env:GOOD_KEY"
created = {LONG_AGO}
base_url = "{sim.base_url}"

  [[keys.consumers]]
  name = "app"
  kind = "heroku"
  app = "raxx-api-prod"

[[keys]]
name = "REVOKED"
environment = "staging"
source = "keyring"
created = {RECENT}
base_url = "{sim.base_url}"
"""
    )
    child_env["ROTUI_CONFIG"] = str(path)
    child_env["GOOD_KEY"] = GOOD
    return path


def store_key(env: dict[str, str], name: str, value: str) -> None:
    done = rotui(env, "key", "set", name, stdin=value + "\n")
    assert done.returncode == 0, done.stderr


def rotui_files(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if p.is_file()]


def test_status_before_any_validation(config, child_env) -> None:
    done = rotui(child_env, "status", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    rows = {row["name"]: row for row in doc["keys"]}
    assert set(rows) == {"GOOD", "REVOKED"}
    assert rows["GOOD"]["freshness"] == "overdue" and rows["GOOD"]["age_days"] == 178
    assert rows["REVOKED"]["freshness"] == "fresh" and rows["REVOKED"]["due_in_days"] == 84
    assert rows["GOOD"]["consumers"] == 1 and rows["GOOD"]["last_validation"] is None
    assert set(rows["GOOD"]) >= {
        "name",
        "environment",
        "age_days",
        "due_in_days",
        "freshness",
        "last_validation",
        "consumers",
    }
    human = rotui(child_env, "status")
    assert human.returncode == 0 and "GOOD" in human.stdout and "never" in human.stdout


def test_validate_stores_results_and_exits_1_on_a_failure(
    config, child_env, isolated_home, sim
) -> None:
    store_key(child_env, "REVOKED", BAD)
    done = rotui(child_env, "validate", "--json")
    assert_clean(done)
    assert done.returncode == 1
    doc = json.loads(done.stdout)
    by_key = {r["key"]: r for r in doc["results"]}
    assert by_key["GOOD"]["status"] == "valid" and by_key["GOOD"]["organization_id"] == "org-cli"
    assert by_key["REVOKED"]["status"] == "invalid" and by_key["REVOKED"]["http_status"] == 401
    assert doc["all_valid"] is False
    lines = [line.strip().rstrip(",") for line in done.stdout.splitlines()]
    per_line = [json.loads(line) for line in lines if line.startswith('{"key"')]
    assert sorted(r["key"] for r in per_line) == sorted(by_key)  # one result per line (grep, diff)

    status = json.loads(rotui(child_env, "status", "--json").stdout)
    last = {r["name"]: r["last_validation"] for r in status["keys"]}
    assert last["GOOD"]["status"] == "valid" and last["REVOKED"]["status"] == "invalid"

    only_good = rotui(child_env, "validate", "GOOD")
    assert only_good.returncode == 0, only_good.stderr
    assert "valid" in only_good.stdout and "REVOKED" not in only_good.stdout

    leaked = [
        p
        for p in rotui_files(isolated_home)
        if any(v.encode() in p.read_bytes() for v in (GOOD, BAD))
    ]
    assert leaked == []


def test_validate_with_admin_api_takes_the_age_from_created_at(config, child_env) -> None:
    text = config.read_text().replace(
        "warn_days = 14", 'warn_days = 14\nadmin_key = "env:ADMIN_KEY"'
    )
    config.write_text(text)
    child_env["ADMIN_KEY"] = ADMIN
    done = rotui(child_env, "validate", "GOOD", "--json")
    assert done.returncode == 0, done.stderr
    remote = json.loads(done.stdout)["results"][0]["remote"]
    assert remote["name"] == "good" and remote["created_at"].startswith("2026-11-01")
    row = json.loads(rotui(child_env, "status", "--json").stdout)["keys"][0]
    assert row["created"].startswith(
        "2026-11-01"
    )  # the Admin API's created_at, not the configured date


def test_validate_ping_mode(config, child_env, sim) -> None:
    done = rotui(child_env, "validate", "GOOD", "--ping", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"][0]["mode"] == "ping"
    assert any(r.path == "/v1/messages" for r in sim.requests())


def test_validate_unknown_name_is_a_usage_error(config, child_env) -> None:
    done = rotui(child_env, "validate", "NOPE")
    assert done.returncode == 2 and "unknown key 'NOPE'" in done.stderr and "GOOD" in done.stderr


def test_check_for_cron(config, child_env, tmp_path) -> None:
    fresh = tmp_path / "fresh.toml"
    fresh.write_text(config.read_text().replace(f"created = {LONG_AGO}", f"created = {RECENT}"))
    ok = rotui({**child_env, "ROTUI_CONFIG": str(fresh)}, "check", "--json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert json.loads(ok.stdout)["ok"] is True
    assert json.loads(ok.stdout)["never_validated"] == 2  # nothing validated yet

    said = rotui({**child_env, "ROTUI_CONFIG": str(fresh)}, "check")  # walk s13 1.9
    assert said.returncode == 0 and "none failing" not in said.stdout, said.stdout
    assert "none validated yet" in said.stdout, said.stdout

    overdue = rotui(child_env, "check", "--json")  # GOOD was created 178 days ago: overdue
    assert overdue.returncode == 1
    problems = json.loads(overdue.stdout)["problems"]
    assert {"name": "GOOD", "problem": "overdue"}.items() <= problems[0].items()

    store_key(child_env, "REVOKED", BAD)
    rotui(child_env, "validate")
    failing = rotui({**child_env, "ROTUI_CONFIG": str(fresh)}, "check")
    assert failing.returncode == 1 and "REVOKED: failed validation (invalid)" in failing.stdout


def test_key_set_and_delete(config, child_env, tmp_path) -> None:
    done = rotui(child_env, "key", "set", "REVOKED", stdin=f"  {BAD}\n")
    assert_clean(done)
    assert done.returncode == 0 and BAD[:16] in done.stderr
    stored = json.loads(Path(child_env["ROTUI_TEST_KEYRING"]).read_text())
    assert stored == {"rotui/REVOKED": BAD}

    for bad_input, reason in (
        (ADMIN, "Admin API key"),
        ("sk-ant-api03-abc def", "whitespace"),
        ("", "no key given"),
    ):
        refused = rotui(child_env, "key", "set", "REVOKED", stdin=bad_input)
        assert_clean(refused)
        assert refused.returncode == 2 and reason in refused.stderr

    unknown = rotui(child_env, "key", "set", "TYPO", stdin=GOOD)
    assert unknown.returncode == 2 and "unknown key 'TYPO'" in unknown.stderr

    env_sourced = rotui(child_env, "key", "set", "GOOD", stdin=GOOD)
    assert env_sourced.returncode == 0 and "read from env:" in env_sourced.stderr

    assert rotui(child_env, "key", "delete", "REVOKED").returncode == 0
    assert "rotui/REVOKED" not in json.loads(Path(child_env["ROTUI_TEST_KEYRING"]).read_text())
    again = rotui(child_env, "key", "delete", "REVOKED")
    assert again.returncode == 1 and "was not in the keyring" in again.stderr

    admin = rotui(child_env, "key", "set", "--admin", stdin=ADMIN)
    assert admin.returncode == 0
    assert json.loads(Path(child_env["ROTUI_TEST_KEYRING"]).read_text())["rotui/__admin__"] == ADMIN


def test_no_keyring_on_a_headless_host(config, child_env) -> None:
    child_env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    done = rotui(child_env, "key", "set", "REVOKED", stdin=BAD)
    assert_clean(done)
    assert done.returncode == 1
    assert "no usable keyring backend" in done.stderr and "env:" in done.stderr
    validate = rotui(child_env, "validate", "--json")
    assert validate.returncode == 1
    results = {r["key"]: r for r in json.loads(validate.stdout)["results"]}
    assert results["REVOKED"]["status"] == "no_secret" and results["GOOD"]["status"] == "valid"
    assert validate.stderr.count("no usable keyring backend") == 1


def test_init_writes_a_private_starter_and_refuses_to_overwrite(child_env, tmp_path) -> None:
    target = tmp_path / "new" / "rotui.toml"
    done = rotui(child_env, "--config", str(target), "init")
    assert done.returncode == 0, done.stderr
    assert target.stat().st_mode & 0o777 == 0o600
    assert rotui(child_env, "--config", str(target), "status").returncode == 0
    again = rotui(child_env, "--config", str(target), "init")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_init_uses_the_default_location(child_env, isolated_home) -> None:
    done = rotui(child_env, "init")
    assert done.returncode == 0, done.stderr
    assert (isolated_home / ".config" / "rotui" / "rotui.toml").exists()


def test_no_config_says_where_it_looked_and_what_to_do(child_env, isolated_home) -> None:
    done = rotui(child_env, "status")
    assert_clean(done)
    assert done.returncode == 2
    assert str(isolated_home / ".config" / "rotui" / "rotui.toml") in done.stderr
    assert "rotui init" in done.stderr and "rotui demo" in done.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"[settings\n", "line 1"),
        (b'[settings]\nmax_concurrency = "eight"\n', "settings.max_concurrency"),
        (
            b'[[keys]]\nname = "A"\n[[keys.consumers]]\nname = "c"\nkind = "herokuu"\n',
            "keys[0].consumers[0].kind",
        ),
        (b'[[keys]]\nname = "A"\n[[keys]]\nname = "A"\n', "duplicate"),
        (b'[settings]\nvalidation = "fast"\n', "settings.validation"),
        (b"\xff\xfe[settings]\n", "UTF-8"),
        (b"[sttings]\n", "sttings"),
    ],
)
def test_config_errors_exit_2_with_a_clear_message(child_env, tmp_path, content, expected) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    for command in ("status", "validate", "check"):
        done = rotui(child_env, "--config", str(path), command)
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        assert str(path) in done.stderr and expected in done.stderr
        assert done.stderr.count("\n") == 1  # one message


def test_config_that_is_a_directory_or_empty(child_env, tmp_path) -> None:
    done = rotui(child_env, "--config", str(tmp_path), "status")
    assert done.returncode == 2 and "Traceback" not in done.stderr and "directory" in done.stderr
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    done = rotui(child_env, "--config", str(empty), "status")
    assert (
        done.returncode == 2 and "empty configuration" in done.stderr and str(empty) in done.stderr
    )
    no_keys = tmp_path / "nokeys.toml"
    no_keys.write_text("[settings]\n")
    done = rotui(child_env, "--config", str(no_keys), "status")
    assert done.returncode == 0 and "no keys configured" in done.stderr


def test_usage_errors_exit_2(child_env) -> None:
    assert rotui(child_env, "frobnicate").returncode == 2
    assert rotui(child_env, "key", "set").returncode == 2


def test_status_imports_neither_textual_nor_httpx(config, child_env) -> None:
    code = (
        "import sys\nfrom rotui.cli import main\nrc = main(['status', '--json'])\n"
        "bad = sorted(m for m in ('textual', 'rich', 'httpx', 'keyring') if m in sys.modules)\n"
        "print('IMPORTED', bad, file=sys.stderr)\nsys.exit(rc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=child_env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "IMPORTED []" in done.stderr


def test_demo_headless_runs_on_its_own(child_env, isolated_home) -> None:
    done = rotui(child_env, "demo", "--headless")
    assert done.returncode == 0, done.stderr
    for name in (
        "ANTHROPIC_API_KEY_BATCH",
        "rate_limited",
        "no_credit",
        "invalid",
        "no_secret",
        "OVERDUE",
        "due soon",
    ):
        assert name in done.stdout
    assert "Traceback" not in done.stderr
    assert rotui_files(isolated_home) == []  # never touched the user's dirs


def test_anthropic_base_url_from_the_environment(config, child_env, sim) -> None:
    text = config.read_text().replace(f'\nbase_url = "{sim.base_url}"\n', "\n")
    config.write_text(text.replace(f'\nbase_url = "{sim.base_url}"\n', "\n"))
    child_env["ANTHROPIC_BASE_URL"] = sim.base_url + "/"
    done = rotui(child_env, "validate", "GOOD", "--json")
    assert done.returncode == 0, done.stderr
    child_env["ANTHROPIC_BASE_URL"] = "api.example"
    bad = rotui(child_env, "validate", "GOOD")
    assert bad.returncode == 2 and "ANTHROPIC_BASE_URL" in bad.stderr


def test_bare_rotui_without_config_explains_instead_of_crashing(child_env, isolated_home) -> None:
    done = rotui(child_env)
    assert_clean(done)
    assert done.returncode == 2
    assert (
        "looked for" in done.stderr and "rotui init" in done.stderr and "rotui demo" in done.stderr
    )


def test_unknown_theme_or_keymap_is_refused_before_the_screen_opens(config, child_env) -> None:
    done = rotui(child_env, "--theme", "no-such-theme")
    assert (
        done.returncode == 2
        and "unknown theme 'no-such-theme'" in done.stderr
        and "nord" in done.stderr
    )
    config.write_text(config.read_text() + '\n[keymap]\nrotat = "R"\n')
    done = rotui(child_env)
    assert (
        done.returncode == 2
        and "unknown binding id 'rotat'" in done.stderr
        and "rotate" in done.stderr
    )


def test_a_source_that_prints_more_than_a_key_is_refused_without_echo(
    config, child_env, isolated_home, tmp_path
) -> None:
    script = tmp_path / "pw.py"
    script.write_text(f"print('{GOOD}')\nprint('otp-seed: JBSWY3DPEHPK3PXP')\n")
    text = config.read_text().replace(
        'source = "env:GOOD_KEY"', f'source = "command:{sys.executable} {script}"'
    )
    config.write_text(text.replace('source = "keyring"', 'source = "env:NL_KEY"'))
    child_env["NL_KEY"] = "hunter2-totally-secret\nsecond-line"
    done = rotui(child_env, "validate", "--json")
    assert done.returncode == 1
    results = {r["key"]: r for r in json.loads(done.stdout)["results"]}
    assert (
        results["GOOD"]["status"] == "no_secret" and "unusable value" in results["GOOD"]["message"]
    )
    assert results["REVOKED"]["status"] == "no_secret"
    everything = (
        done.stdout
        + done.stderr
        + "".join(p.read_text(errors="replace") for p in rotui_files(isolated_home))
    )
    for fragment in ("JBSWY3DPEHPK3PXP", "hunter2", "second-line", GOOD):
        assert fragment not in everything


def test_results_are_printed_even_when_state_cannot_be_saved(config, child_env, tmp_path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    child_env["XDG_STATE_HOME"] = str(blocker)
    done = rotui(child_env, "validate", "GOOD", "--json")
    assert_clean(done)
    assert done.returncode == 1
    assert json.loads(done.stdout)["results"][0]["status"] == "valid"
    assert "results not saved" in done.stderr


def test_a_hand_edited_state_with_naive_times_still_reads(config, child_env, isolated_home) -> None:
    state = isolated_home / ".local" / "state" / "rotui"
    state.mkdir(parents=True)
    (state / "validation.json").write_text(
        json.dumps(
            {
                "results": {
                    "GOOD": {"key": "GOOD", "status": "valid", "checked_at": "2026-11-25T10:00:00"}
                }
            }
        )
    )
    done = rotui(child_env, "status")
    assert done.returncode == 0, done.stderr
    assert "valid" in done.stdout


def test_key_set_with_closed_stdin_or_binary_input(config, child_env) -> None:
    closed = subprocess.run(
        [sys.executable, "-m", "rotui", "key", "set", "REVOKED"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=child_env,
        timeout=60,
    )
    assert closed.returncode == 2 and "no key given" in closed.stderr
    binary = subprocess.run(
        [sys.executable, "-m", "rotui", "key", "set", "REVOKED"],
        input=b"\xff\xfe\x00garbage",
        capture_output=True,
        env=child_env,
        timeout=60,
    )
    assert binary.returncode == 2 and b"Traceback" not in binary.stderr


def test_a_replaced_key_forgets_the_old_admin_record(config, child_env) -> None:
    text = config.read_text().replace(
        "warn_days = 14", 'warn_days = 14\nadmin_key = "env:ADMIN_KEY"'
    )
    config.write_text(text)
    child_env["ADMIN_KEY"] = ADMIN
    assert rotui(child_env, "validate", "GOOD").returncode == 0
    assert json.loads(rotui(child_env, "status", "--json").stdout)["keys"][0]["created"].startswith(
        "2026-11-01"
    )
    child_env["GOOD_KEY"] = fake_key(
        "cli-unlisted"
    )  # rotated by hand; the Admin API does not list it
    rotui(child_env, "validate", "GOOD")
    row = json.loads(rotui(child_env, "status", "--json").stdout)["keys"][0]
    assert row["created"].startswith(LONG_AGO)  # back to the configured date, not the old key's


def test_doctor_from_the_command_line(config, child_env) -> None:
    """`rotui doctor` through the real parser: a healthy key exits 0, a revoked one 1."""
    good = rotui(child_env, "doctor", "GOOD", "--flow", "key", "--json")
    assert_clean(good)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["diagnoses"][0]["severity"] == "ok"
    store_key(child_env, "REVOKED", BAD)
    bad = rotui(child_env, "doctor", "REVOKED", "--flow", "key")
    assert_clean(bad)
    assert bad.returncode == 1 and "401" in bad.stdout
    usage = rotui(child_env, "doctor", "--flow", "nope")
    assert usage.returncode == 2 and "invalid choice" in usage.stderr


@pytest.mark.parametrize(
    ("mode", "who"), [(0o644, "group and others"), (0o640, "group"), (0o604, "others")]
)
def test_a_config_others_can_read_draws_a_warning(config, child_env, mode: int, who: str) -> None:
    config.chmod(mode)
    done = rotui(child_env, "status", "--json")
    assert done.returncode == 0
    assert f"rotui: warning: {config} is accessible to {who} (mode 0{mode:o})" in done.stderr
    assert "chmod 600" in done.stderr
    json.loads(done.stdout)  # the warning goes to stderr: the JSON document stays clean
    config.chmod(0o600)
    assert "warning" not in rotui(child_env, "status", "--json").stderr
