"""The Secret wrapper, the key format check and the secret store's sources and time limits."""

from __future__ import annotations

import asyncio
import pickle
import subprocess
import sys
import threading
import traceback

import pytest

from rotui.core.errors import KeyFormatError, KeyringTimeout, KeyringUnavailable, SecretError
from rotui.core.secret import (
    MemoryKeyring,
    Secret,
    SecretStore,
    check_admin_key,
    check_api_key,
    mask,
    redact,
)
from rotui.demo import fake_key

KEY = fake_key("unit")
ADMIN = fake_key("unit-admin", "sk-ant-admin01-")


def test_every_printable_form_is_masked() -> None:
    secret = Secret(KEY)
    for text in (
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret:>120}",
        repr([secret]),
    ):
        assert KEY not in text
        assert KEY[-4:] in text and KEY[:16] in text
    assert secret.reveal() == KEY
    assert secret.hint == f"{KEY[:16]}…{KEY[-4:]}"
    assert secret.partial_key_hint == f"{KEY[:16]}...{KEY[-4:]}"


def test_secret_cannot_be_pickled_and_compares_by_value() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Secret(KEY))
    assert Secret(KEY) == Secret(KEY)
    assert Secret(KEY) != Secret(fake_key("other"))


def test_traceback_with_locals_does_not_show_the_value() -> None:
    def fail(secret: Secret) -> None:
        raise RuntimeError("boom")

    try:
        fail(Secret(KEY))
    except RuntimeError as exc:
        text = "".join(
            traceback.TracebackException.from_exception(exc, capture_locals=True).format()
        )
    assert "Secret(" in text and KEY not in text


def test_fingerprint_is_keyed() -> None:
    secret = Secret(KEY)
    assert secret.fingerprint(b"a") != secret.fingerprint(b"b")
    assert KEY not in secret.fingerprint(b"a")


def test_mask_of_short_and_foreign_values() -> None:
    assert mask("hunter2") == "•••"
    assert mask("x" * 30) == "…xxxx"


def test_redact_replaces_keys_in_free_text() -> None:
    text = f"bad key {KEY} and admin {ADMIN}."
    out = redact(text)
    assert KEY not in out and ADMIN not in out
    assert "…" in out


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("", "no key given"),
        ("   \n", "no key given"),
        (f'"{KEY}"', "key is quoted"),
        (f"'{KEY}'", "key is quoted"),
        (KEY[:50] + " " + KEY[50:], "key contains whitespace"),
        (KEY[:50] + "\n" + KEY[50:], "key contains whitespace"),
        (ADMIN, "this is an Admin API key"),
        ("sk-proj-" + "a" * 100, "not an Anthropic API key"),
        ("hello", "not an Anthropic API key"),
        (KEY[:-3] + "é" + "AA", "key has unexpected characters"),
        ("sk-ant-api03-" + "a" * 10_000, "not an API key"),
        (f"“{KEY}”", "key is quoted"),  # typographic quotes from a chat tool or a document
        (f"«{KEY}»", "key is quoted"),
        ("\u200b" + KEY, "key contains an invisible character"),  # zero-width space
        ("\ufeff" + KEY, "key contains an invisible character"),  # a byte-order mark
        (KEY[:30] + "\u200d" + KEY[30:], "key contains an invisible character"),
    ],
)
def test_check_api_key_refuses_with_a_clear_reason(raw: str, title: str) -> None:
    with pytest.raises(KeyFormatError) as info:
        check_api_key(raw)
    assert info.value.title == title
    assert info.value.exit_code == 2
    assert KEY not in str(info.value) and ADMIN not in str(info.value)


def test_check_api_key_accepts_surrounding_whitespace_and_warns_on_length() -> None:
    checked = check_api_key(f"  {KEY}\n")
    assert checked.secret.reveal() == KEY and checked.warnings == ()
    short = check_api_key(KEY[:60])
    assert short.warnings and "60 characters" in short.warnings[0]


def test_check_admin_key() -> None:
    assert check_admin_key(ADMIN).reveal() == ADMIN
    with pytest.raises(KeyFormatError, match="API key, not an Admin key"):
        check_admin_key(KEY)
    with pytest.raises(KeyFormatError):
        check_admin_key("nope")


def test_store_keyring_round_trip() -> None:
    store = SecretStore(MemoryKeyring())
    assert store.read("keyring", "K") is None
    store.set_keyring("K", Secret(KEY))
    assert store.read("keyring", "K") == Secret(KEY)
    assert store.delete_keyring("K") is True
    assert store.delete_keyring("K") is False


def test_env_and_command_sources(tmp_path) -> None:
    store = SecretStore(MemoryKeyring(), environ={"MY_KEY": f" {KEY}\n", "EMPTY": ""})
    assert store.read("env:MY_KEY", "K") == Secret(KEY)
    assert store.read("env:EMPTY", "K") is None
    assert store.read("env:MISSING", "K") is None
    script = tmp_path / "pw.py"
    script.write_text(f"print('{KEY}')\n")
    assert store.read(f"command:{sys.executable} {script}", "K") == Secret(KEY)


