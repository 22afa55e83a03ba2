"""Fuzzed input: configurations and pasted keys give a clean acceptance or a clear error, never a
crash (tests/unit/test_config.py fuzzes whole documents; this adds one-bad-field documents that
must name the field, deep nesting, huge values, unicode, raw bytes through the loader, and every
way a key gets pasted, through check_api_key and `rotui key set`)."""

from __future__ import annotations

import contextlib
import io
import json
import string
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rotui import cli
from rotui import config as config_module
from rotui.config import load_config, parse_config
from rotui.core.consumers.fields import COMMON, KIND_FIELDS
from rotui.core.errors import ConfigError, KeyFormatError
from rotui.core.model import Config
from rotui.core.secret import (
    ADMIN_KEY_PREFIX,
    API_KEY_PREFIX,
    HEADER_SAFE,
    SECRET_PATTERN,
    Secret,
    check_admin_key,
    check_api_key,
    check_usable_api_key,
)
from rotui.demo import fake_key

PATH = "/etc/rotui/fuzz.toml"
SECRET = fake_key("fuzz-secret")  # a key-shaped value that no error message may repeat
MAX_MESSAGE = 1000  # one readable line, not a wall of echoed input
FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# Configurations ----------------------------------------------------------------------------------

BASE: dict[str, Any] = {
    "settings": {
        "cadence_days": 90,
        "warn_days": 14,
        "validation": "auth",
        "ping_model": "claude-haiku-4-5",
        "max_concurrency": 8,
        "admin_key": "env:ANTHROPIC_ADMIN_KEY",
        "api_version": "2023-06-01",
        "timeout_seconds": 30,
        "theme": "textual-dark",
    },
    "keymap": {"rotate": "R"},
    "keys": [
        {
            "name": "ANTHROPIC_API_KEY",
            "environment": "prod",
            "workspace": "default",
            "source": "keyring",
            "cadence_days": 30,
            "base_url": "https://api.anthropic.com",
            "consumers": [
                {"name": "api", "kind": "heroku", "app": "raxx-api-prod", "order": 1},
                {"name": "ci", "kind": "github", "repo": "raxx/agents", "env": "prod"},
                {
                    "name": "vault",
                    "kind": "infisical",
                    "project_id": "p1",
                    "environment": "prod",
                    "token": "env:INFISICAL_TOKEN",
                },
                {"name": "dotenv", "kind": "env-file", "path": "/srv/app/.env", "var": "KEY"},
                {
                    "name": "runtime",
                    "kind": "command",
                    "run": ["agentctl", "set-key"],
                    "verify_url": "https://app.example.com/health",
                    "verify_json": "anthropic.ok",
                    "verify_equals": True,
                },
                {"name": "laptop", "kind": "manual", "instructions": "Update ~/.zshrc"},
            ],
        }
    ],
}
CONSUMER_NAMES = {c["name"] for c in BASE["keys"][0]["consumers"]}
CONSUMER_OF_KIND = {c["kind"]: i for i, c in enumerate(BASE["keys"][0]["consumers"])}
REQUIRED = {
    "heroku": ("app",),
    "github": ("repo",),
    "infisical": ("project_id", "environment"),
    "env-file": ("path",),
    "command": ("run",),
    "manual": ("instructions",),
}


def test_the_base_document_is_valid() -> None:
    config = parse_config(tomli_w.dumps(BASE), PATH)
    assert len(config.keys[0].consumers) == len(CONSUMER_OF_KIND)


def locations() -> list[tuple[str, tuple[Any, ...]]]:
    """Every field of BASE as (dotted path in error messages, path into the document)."""
    found: list[tuple[str, tuple[Any, ...]]] = []
    for name in BASE["settings"]:
        found.append((f"settings.{name}", ("settings", name)))
    for name in BASE["keys"][0]:
        if name != "consumers":
            found.append((f"keys[0].{name}", ("keys", 0, name)))
    for index, consumer in enumerate(BASE["keys"][0]["consumers"]):
        for name in consumer:
            found.append(
                (f"keys[0].consumers[{index}].{name}", ("keys", 0, "consumers", index, name))
            )
    return found


