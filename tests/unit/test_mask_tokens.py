"""Every credential rotui handles prints masked, not only Anthropic keys: GitHub, Heroku and
Infisical tokens and webhook URLs by their shapes, and any secret rotui holds by its value.

The canaries take the shapes their issuers give them (cited beside TOKEN_PATTERN in
rotui/core/secret/value.py); none is a real credential.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from rotui.core.crashlog import write_crash_log
from rotui.core.safetext import one_line, printable
from rotui.core.secret import MemoryKeyring, Secret, SecretStore, mask, redact


def _hex(seed: str, n: int) -> str:
    return (hashlib.sha256(seed.encode()).hexdigest() * 4)[:n]


def _alnum(seed: str, n: int) -> str:
    return "".join(c.upper() if i % 3 else c for i, c in enumerate(_hex(seed, n)))


# name -> (the canary, the secret part that must never show)
CANARIES = {
    "GitHub classic PAT": ("ghp_" + _alnum("ghp", 36),) * 2,
    "GitHub OAuth token": ("gho_" + _alnum("gho", 36),) * 2,
    "GitHub app installation token": ("ghs_" + _alnum("ghs", 36),) * 2,
    "GitHub fine-grained PAT": ("github_pat_11A" + _alnum("pat1", 19) + "_" + _alnum("pat2", 59),)
    * 2,
    "Heroku token": ("HRKU-AA" + _alnum("hrku", 58),) * 2,
    "Infisical service token": (f"st.{_hex('id', 24)}.{_hex('tok', 32)}.{_hex('key', 32)}",) * 2,
    "Infisical access token (JWT)": (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZGVudGl0eUlkIjoi"
        + _alnum("jwt", 40)
        + "."
        + _alnum("sig", 43),
    )
    * 2,
    "Slack webhook": (
        "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/" + _alnum("slack", 24),
        "T0123ABCD/B0123ABCD/" + _alnum("slack", 24),
    ),
    "Discord webhook": (
        "https://discord.com/api/webhooks/112233445566778899/" + _alnum("discord", 68),
        "112233445566778899/" + _alnum("discord", 68),
    ),
    "URL password": ("https://ops:" + _alnum("pw", 20) + "@proxy.example:8080", _alnum("pw", 20)),
    # RFC 3986 lets a password hold sub-delims unencoded: , ; ( ) ' stopped the match (review)
    "URL password with a comma": (
        "mailto://ops:" + _alnum("pw2", 10) + ",x" + _alnum("pw3", 10) + "@mail.example",
        _alnum("pw2", 10) + ",x" + _alnum("pw3", 10),
    ),
    "URL password with brackets": (
        "https://ops:" + _alnum("pw4", 10) + "(x)" + _alnum("pw5", 10) + "@proxy.example",
        _alnum("pw4", 10) + "(x)" + _alnum("pw5", 10),
    ),
}


def read(value: str) -> Secret:
    """``value`` read as rotui reads every secret: from a source (here the keyring)."""
    store = SecretStore(MemoryKeyring(), environ={})
    store.set_keyring("test", Secret(value))
    found = store.read("keyring", "test")
    assert found is not None
    return found


@pytest.mark.parametrize("name", sorted(CANARIES))
def test_each_token_shape_prints_masked(name: str) -> None:
    canary, secret = CANARIES[name]
    text = f"HTTP 401 from the provider: {{'error': 'bad credentials {canary}'}}"
    for shown in (printable(text), one_line(text), redact(text)):
        assert secret not in shown and secret[:-4] not in shown, name
        assert "HTTP 401 from the provider" in shown
        assert "…" in shown or "•••" in shown


def test_a_token_hint_names_its_kind_and_hides_the_rest() -> None:
    token = CANARIES["GitHub classic PAT"][0]
    assert mask(token) == f"ghp_…{token[-4:]}"
    heroku = CANARIES["Heroku token"][0]
    assert mask(heroku) == f"HRKU-…{heroku[-4:]}"


def test_innocent_text_is_not_masked() -> None:
    """Request ids are UUIDs, words hold "gh" and "st.", URLs without a password are plain."""
    for text in (
        "request id 9f1b2c3d-4e5f-4a6b-8c7d-0123456789ab",
        "the highest straight-through test. Last.",
        "see https://console.anthropic.com/settings/keys and https://hooks.example/x",
        "ghp_short and HRKU-tiny",
    ):
        assert printable(text) == text


def test_a_secret_no_shape_catches_is_masked_by_its_value() -> None:
    """A Heroku token of the older bare-UUID form is masked where rotui holds it as a secret, and
    an equal-shaped request id is not."""
    token = "0d3f5a9e-7c21-4b8e-9f3a-" + _hex("uuid-token", 12)
    request_id = "0d3f5a9e-7c21-4b8e-9f3a-" + _hex("request-id", 12)
    before = printable(f"token {token}")
    assert token in before  # nothing can tell it from an id yet: the test below is not vacuous
    Secret(token)  # held is not enough: only a value read from a source is remembered
    assert token in printable(token)
    held = read(token)
    shown = printable(f"Heroku said: invalid token {token} (request {request_id})")
    assert token not in shown and held.hint in shown and request_id in shown
    assert token not in redact(repr(ValueError(f"bad {token}")))


def test_the_crash_log_masks_every_shape(tmp_path: Path) -> None:
    tokens = [canary for canary, _ in CANARIES.values()]
    uuid_token = "7e1a2b3c-4d5e-4f60-8a9b-" + _hex("crash-uuid", 12)
    read(uuid_token)
    try:
        raise RuntimeError("provider answered: " + " ".join([*tokens, uuid_token]))
    except RuntimeError as error:
        where = write_crash_log(error, tmp_path, dt.datetime(2026, 11, 30, tzinfo=dt.UTC))
    assert where is not None
    text = where.read_text()
    assert "provider answered" in text
    for _, secret in CANARIES.values():
        assert secret not in text
    assert uuid_token not in text


def test_an_argument_error_does_not_echo_a_token(tmp_path: Path) -> None:
    """A token pasted where a key name was expected: argparse's echo shows the hint only."""
    token = CANARIES["GitHub fine-grained PAT"][0]
    done = subprocess.run(
        [sys.executable, "-m", "rotui", "doctor", "--flow", token],
        capture_output=True,
        text=True,
        env={
            "HOME": str(tmp_path),
            "PATH": "/usr/bin:/bin",
            "ROTUI_CONFIG": str(tmp_path / "no.toml"),
        },
        timeout=60,
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0 and output
    assert token not in output and token[11:-4] not in output
    assert "github_pat_…" in output


def test_filler_and_whitespace_are_never_remembered_as_secrets() -> None:
    """A fuzzed or padded value must not mask innocent text everywhere after."""
    for value in (" " * 12, "aaaaaaaaaaaa", "\n" * 20, "short"):
        read(value)
    text = "aaaaaaaaaaaa and            spaces, short"
    assert printable(text) == text


def test_children_still_get_their_own_tokens_but_never_a_key() -> None:
    """gh needs GH_TOKEN and `infisical secrets get` INFISICAL_TOKEN by environment: masking
    tokens in what rotui prints must not strip them from a child's environment."""
    from rotui.core.consumers.base import child_environ
    from rotui.core.secret.store import _without_key_values

    gh_token = CANARIES["GitHub classic PAT"][0]
    infisical = CANARIES["Infisical access token (JWT)"][0]
    key = "sk-ant-api03-" + _alnum("child-key", 86) + "-" + _alnum("tail", 6) + "AA"
    environ = {"GH_TOKEN": gh_token, "INFISICAL_TOKEN": infisical, "LEAK": key, "PATH": "/bin"}
    given = child_environ(environ, ("GH_TOKEN", "LEAK"))
    assert given == {"GH_TOKEN": gh_token, "PATH": "/bin"}
    inherited = _without_key_values(environ)
    assert inherited == {"GH_TOKEN": gh_token, "INFISICAL_TOKEN": infisical, "PATH": "/bin"}


@pytest.mark.parametrize("command", ["validate", "doctor"])
def test_a_config_error_naming_a_token_does_not_echo_it(tmp_path: Path, command: str) -> None:
    """A token pasted into the wrong field: the error names the field and shows the hint only."""
    token = CANARIES["Heroku token"][0]
    config = tmp_path / "rotui.toml"
    config.write_text(
        '[[keys]]\nname = "K"\nsource = "env:K"\n\n'
        f'[[keys.consumers]]\nname = "h"\nkind = "{token}"\napp = "x"\n'
    )
    config.chmod(0o600)
    done = subprocess.run(
        [sys.executable, "-m", "rotui", command],
        capture_output=True,
        text=True,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "ROTUI_CONFIG": str(config)},
        timeout=60,
    )
    output = done.stdout + done.stderr
    assert "unknown kind" in output, output
    assert token[7:27] not in output and "HRKU-…" in output


