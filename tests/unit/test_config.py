"""Tests for rotui.config: the schema, its one-line errors, path resolution and `rotui init`."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rotui import config as config_module
from rotui.config import (
    STARTER_CONFIG,
    ConfigFileNotFound,
    default_config_path,
    load_config,
    parse_config,
    resolve_config_path,
    write_starter_config,
)
from rotui.config.checker import parse_source
from rotui.core.errors import ConfigError
from rotui.core.model import (
    Config,
    Consumer,
    ConsumerKind,
    ManagedKey,
    Settings,
    ValidationMode,
)

PATH = "/etc/rotui/test.toml"


def error_for(text: str) -> str:
    """Parse text that must be rejected and return the one-line message."""
    with pytest.raises(ConfigError) as info:
        parse_config(text, PATH)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message
    assert message.startswith(PATH)
    return message


def one_key(extra: str = "", name: str = "K") -> str:
    """A document with a single key and extra lines inside its table."""
    return f'[[keys]]\nname = "{name}"\n{extra}\n'


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n", "\ufeff"])
def test_empty_document_is_an_error(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "/etc/rotui.toml")
    assert "/etc/rotui.toml: empty configuration" in str(info.value)
    assert "rotui init" in str(info.value)


def test_settings_alone_is_a_config_with_no_keys() -> None:
    assert parse_config("[settings]\n") == Config()


def test_only_name_gives_model_defaults() -> None:
    config = parse_config(one_key())
    assert config.settings == Settings()
    assert config.keymap == {}
    assert config.keys == (ManagedKey(name="K"),)
    key = config.keys[0]
    assert (key.environment, key.workspace, key.source) == ("", "default", "keyring")
    assert key.created is None and key.cadence_days is None and key.base_url is None
    assert key.consumers == ()


def test_full_document_round_trips_through_tomli_w() -> None:
    document: dict[str, Any] = {
        "settings": {
            "cadence_days": 30,
            "warn_days": 0,
            "validation": "ping",
            "ping_model": "claude-x",
            "max_concurrency": 256,
            "admin_key": "keyring",
            "api_version": "2026-10-21",
            "timeout_seconds": 2.5,
            "theme": "nord",
        },
        "keymap": {"rotate": "R", "quit": "ctrl+q"},
        "keys": [
            {
                "name": "ANTHROPIC_API_KEY",
                "environment": "prod",
                "workspace": "ws",
                "source": "env:ANTHROPIC_API_KEY",
                "created": dt.date(2026, 8, 20),
                "cadence_days": 3650,
                "base_url": "https://proxy.example.com/anthropic/",
                "consumers": [
                    {"name": "raxx-api-prod", "kind": "heroku", "app": "raxx", "order": 1},
                    {"name": "gh", "kind": "github", "repo": "o/r", "verify_command": ["true"]},
                ],
            },
            {"name": "other", "source": "command:pass show anthropic/prod"},
        ],
    }
    config = parse_config(tomli_w.dumps(document))
    assert config.settings == Settings(
        cadence_days=30,
        warn_days=0,
        validation=ValidationMode.PING,
        ping_model="claude-x",
        max_concurrency=256,
        admin_key="keyring",
        api_version="2026-10-21",
        timeout_seconds=2.5,
        theme="nord",
    )
    assert config.keymap == {"rotate": "R", "quit": "ctrl+q"}
    first, second = config.keys
    assert first.created == dt.datetime(2026, 8, 20, tzinfo=dt.UTC)
    assert first.base_url == "https://proxy.example.com/anthropic"
    assert first.consumers == (
        Consumer("raxx-api-prod", ConsumerKind.HEROKU, {"app": "raxx", "order": 1}),
        Consumer("gh", ConsumerKind.GITHUB, {"repo": "o/r", "verify_command": ["true"]}),
    )
    assert second.source == "command:pass show anthropic/prod"
    assert config.key("other") is second


def test_integer_timeout_becomes_float() -> None:
    timeout = parse_config("[settings]\ntimeout_seconds = 600\n").settings.timeout_seconds
    assert timeout == 600.0 and isinstance(timeout, float)


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("2026-08-20", dt.datetime(2026, 8, 20, tzinfo=dt.UTC)),
        ("2026-08-20T10:30:00", dt.datetime(2026, 8, 20, 10, 30, tzinfo=dt.UTC)),
        ("2026-08-20T10:30:00Z", dt.datetime(2026, 8, 20, 10, 30, tzinfo=dt.UTC)),
        ("2026-08-20T02:00:00+05:00", dt.datetime(2026, 8, 19, 21, 0, tzinfo=dt.UTC)),
        ("2026-08-20 23:00:00-02:00", dt.datetime(2026, 8, 21, 1, 0, tzinfo=dt.UTC)),
    ],
)
def test_created_dates_and_datetimes_become_utc(toml: str, expected: dt.datetime) -> None:
    created = parse_config(one_key(f"created = {toml}")).keys[0].created
    assert created == expected
    assert created is not None and created.utcoffset() == dt.timedelta(0)


def test_starter_config_parses_and_is_short() -> None:
    config = parse_config(STARTER_CONFIG)
    assert config.settings == Settings()
    assert [k.name for k in config.keys] == ["ANTHROPIC_API_KEY"]
    key = config.keys[0]
    assert (key.environment, key.workspace, key.source) == ("prod", "default", "keyring")
    assert len(STARTER_CONFIG.splitlines()) < 60
    for phrase in (
        "GET /v1/models",
        "POST /v1/messages",
        "billed",
        "no tokens",
        "env:",
        "command:",
    ):
        assert phrase in STARTER_CONFIG


def test_starter_config_examples_parse_when_uncommented() -> None:
    text = re.sub(r"(?m)^# (?=[a-z_]+ = |\[\[)", "", STARTER_CONFIG)
    config = parse_config(text)
    key = config.keys[0]
    assert key.created == dt.datetime(2026, 8, 20, tzinfo=dt.UTC)
    assert key.consumers[0].kind is ConsumerKind.HEROKU
    assert config.settings.admin_key == "env:ANTHROPIC_ADMIN_KEY"
    assert config.settings.theme == "textual-dark"


def test_malformed_toml_names_line_and_column() -> None:
    message = error_for("[settings]\ncadence_days = 90\nwarn_days = = 3\n")
    assert "line 3, column" in message
    assert "(at line" not in message


def test_malformed_toml_at_end_of_document() -> None:
    assert "end of file" in error_for('[[keys]]\nname = "unterminated')


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            "[settings]\ncadence_days = true",
            ["settings.cadence_days", "integer from 1 to 3650", "got boolean"],
        ),
        ("[settings]\nwarn_days = 1.5", ["settings.warn_days", "from 0 to 3650", "got float"]),
        ('[settings]\nmax_concurrency = "8"', ["settings.max_concurrency", "got string"]),
        ("[settings]\nvalidation = 1", ["settings.validation", "auth, ping", "got integer"]),
        ("[settings]\nping_model = []", ["settings.ping_model", "expected a string", "got array"]),
        ("[settings]\ntimeout_seconds = false", ["settings.timeout_seconds", "got boolean"]),
        ("[settings]\ntheme = {}", ["settings.theme", "got table"]),
        ("[settings]\nadmin_key = 2026-01-01", ["settings.admin_key", "got date", "env:VAR"]),
        ("settings = 3", ["settings: expected a table, got integer"]),
        ("keymap = []", ["keymap: expected a table, got array"]),
        ("[keymap]\nrotate = 1", ["keymap.rotate", "expected a string, got integer"]),
        ('[keymap]\nrotate = ""', ["keymap.rotate", "must not be empty"]),
        (one_key("environment = 1"), ["keys[0].environment", "got integer"]),
        (one_key("workspace = true"), ["keys[0].workspace", "got boolean"]),
        (one_key("source = 1"), ["keys[0].source", "got integer", "keyring"]),
        ("[[keys]]\nname = 1", ["keys[0].name", "got integer"]),
        ("[[keys]]\nname = 07:00:00", ["keys[0].name", "got time"]),
        (one_key("created = 1"), ["keys[0].created", "2026-08-20 (no quotes)", "got integer"]),
        (one_key("created = 07:00:00"), ["keys[0].created", "got time"]),
        (one_key("cadence_days = 1.0"), ["keys[0].cadence_days", "got float"]),
        (one_key("base_url = 1"), ["keys[0].base_url", "got integer"]),
    ],
)
def test_wrong_types_name_the_toml_type(text: str, fragments: list[str]) -> None:
    message = error_for(text)
    for fragment in fragments:
        assert fragment in message


def test_quoted_created_date_says_no_quotes() -> None:
    message = error_for(one_key('created = "2026-08-20"'))
    assert "keys[0].created" in message
    assert "expected a TOML date like 2026-08-20 (no quotes)" in message
    assert "got string" in message


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            "[settings]\ncadence_days = 0",
            ["settings.cadence_days", "0 is out of range", "1 to 3650"],
        ),
        ("[settings]\ncadence_days = 3651", ["3651 is out of range"]),
        ("[settings]\nwarn_days = -1", ["settings.warn_days", "0 to 3650"]),
        ("[settings]\nmax_concurrency = 257", ["settings.max_concurrency", "1 to 256"]),
        ("[settings]\nmax_concurrency = 0", ["settings.max_concurrency", "1 to 256"]),
        ("[settings]\ntimeout_seconds = 0", ["settings.timeout_seconds", "greater than 0", "600"]),
        ("[settings]\ntimeout_seconds = 600.5", ["settings.timeout_seconds", "at most 600"]),
        ("[settings]\ntimeout_seconds = -3", ["settings.timeout_seconds"]),
        ("[settings]\ntimeout_seconds = nan", ["settings.timeout_seconds", "out of range"]),
        ("[settings]\ntimeout_seconds = inf", ["settings.timeout_seconds", "out of range"]),
        ("[settings]\ntimeout_seconds = 1e400", ["settings.timeout_seconds", "out of range"]),
        (one_key("cadence_days = 0"), ["keys[0].cadence_days", "1 to 3650"]),
        (
            "[settings]\nmax_concurrency = 999999999999999999999999999999",
            ["settings.max_concurrency", "very large integer", "1 to 256"],
        ),
        (
            "[settings]\ntimeout_seconds = 999999999999999999999999999999",
            ["settings.timeout_seconds", "very large integer"],
        ),
        ("[settings]\ncadence_days = " + "9" * 5000, ["too many digits"]),
    ],
)
def test_out_of_range_numbers(text: str, fragments: list[str]) -> None:
    message = error_for(text)
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            '[settings]\nvalidation = "pong"',
            [
                "settings.validation",
                "unknown validation mode 'pong'",
                "auth, ping",
                "did you mean 'ping'",
            ],
        ),
        (
            '[settings]\napi_version = "2024-01-01"',
            ["settings.api_version", "2023-06-01, 2026-10-21"],
        ),
        ('[settings]\nping_model = "  "', ["settings.ping_model", "must not be empty"]),
        ('[settings]\ntheme = ""', ["settings.theme", "must not be empty"]),
    ],
)
def test_unknown_choices(text: str, fragments: list[str]) -> None:
    message = error_for(text)
    for fragment in fragments:
        assert fragment in message


def test_unknown_consumer_kind_uses_the_dotted_path() -> None:
    text = (
        '[[keys]]\nname = "A"\n[[keys]]\nname = "B"\n'
        '[[keys.consumers]]\nname = "raxx-api-prod"\nkind = "herokuu"\n'
    )
    message = error_for(text)
    assert (
        "keys[1].consumers[0].kind: unknown kind 'herokuu'; expected one of heroku, github,"
        " infisical, env-file, command, manual (did you mean 'heroku'?)"
    ) in message


def test_duplicate_key_names() -> None:
    text = one_key(name="X") + one_key(name="Y") + one_key(name="X")
    assert "keys[2].name: duplicate key name 'X' (first defined at keys[0])" in error_for(text)


def test_key_names_differing_only_by_case_are_duplicates() -> None:
    message = error_for(one_key(name="Prod") + one_key(name="PROD"))
    assert "keys[1].name: duplicate key name 'PROD'" in message
    assert "as 'Prod'" in message and "letter case" in message


def test_duplicate_consumer_names_within_a_key() -> None:
    text = one_key(
        '[[keys.consumers]]\nname = "c"\nkind = "manual"\ninstructions = "x"\n'
        '[[keys.consumers]]\nname = "c"\nkind = "github"\nrepo = "o/r"\n'
    )
    message = error_for(text)
    assert "keys[0].consumers[1].name: duplicate consumer name 'c'" in message
    assert "first defined at keys[0].consumers[0]" in message


def test_same_consumer_name_under_different_keys_is_fine() -> None:
    consumer = '[[keys.consumers]]\nname = "c"\nkind = "manual"\ninstructions = "x"\n'
    config = parse_config(one_key(consumer, "A") + one_key(consumer, "B"))
    assert [k.consumers[0].name for k in config.keys] == ["c", "c"]


def test_missing_key_name() -> None:
    message = error_for('[[keys]]\nenvironment = "prod"\n')
    assert "keys[0].name: missing" in message and 'name = "ANTHROPIC_API_KEY"' in message


@pytest.mark.parametrize(
    ("extra", "fragments"),
    [
        ('[[keys.consumers]]\nkind = "heroku"', ["keys[0].consumers[0].name: missing"]),
        (
            '[[keys.consumers]]\nnmae = "x"\nkind = "heroku"',
            ["name: missing", "'nmae' a typo for 'name'"],
        ),
        ('[[keys.consumers]]\nname = "x"', ["keys[0].consumers[0].kind: missing", "heroku"]),
        (
            '[[keys.consumers]]\nname = ""\nkind = "heroku"',
            ["consumers[0].name", "must not be empty"],
        ),
        ('[[keys.consumers]]\nname = "x"\nkind = 3', ["consumers[0].kind", "got integer"]),
        ('[keys.consumers]\nname = "x"', ["keys[0].consumers", "[[keys.consumers]]", "got table"]),
        ('consumers = "x"', ["keys[0].consumers", "got string"]),
        ('consumers = ["x"]', ["keys[0].consumers[0]: expected a table, got string"]),
    ],
)
def test_consumer_errors(extra: str, fragments: list[str]) -> None:
    message = error_for(one_key(extra))
    for fragment in fragments:
        assert fragment in message


def test_keys_as_a_table_is_rejected() -> None:
    message = error_for('[keys]\nname = "x"\n')
    assert "keys: expected an array of tables ([[keys]]), got table" in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('keys = "x"', "keys: expected an array of tables ([[keys]]), got string"),
        ("keys = [1]", "keys[0]: expected a table, got integer"),
    ],
)
def test_keys_must_be_an_array_of_tables(text: str, fragment: str) -> None:
    assert fragment in error_for(text)


def test_empty_keys_array_is_fine() -> None:
    assert parse_config("keys = []").keys == ()


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ('""', "must not be empty"),
        ('"   "', "must not be empty"),
        ('"' + "x" * 129 + '"', "too long (129 characters); at most 128"),
        ('"a\\u0007b"', "control characters"),
        ('"a\\nb"', "control characters"),
        ('" padded"', "must not start or end with whitespace"),
    ],
)
def test_bad_key_names(name: str, fragment: str) -> None:
    message = error_for(f"[[keys]]\nname = {name}\n")
    assert "keys[0].name" in message and fragment in message


def test_unicode_key_name_is_accepted() -> None:
    name = "clé-production-🔑"
    assert parse_config(tomli_w.dumps({"keys": [{"name": name}]})).keys[0].name == name
    assert parse_config(one_key(name="x" * 128)).keys[0].name == "x" * 128


def test_unknown_key_field_suggests_a_close_match() -> None:
    message = error_for('[[keys]]\nnmae = "x"\n')
    assert "keys[0].nmae: unknown field; allowed fields: name, environment, workspace" in message
    assert "(did you mean 'name'?)" in message


def test_unknown_settings_field() -> None:
    message = error_for("[settings]\ncadense_days = 3\n")
    assert "settings.cadense_days: unknown field" in message
    assert "did you mean 'cadence_days'?" in message


def test_unknown_field_without_close_match_has_no_suggestion() -> None:
    message = error_for("[settings]\nzzz = 3\n")
    assert "settings.zzz: unknown field" in message and "did you mean" not in message


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            "[setings]\n",
            ["setings: unknown table", "[settings], [keymap], [[keys]]", "did you mean 'settings'"],
        ),
        ("[[key]]\nname = 'x'\n", ["key: unknown table", "did you mean 'keys'"]),
        ("cadence_days = 3\n", ["cadence_days: unknown top-level field", "under [settings]"]),
        ("name = 'x'\n", ["name: unknown top-level field", "under [[keys]]"]),
        ("[[consumers]]\nname = 'x'\n", ["consumers: unknown table", "[[keys.consumers]]"]),
    ],
)
def test_unknown_top_level_entries(text: str, fragments: list[str]) -> None:
    message = error_for(text)
    for fragment in fragments:
        assert fragment in message


def test_odd_field_names_are_quoted_and_escaped_on_one_line() -> None:
    message = error_for('[[keys]]\nname = "x"\n"a b\\nc" = 1\n')
    assert 'keys[0]."a b\\nc": unknown field' in message


@pytest.mark.parametrize(
    ("created", "fragment"),
    [
        ("9999-12-31", "too far in the future"),
        ("0001-01-01T00:00:00+05:00", "out of range once converted to UTC"),
    ],
)
def test_created_out_of_range(created: str, fragment: str) -> None:
    message = error_for(one_key(f"created = {created}"))
    assert "keys[0].created" in message and fragment in message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.anthropic.com", "https://api.anthropic.com"),
        ("https://api.anthropic.com/", "https://api.anthropic.com"),
        ("http://localhost:8080//", "http://localhost:8080"),
        ("HTTPS://proxy.example.com/anthropic/", "HTTPS://proxy.example.com/anthropic"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_base_url_accepted_and_trailing_slash_stripped(url: str, expected: str) -> None:
    assert parse_config(one_key(f'base_url = "{url}"')).keys[0].base_url == expected


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("api.anthropic.com", "http:// or https://"),
        ("ftp://example.com", "http:// or https://"),
        ("https://", "no host"),
        ("https:///v1", "no host"),
        ("https://exa mple.com", "spaces"),
        ("https://[::1", "not a valid URL"),
        ("https://example.com:99999", "not a valid URL"),
        ("https://example.com/?x=1", "query"),
        ("https://example.com/#frag", "fragment"),
        ("", "must not be empty"),
    ],
)
def test_bad_base_urls(url: str, fragment: str) -> None:
    message = error_for(one_key(f'base_url = "{url}"'))
    assert "keys[0].base_url" in message and fragment in message


def test_base_url_credentials_are_rejected_without_echoing_them() -> None:
    message = error_for(one_key('base_url = "https://user:hunter2@example.com"'))
    assert "credentials" in message and "hunter2" not in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("keyring", "keyring"),
        (" Keyring ", "keyring"),
        ("env:ANTHROPIC_API_KEY", "env:ANTHROPIC_API_KEY"),
        ("env: _x1 ", "env:_x1"),
        ("ENV:FOO", "env:FOO"),
        ("command:pass show anthropic/prod", "command:pass show anthropic/prod"),
        ("command:  op read 'op://vault/item/field' ", "command:op read 'op://vault/item/field'"),
        ("command:printf '%s'\t\"a b\"", "command:printf '%s'\t\"a b\""),
    ],
)
def test_parse_source_accepts_and_normalises(value: str, expected: str) -> None:
    assert parse_source(value, "keys[0].source", PATH) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "unknown secret source ''"),
        ("vault:x", "unknown secret source 'vault:x'"),
        ("env", "unknown secret source 'env'"),
        ("keyring:other", "'keyring' takes no argument"),
        ("env:", "needs a variable name"),
        ("env:1ABC", "invalid environment variable name '1ABC'"),
        ("env:A-B", "invalid environment variable name"),
        ("env:ÉTÉ", "invalid environment variable name"),
        ("command:", "needs a program"),
        ("command:   ", "needs a program"),
        ("command:pass 'unclosed", "cannot split the command: No closing quotation"),
        ("command:a\x00b", "control characters"),
        ("command:a\nb", "control characters"),
    ],
)
def test_parse_source_rejects(value: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_source(value, "keys[3].source", PATH)
    message = str(info.value)
    assert message.startswith(f"{PATH}: ")
    assert "keys[3].source" in message and fragment in message
    assert "\n" not in message


def test_unknown_source_lists_the_three_forms() -> None:
    message = error_for(one_key('source = "file:/tmp/key"'))
    assert '"keyring", "env:VAR" or "command:PROGRAM ARGS..."' in message


def test_key_pasted_as_source_is_never_echoed() -> None:
    secret = "sk-ant-api03-SUPERSECRETVALUE"
    for text in (one_key(f'source = "{secret}"'), f'[settings]\nadmin_key = "{secret}"\n'):
        message = error_for(text)
        assert "SUPERSECRETVALUE" not in message and "looks like an API key" in message


def test_key_pasted_elsewhere_is_redacted() -> None:
    message = error_for('[settings]\nvalidation = "sk-ant-api03-SUPERSECRETVALUE"\n')
    assert "SUPERSECRETVALUE" not in message and "redacted" in message


def test_admin_key_sources() -> None:
    assert parse_config('[settings]\nadmin_key = "keyring"').settings.admin_key == "keyring"
    message = error_for('[settings]\nadmin_key = "env:"')
    assert "settings.admin_key" in message and "needs a variable name" in message


def test_load_config_sets_path(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(one_key(name="A"), encoding="utf-8")
    config = load_config(path)
    assert config.path == str(path) and config.keys[0].name == "A"


def test_load_config_accepts_a_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b"\xef\xbb\xbf" + one_key().encode())
    assert load_config(path).keys[0].name == "K"


def test_load_config_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[settings]\nvalidation = "nope"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"settings\.validation") as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: invalid configuration")


def test_non_utf8_gives_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b'[[keys]]\nname = "caf\xe9"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message and "not UTF-8" in message
    assert "byte offset 20" in message and "0xe9" in message and "line 2" in message


def test_missing_file_says_where_it_looked(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "rotui.toml"
    with pytest.raises(ConfigFileNotFound) as info:
        load_config(path)
    assert isinstance(info.value, ConfigError) and info.value.exit_code == 2
    assert info.value.path == path
    assert "not found" in str(info.value) and str(path) in str(info.value)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value) == f"{tmp_path}: is a directory: expected a TOML file"


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.toml"
    path.write_text("", encoding="utf-8")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", denied)  # load_config opens with os.open
    with pytest.raises(ConfigError) as info:
        load_config(path)
    monkeypatch.undo()
    assert str(path) in str(info.value) and "permission denied" in str(info.value)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read a mode-000 file"
)
def test_unreadable_file_for_real(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("", encoding="utf-8")
    path.chmod(0)
    with pytest.raises(ConfigError, match="permission denied"):
        load_config(path)


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b"#" * (config_module.MAX_CONFIG_BYTES + 1))
    with pytest.raises(ConfigError, match="too large"):
        load_config(path)


def test_resolve_prefers_cli_then_env_then_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    env = {"ROTUI_CONFIG": "/from/env.toml"}
    assert resolve_config_path("/from/cli.toml", env) == (Path("/from/cli.toml"), "--config")
    assert resolve_config_path(None, env) == (Path("/from/env.toml"), "$ROTUI_CONFIG")
    assert resolve_config_path(None, {"ROTUI_CONFIG": ""}) == (default_config_path(), "default")
    assert resolve_config_path(None, {}) == (default_config_path(), "default")


def test_resolve_expands_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    path, _ = resolve_config_path(None, {"ROTUI_CONFIG": "~/r.toml"})
    assert path == tmp_path / "r.toml"


def test_resolve_rejects_an_empty_cli_path() -> None:
    with pytest.raises(ConfigError, match="--config"):
        resolve_config_path("", {})


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG applies on Linux")
def test_default_path_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_config_path() == tmp_path / "rotui" / "rotui.toml"
    assert resolve_config_path(None, {}) == (tmp_path / "rotui" / "rotui.toml", "default")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_write_starter_config_is_private_and_refuses_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "rotui.toml"
    write_starter_config(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (tmp_path / "a", tmp_path / "a" / "b"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert path.read_text(encoding="utf-8") == STARTER_CONFIG
    assert load_config(path).keys[0].name == "ANTHROPIC_API_KEY"
    path.write_text("# mine\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        write_starter_config(path)
    message = str(info.value)
    assert "already exists" in message and "--config" in message and str(path) in message
    assert path.read_text(encoding="utf-8") == "# mine\n"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_write_starter_config_keeps_existing_parent_modes(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    write_starter_config(tmp_path / "rotui.toml")
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755


def test_write_starter_config_refuses_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    link = tmp_path / "rotui.toml"
    link.symlink_to(target)
    with pytest.raises(ConfigError, match="already exists"):
        write_starter_config(link)
    assert not target.exists()


def test_write_starter_config_parent_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        write_starter_config(blocker / "rotui.toml")
    assert "already exists" not in str(info.value)


def test_deep_nesting_is_a_clean_error() -> None:
    assert "nested too deeply" in error_for("a = " + "[" * 5000 + "]" * 5000)


def test_deeply_nested_consumer_fields_are_a_clear_error() -> None:
    nested = "{ a = " * 50 + "1" + " }" * 50
    message = error_for(one_key(f'[[keys.consumers]]\nname = "c"\nkind = "manual"\nx = {nested}'))
    assert "keys[0].consumers[0].x: unknown field for kind manual" in message


@pytest.mark.parametrize(
    ("consumer", "fragments"),
    [
        ('kind = "heroku"', ["keys[0].consumers[0].app: missing", "heroku"]),
        (
            'kind = "heroku"\napp = "a"\napp_name = "b"',
            ["consumers[0].app_name: unknown field", "allowed: api_url, app"],
        ),
        ('kind = "github"\nrepo = "just-a-name"', ["consumers[0].repo", "OWNER/REPO"]),
        ('kind = "command"\nrun = "agentctl set"', ["consumers[0].run", "array of strings"]),
        (
            'kind = "env-file"\npath = "/x"\nvar = "MY VAR"',
            ["consumers[0].var", "not a variable name"],
        ),
        ('kind = "heroku"\napp = "a"\ntoken = "hunter2"', ["consumers[0].token", "env:VAR"]),
        (
            'kind = "manual"\ninstructions = "x"\nverify_json = "a.ok"',
            ["consumers[0].verify_json", "needs verify_url"],
        ),
        ('kind = "manual"\ninstructions = "x"\norder = "1"', ["consumers[0].order", "integer"]),
        ('kind = "infisical"\nproject_id = "p"', ["consumers[0].environment: missing"]),
    ],
)
def test_kind_specific_consumer_fields_are_checked(consumer: str, fragments: list[str]) -> None:
    message = error_for(one_key(f'[[keys.consumers]]\nname = "c"\n{consumer}'))
    for fragment in fragments:
        assert fragment in message


def test_kind_specific_defaults() -> None:
    from rotui.core.consumers.fields import consumer_spec

    config = parse_config(
        one_key('[[keys.consumers]]\nname = "c"\nkind = "heroku"\napp = "a"', "KEY")
    )
    spec = consumer_spec(config.keys[0].consumers[0], "KEY", "keys[0].consumers[0]", "<config>")
    assert spec.var == "KEY" and spec.order == 0 and not spec.verifiable
    assert (
        spec.fields["token"] == "env:HEROKU_API_KEY"
        and spec.fields["api_url"] == "https://api.heroku.com"
    )


def test_import_is_light() -> None:
    code = (
        "import sys, rotui.config; "
        "bad = [m for m in ('textual', 'rich', 'httpx', 'platformdirs') if m in sys.modules]; "
        "sys.exit(str(bad) if bad else 0)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def assert_clean(text: str) -> None:
    """Parsing must either succeed or raise a one-line ConfigError naming the file."""
    try:
        config = parse_config(text, PATH)
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith(PATH) and "\n" not in message and "\r" not in message
    else:
        assert isinstance(config, Config)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_fuzz_random_text(text: str) -> None:
    assert_clean(text)


FIELD_NAMES = st.sampled_from(
    [
        "settings",
        "keymap",
        "keys",
        "consumers",
        "name",
        "kind",
        "source",
        "created",
        "base_url",
        "cadence_days",
        "warn_days",
        "validation",
        "timeout_seconds",
        "admin_key",
        "max_concurrency",
        "api_version",
        "ping_model",
        "theme",
        "environment",
        "workspace",
    ]
) | st.text(max_size=8)
SCALARS = st.one_of(
    st.integers(),
    st.integers(min_value=-5, max_value=300),
    st.floats(),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["auth", "ping", "heroku", "keyring", "env:X", "command:", "https://h/"]),
    st.sampled_from(["2023-06-01", "claude-haiku-4-5", "sk-ant-x", "command:a 'b", "env:1"]),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-7))])),
    st.times(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(FIELD_NAMES, inner, max_size=3),
    max_leaves=8,
)
SETTINGS_TABLES = st.dictionaries(
    st.sampled_from(config_module.SETTINGS_FIELDS), SCALARS, max_size=5
) | st.dictionaries(FIELD_NAMES, VALUES, max_size=2)
CONSUMERS = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.sampled_from(["c", "d"]) | SCALARS,
            "kind": st.sampled_from(["heroku", "manual", "github", "herokuu"]) | SCALARS,
        },
        optional={"app": VALUES, "nmae": SCALARS},
    )
    | st.dictionaries(FIELD_NAMES, VALUES, max_size=3)
    | SCALARS,
    max_size=3,
)
KEY_TABLES = st.fixed_dictionaries(
    {"name": st.sampled_from(["A", "B", "a", " A", ""]) | st.text(max_size=10) | SCALARS},
    optional={
        "environment": SCALARS,
        "workspace": SCALARS,
        "source": SCALARS,
        "created": SCALARS,
        "cadence_days": SCALARS,
        "base_url": st.sampled_from(["https://x/", "http://", "ftp://x"]) | SCALARS,
        "consumers": CONSUMERS | VALUES,
    },
) | st.dictionaries(FIELD_NAMES, VALUES, max_size=3)
DOCUMENTS = st.fixed_dictionaries(
    {},
    optional={
        "settings": SETTINGS_TABLES | VALUES,
        "keymap": st.dictionaries(FIELD_NAMES, st.text(max_size=3) | VALUES, max_size=3),
        "keys": st.lists(KEY_TABLES, max_size=3) | VALUES,
    },
) | st.dictionaries(FIELD_NAMES, VALUES, max_size=3)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
def test_fuzz_toml_documents(document: dict[str, Any]) -> None:
    try:
        text = tomli_w.dumps(document)
    except (TypeError, ValueError):
        return
    assert_clean(text)