LOCATIONS = locations()
KNOWN_FIELDS = {
    *config_module.TOP_LEVEL_FIELDS,
    *config_module.SETTINGS_FIELDS,
    *config_module.KEY_FIELDS,
    *COMMON,
    *(name for fields in KIND_FIELDS.values() for name in fields),
    *BASE["keymap"],
}
HUGE_INTS = st.integers(min_value=2**63, max_value=10**30) | st.integers(
    min_value=-(10**30), max_value=-(2**63) - 1
)
UNICODE = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40)
WRONG_VALUES = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    UNICODE,
    st.text(string.printable, min_size=2000, max_size=3000),  # a huge string
    st.just(SECRET),
    st.just("sk-ant-admin01-" + SECRET[13:]),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.lists(st.integers(), max_size=3),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.just([]),
    st.just({}),
)


def nested(depth: int, leaf: Any, kinds: list[bool]) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if kinds[level % len(kinds)] else {"a": value}
    return value


def put(document: dict[str, Any], where: tuple[Any, ...], value: Any) -> None:
    target: Any = document
    for part in where[:-1]:
        target = target[part]
    target[where[-1]] = value


def drop(document: dict[str, Any], where: tuple[Any, ...]) -> None:
    target: Any = document
    for part in where[:-1]:
        target = target[part]
    del target[where[-1]]


def outcome(text: str) -> Config | ConfigError:
    """Parse; the only acceptable failure is a ConfigError with one clear, bounded line."""
    try:
        return parse_config(text, PATH)
    except ConfigError as exc:
        assert_clear(exc)
        return exc


def assert_clear(exc: ConfigError) -> None:
    message = str(exc)
    assert message.startswith(PATH), message
    assert "\n" not in message and "\r" not in message, message
    assert len(message) <= MAX_MESSAGE, f"{len(message)} characters: {message[:200]}…"
    assert SECRET not in message and SECRET[13:] not in message, message
    assert exc.exit_code == 2


def dotted_prefix(dotted: str) -> str:
    """The table that holds a field: its path up to the last dot."""
    return dotted.rsplit(".", 1)[0]


@FUZZ
@given(st.sampled_from(LOCATIONS), WRONG_VALUES)
def test_one_wrong_field_is_named_in_the_error(
    location: tuple[str, tuple[Any, ...]], value: Any
) -> None:
    dotted, where = location
    if where[-1] == "name" and "consumers" in where:
        assume(
            not (isinstance(value, str) and value in CONSUMER_NAMES)
        )  # a duplicate is reported at the later consumer
    document = json.loads(json.dumps(BASE))
    put(document, where, value)
    try:
        text = tomli_w.dumps(document)
    except (TypeError, ValueError):
        assume(False)  # not representable in TOML
    result = outcome(text)
    if isinstance(result, ConfigError):
        # another kind makes the consumer's other fields the problem: the consumer is named
        named = dotted_prefix(dotted) if where[-1] == "kind" else dotted
        assert named in str(result), f"{named} not named: {result}"


@pytest.mark.parametrize(
    "value",
    [SECRET, "x" * 3000, "\u202e" * 2000 + "é"],
    ids=["pasted-key", "huge", "huge-unicode"],
)
@pytest.mark.parametrize("location", LOCATIONS, ids=[dotted for dotted, _ in LOCATIONS])
def test_no_error_echoes_a_pasted_key_or_a_huge_value(
    location: tuple[str, tuple[Any, ...]], value: str
) -> None:
    """Every string field, deterministically: the loader never repeats an sk-ant- value (see
    test_config's test_key_pasted_as_source_is_never_echoed) nor thousands of characters."""
    dotted, where = location
    document = json.loads(json.dumps(BASE))
    put(document, where, value)
    result = outcome(tomli_w.dumps(document))  # asserts the message is bounded and has no key
    if isinstance(result, ConfigError):
        named = dotted_prefix(dotted) if where[-1] == "kind" else dotted
        assert named in str(result), str(result)


@FUZZ
@given(st.sampled_from(LOCATIONS))
def test_a_missing_field_is_named_or_defaulted(location: tuple[str, tuple[Any, ...]]) -> None:
    dotted, where = location
    document = json.loads(json.dumps(BASE))
    drop(document, where)
    result = outcome(tomli_w.dumps(document))
    field = where[-1]
    consumer = where[2:3] == ("consumers",)
    kind = document["keys"][0]["consumers"][where[3]].get("kind") if consumer else None
    required = field in ("name", "kind") if consumer else field == "name"
    required = required or (kind is not None and field in REQUIRED[kind])
    if required:
        assert isinstance(result, ConfigError), f"{dotted} is required"
        assert dotted in str(result) and "missing" in str(result), str(result)
    elif field == "verify_url" and consumer:
        assert isinstance(result, ConfigError)  # verify_json without verify_url
        assert "verify_json: needs verify_url" in str(result)
    else:
        assert isinstance(result, Config), str(result)