def test_masking_a_json_document_keeps_it_json() -> None:
    """Run files and audit entries are redacted as JSON text: a mask never spans a delimiter."""
    document = {
        "api_url": "http://127.0.0.1:8080",
        "who": "ops@example.com",
        "url": CANARIES["URL password"][0],
        "said": [CANARIES[name][0] for name in sorted(CANARIES)],
    }
    for separators in ((",", ":"), (", ", ": ")):
        text = json.dumps(document, separators=separators)
        masked = json.loads(redact(text))
        assert masked["api_url"] == document["api_url"] and masked["who"] == document["who"]
        assert CANARIES["URL password"][1] not in masked["url"]
        assert masked["url"].startswith("https://ops:") and masked["url"].endswith(
            "@proxy.example:8080"
        )


def test_a_remembered_value_is_masked_in_its_json_escaped_form_too() -> None:
    odd = 'pa"ss\\wörd-' + _hex("odd", 16)
    read(odd)
    text = json.dumps({"said": f"rejected {odd}"})
    assert json.dumps(odd)[1:-1] in text  # json escaped it: the plain value is not there
    masked = redact(text)
    assert json.dumps(odd)[1:-1] not in masked and _hex("odd", 16)[:-4] not in masked
    assert json.loads(masked)["said"].startswith("rejected ")


def test_a_json_escaped_value_cut_mid_escape_never_breaks_the_json() -> None:
    odd = _hex("cut", 16) + 'x"\\'  # its escaped form ends in an escape sequence
    read(odd)
    masked = redact(json.dumps({"said": odd, "n": 1}))
    assert json.loads(masked) == {"said": "•••", "n": 1}


def test_values_remembered_by_threads_at_once_are_all_kept() -> None:
    """Sources are read in up to 8 threads (validate-all): without a lock, two threads rebuilt
    the registry from the same old tuple and one's value was lost, then printed in clear."""
    import threading

    from rotui.core import safetext

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # a thread switch at nearly every bytecode: the race, often
    try:
        values = [[f"tok-{t}-{i}-" + _alnum(f"{t}.{i}", 16) for i in range(40)] for t in range(8)]
        threads = [
            threading.Thread(target=lambda vs=vs: [safetext.remember(v) for v in vs])
            for vs in values
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    lost = [v for vs in values for v in vs if v not in safetext.known_values()]
    assert lost == [], f"{len(lost)} of {8 * 40} values were lost"