def test_a_command_source_gets_no_key_value_in_its_environment(tmp_path, monkeypatch) -> None:
    """A password manager run for one key must not inherit another key (or the Admin key) that
    sits in rotui's environment; the rest of the environment (its session) still reaches it."""
    import json

    seen = tmp_path / "env.json"
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ROTUI_ADMIN", f"Bearer {ADMIN}")
    monkeypatch.setenv("PM_SESSION", "session-1234")
    script = tmp_path / "pm.py"
    script.write_text(
        f"import json, os\njson.dump(dict(os.environ), open({str(seen)!r}, 'w'))\nprint('{KEY}')\n"
    )
    store = SecretStore(MemoryKeyring())
    assert store.read(f"command:{sys.executable} {script}", "OTHER") == Secret(KEY)
    child = json.loads(seen.read_text())
    assert "ANTHROPIC_API_KEY" not in child and "ROTUI_ADMIN" not in child
    assert KEY not in seen.read_text() and ADMIN not in seen.read_text()
    assert child["PM_SESSION"] == "session-1234"


def test_command_source_failures_are_clear(tmp_path) -> None:
    store = SecretStore(MemoryKeyring(), command_timeout=0.5)
    with pytest.raises(SecretError, match="not on PATH"):
        store.read("command:/nonexistent/pass show x", "K")
    failing = tmp_path / "fail.py"
    failing.write_text(f"import sys; sys.stderr.write('locked: {KEY}\\n'); sys.exit(3)\n")
    with pytest.raises(SecretError) as info:
        store.read(f"command:{sys.executable} {failing}", "K")
    assert "exited with 3" in str(info.value) and KEY not in str(info.value)
    slow = tmp_path / "slow.py"
    slow.write_text("import time; time.sleep(30)\n")
    with pytest.raises(SecretError, match=r"did not finish in 0\.5 s"):
        store.read(f"command:{sys.executable} {slow}", "K")


class HungKeyring(MemoryKeyring):
    """A keyring that never answers, like a locked Secret Service waiting on an invisible prompt."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(60)
        return None


def test_hung_keyring_times_out_with_a_clear_message() -> None:
    backend = HungKeyring()
    store = SecretStore(backend, timeout=0.2)
    with pytest.raises(KeyringTimeout) as info:
        store.read("keyring", "K")
    assert "did not answer in 0.2 s" in str(info.value)
    backend.release.set()


async def test_async_read_runs_off_the_event_loop() -> None:
    backend = HungKeyring()
    store = SecretStore(backend, timeout=0.3)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    with pytest.raises(KeyringTimeout):
        await store.aread("keyring", "K")
    task.cancel()
    backend.release.set()
    assert ticks > 5  # the loop kept running while the keyring hung


def test_hung_keyring_never_blocks_exit(tmp_path) -> None:
    script = tmp_path / "hang.py"
    script.write_text(
        "import asyncio, threading\n"
        "from rotui.core.secret import SecretStore, MemoryKeyring\n"
        "class Hung(MemoryKeyring):\n"
        "    def get_password(self, s, u):\n"
        "        threading.Event().wait(3600)\n"
        "store = SecretStore(Hung(), timeout=0.2)\n"
        "async def main():\n"
        "    try:\n"
        "        await store.aread('keyring', 'K')\n"
        "    except Exception as exc:\n"
        "        print(type(exc).__name__)\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PYTHONPATH": str(__import__("tests.conftest").conftest.REPO),
            "PATH": "/usr/bin:/bin",
        },
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "KeyringTimeout"


def test_no_keyring_backend_names_the_ways_out() -> None:
    store = SecretStore()  # the conftest forces keyring's fail backend, as on a headless host
    with pytest.raises(KeyringUnavailable) as info:
        store.read("keyring", "K")
    message = str(info.value)
    for way in ("env:", "command:", "PYTHON_KEYRING_BACKEND", "keyringrc.cfg"):
        assert way in message
    assert "plaintext" in message


def test_plaintext_backend_is_never_auto_selected(monkeypatch) -> None:
    import keyring.backend

    from rotui.core import secret

    class Plain(keyring.backend.KeyringBackend):
        priority = 0.5  # type: ignore[assignment]

        def get_password(self, service, username):  # pragma: no cover - must not be chosen
            return "plaintext"

        def set_password(self, service, username, password): ...

        def delete_password(self, service, username): ...

    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    monkeypatch.setattr(keyring.backend, "get_all_keyring", lambda: [Plain()])
    monkeypatch.setattr(keyring.core, "load_config", lambda: None)
    with pytest.raises(KeyringUnavailable):
        secret.system_keyring()