@FUZZ
@given(
    st.sampled_from(LOCATIONS),
    st.integers(min_value=2, max_value=1500),
    st.lists(st.booleans(), min_size=1, max_size=4),
    st.sampled_from([1, "x", True, SECRET]),
)
def test_deep_nesting_anywhere_is_a_clean_error(
    location: tuple[str, tuple[Any, ...]], depth: int, kinds: list[bool], leaf: Any
) -> None:
    dotted, where = location
    document = json.loads(json.dumps(BASE))
    put(document, where, nested(depth, leaf, kinds))
    try:
        text = tomli_w.dumps(document)
    except (RecursionError, ValueError):
        # tomli_w cannot write it: the same nesting as TOML text, written by hand
        text = tomli_w.dumps(BASE) + "\n[extra]\nx = " + "[" * depth + "1" + "]" * depth + "\n"
        dotted = "extra"
    result = outcome(text)
    assert isinstance(result, ConfigError)  # no field accepts an array or a table nested this way
    message = str(result)
    assert dotted in message or "nested too deeply" in message, message


@FUZZ
@given(
    st.sampled_from(["settings", "keys[0]", "keys[0].consumers[0]", "keymap", ""]),
    UNICODE,
    UNICODE | WRONG_VALUES,
)
def test_unicode_field_names_and_values(where: str, name: str, value: Any) -> None:
    document = json.loads(json.dumps(BASE))
    table: Any = {
        "settings": document["settings"],
        "keys[0]": document["keys"][0],
        "keys[0].consumers[0]": document["keys"][0]["consumers"][0],
        "keymap": document["keymap"],
        "": document,
    }[where]
    assume(name not in KNOWN_FIELDS)
    table[name] = value
    try:
        text = tomli_w.dumps(document)
    except (TypeError, ValueError):
        assume(False)
    result = outcome(text)
    if isinstance(value, str) and SECRET_PATTERN.search(value):
        assert isinstance(result, ConfigError)  # a pasted key, in any field, is refused first
        assert "looks like an API key" in str(result) and value not in str(result)
    elif where == "keymap" and isinstance(value, str) and value.strip():
        assert isinstance(result, Config)  # binding ids are checked by the UI
    elif where != "keymap":
        assert isinstance(result, ConfigError)  # an unknown field, wherever it is
        assert "unknown" in str(result), str(result)


@FUZZ
@given(
    st.sampled_from(["cadence_days", "warn_days", "max_concurrency", "timeout_seconds"]),
    st.integers(min_value=20, max_value=6000),
)
def test_huge_numbers_are_refused_cleanly(field: str, digits: int) -> None:
    text = f"[settings]\n{field} = {'9' * digits}\n"
    result = outcome(text)
    assert isinstance(result, ConfigError)
    assert f"settings.{field}" in str(result) or "too many digits" in str(result), str(result)


def test_thousands_of_consumers_load() -> None:
    document = json.loads(json.dumps(BASE))
    document["keys"][0]["consumers"] = [
        {"name": f"c{i}", "kind": "manual", "instructions": "x" * 50} for i in range(3000)
    ]
    result = outcome(tomli_w.dumps(document))
    assert isinstance(result, Config) and len(result.keys[0].consumers) == 3000


@pytest.fixture(scope="module")
def loader_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def _spliced(position: int, junk: bytes) -> bytes:
    """The valid document with a few random bytes inserted somewhere."""
    raw = tomli_w.dumps(BASE).encode()
    position %= len(raw) + 1
    return raw[:position] + junk + raw[position:]


@FUZZ
@given(
    st.binary(max_size=400)
    | st.builds(_spliced, st.integers(min_value=0), st.binary(min_size=1, max_size=8))
    | st.builds(lambda junk: b"\xef\xbb\xbf" + junk, st.binary(max_size=40))
)
def test_raw_bytes_through_the_loader_and_its_cache(loader_dir: Path, raw: bytes) -> None:
    """The CLI's path: load_config reads bytes (BOM, invalid UTF-8, NUL) and caches the parse."""
    path = loader_dir / "rotui.toml"
    path.write_bytes(raw)
    for _ in range(2):  # the second load may come from the cache: the same verdict
        try:
            config = load_config(path, cache_dir=loader_dir / "cache")
        except ConfigError as exc:
            message = str(exc)
            assert message.startswith(str(path)) and "\n" not in message, message
            assert len(message) <= MAX_MESSAGE
        else:
            assert isinstance(config, Config) and config.path == str(path)
    leftovers = [p for p in loader_dir.rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers


# Pasted keys -------------------------------------------------------------------------------------

BODY = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=120)
KEYS = st.just(fake_key("fuzz-paste")) | st.builds(lambda body: API_KEY_PREFIX + body, BODY)
ADMIN_KEYS = st.builds(lambda body: ADMIN_KEY_PREFIX + body, BODY)
WRONG_PREFIX = st.builds(
    lambda prefix, body: prefix + body,
    st.sampled_from(
        ["sk-ant-api02-", "sk-ant-", "sk-proj-", "sk-", "SK-ANT-API03-", "sk_ant_api03_", "api03-"]
    ),
    BODY,
)
SPACE = st.text(" \t\n\r\x0b\x0c\u00a0\u2003\u3000\u2028", max_size=5)
QUOTES = st.sampled_from(["", '"', "'", "`", "“", "”", "«"])
LEADS = st.sampled_from(
    ["", "export ANTHROPIC_API_KEY=", "ANTHROPIC_API_KEY=", "x-api-key: ", "Bearer ", "key: "]
)


def _wrapped(key: str, lead: str, quote_in: str, quote_out: str, before: str, after: str) -> str:
    return before + lead + quote_in + key + quote_out + after


def _broken(key: str, index: int, insert: str) -> str:
    index %= len(key) + 1
    return key[:index] + insert + key[index:]


def _replaced(key: str, index: int, char: str) -> str:
    index %= len(key)
    return key[:index] + char + key[index + 1 :]


CORES = KEYS | ADMIN_KEYS | WRONG_PREFIX
PASTES = st.one_of(
    st.builds(_wrapped, CORES, LEADS, QUOTES, QUOTES, SPACE, SPACE),
    st.builds(
        _broken,
        CORES,
        st.integers(0, 200),
        st.sampled_from(["\n", "\r\n", " ", "\t", "\u200b", "\ufeff"]),
    ),
    st.builds(
        _replaced,
        KEYS,
        st.integers(0, 200),
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
    ),
    st.builds(lambda key, n: "\n".join([key] * n), KEYS, st.integers(2, 100)),  # up to ~10 kB
    st.builds(
        lambda ch, n: ch * n,
        st.sampled_from(["a", "é", "\n", " ", "sk-ant-api03-"]),
        st.integers(9_000, 10_500),
    ),
    st.text(max_size=200),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60),
)


def assert_no_echo(text: str, raw: str) -> None:
    """No error shows the pasted value, nor any 20-character run of a key-like value in it."""
    value = raw.strip()
    if len(value) >= 20:
        assert value not in text
    for token in value.replace('"', " ").replace("'", " ").replace("=", " ").split():
        if len(token) >= 20 and token.startswith("sk-"):
            tail = token[10:]
            for start in range(0, max(len(tail) - 19, 0), 7):
                assert tail[start : start + 20] not in text, f"{token[:16]}… echoed"


@FUZZ
@given(PASTES)
def test_check_api_key_accepts_cleanly_or_says_why(raw: str) -> None:
    try:
        checked = check_api_key(raw)
    except KeyFormatError as exc:
        assert exc.title and exc.message, str(exc)
        assert exc.exit_code == 2
        assert "\n" not in str(exc), str(exc)
        assert len(str(exc)) <= MAX_MESSAGE
        assert_no_echo(str(exc), raw)
        return
    value = checked.secret.reveal()
    assert value == raw.strip()  # the only normalisation: surrounding whitespace
    assert value.startswith(API_KEY_PREFIX) and HEADER_SAFE.fullmatch(value)
    check_usable_api_key(checked.secret, "pasted")  # what was accepted can be used later
    for warning in checked.warnings:
        assert_no_echo(warning, raw)


@FUZZ
@given(KEYS, SPACE, SPACE)
def test_a_valid_key_in_whitespace_is_accepted(key: str, before: str, after: str) -> None:
    assert check_api_key(before + key + after).secret.reveal() == key


@FUZZ
@given(ADMIN_KEYS, SPACE, SPACE)
def test_an_admin_key_is_refused_as_such(key: str, before: str, after: str) -> None:
    with pytest.raises(KeyFormatError) as info:
        check_api_key(before + key + after)
    assert info.value.title == "this is an Admin API key"
    assert_no_echo(str(info.value), key)


@FUZZ
@given(PASTES | st.text(max_size=200))
def test_check_usable_api_key_never_crashes_or_echoes(raw: str) -> None:
    try:
        check_usable_api_key(Secret(raw), "ANTHROPIC_API_KEY (source env)")
    except KeyFormatError as exc:
        assert "ANTHROPIC_API_KEY (source env)" in exc.title
        assert_no_echo(str(exc), raw)
    else:
        assert HEADER_SAFE.fullmatch(raw) and not raw.startswith(ADMIN_KEY_PREFIX)


@FUZZ
@given(PASTES | ADMIN_KEYS)
def test_check_admin_key_never_crashes_or_echoes(raw: str) -> None:
    try:
        secret = check_admin_key(raw)
    except KeyFormatError as exc:
        assert_no_echo(str(exc), raw)
    else:
        assert secret.reveal() == raw.strip() and secret.reveal().startswith(ADMIN_KEY_PREFIX)


# `rotui key set NAME`, in-process, the key on stdin ----------------------------------------------


@pytest.fixture(scope="module")
def key_set_env() -> Iterator[dict[str, str]]:
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        config = root / "rotui.toml"
        config.write_text('[[keys]]\nname = "ANTHROPIC_API_KEY"\nsource = "keyring"\n')
        config.chmod(0o600)  # as `rotui init` writes it: a readable one draws a warning line
        yield {
            "ROTUI_CONFIG": str(config),
            "PYTHON_KEYRING_BACKEND": "tests.support.file_keyring.FileKeyring",
            "ROTUI_TEST_KEYRING": str(root / "keyring.json"),
            "XDG_CACHE_HOME": str(root / "cache"),
        }


@contextlib.contextmanager
def cli_streams(stdin: io.TextIOBase) -> Iterator[tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = stdin  # type: ignore[assignment]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield out, err
    finally:
        sys.stdin = saved


def key_set(env: dict[str, str], stdin: io.TextIOBase, *argv: str) -> tuple[int, str]:
    ring = Path(env["ROTUI_TEST_KEYRING"])
    ring.unlink(missing_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        with cli_streams(stdin) as (out, err):
            code = cli.main(["key", "set", *argv])
    return code, out.getvalue() + err.getvalue()


def stored(env: dict[str, str], username: str) -> str | None:
    ring = Path(env["ROTUI_TEST_KEYRING"])
    value: str | None = (
        json.loads(ring.read_text()).get(f"rotui/{username}") if ring.exists() else None
    )
    return value


@FUZZ
@given(PASTES)
def test_key_set_stores_cleanly_or_says_why(key_set_env: dict[str, str], raw: str) -> None:
    code, said = key_set(key_set_env, io.StringIO(raw), "ANTHROPIC_API_KEY")
    assert "Traceback" not in said and "internal error" not in said, said
    try:
        expected: str | None = check_api_key(raw).secret.reveal()
    except KeyFormatError:
        expected = None
    if expected is None:
        assert code == 2, said  # README: 2 for an input that is not a key
        assert said.startswith("rotui: ") and said.count("\n") == 1, said
        assert stored(key_set_env, "ANTHROPIC_API_KEY") is None
        assert_no_echo(said, raw)
    else:
        assert code == 0, said
        assert stored(key_set_env, "ANTHROPIC_API_KEY") == expected
        assert expected not in said and "as ANTHROPIC_API_KEY in the keyring" in said


@FUZZ
@given(st.binary(max_size=300))
def test_key_set_from_raw_bytes(key_set_env: dict[str, str], raw: bytes) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8")
    code, said = key_set(key_set_env, stdin, "ANTHROPIC_API_KEY")
    assert "Traceback" not in said and "internal error" not in said, said
    assert code in (0, 2), said
    if code == 2:
        assert stored(key_set_env, "ANTHROPIC_API_KEY") is None


@FUZZ
@given(PASTES | ADMIN_KEYS)
def test_key_set_admin_stores_cleanly_or_says_why(key_set_env: dict[str, str], raw: str) -> None:
    code, said = key_set(key_set_env, io.StringIO(raw), "--admin")
    assert "Traceback" not in said and "internal error" not in said, said
    assert code in (0, 2), said
    if code == 0:
        assert stored(key_set_env, "__admin__") == raw.strip()
    else:
        assert_no_echo(said, raw)
