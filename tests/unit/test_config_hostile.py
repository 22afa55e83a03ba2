"""Hostile or unlucky configs end in one clear line: reserved names, invisible characters,
pasted keys, FIFOs and devices; and names of any length give file names the disk accepts."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rotui.config import load_config, parse_config
from rotui.core.errors import ConfigError
from rotui.core.fsnames import NAME_MAX, key_file_name
from rotui.core.model import ValidationResult, ValidationStatus
from rotui.demo import fake_key
from rotui.state import StateStore

KEY = fake_key("pasted-into-config")


def error_for(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "/etc/rotui/test.toml")
    return str(info.value)


@pytest.mark.parametrize("name", ["PROD#pending", "PROD#previous", "a#b"])
def test_names_with_a_hash_are_refused(name: str) -> None:
    message = error_for(f'[[keys]]\nname = "{name}"\n')
    assert "keys[0].name" in message and "'#'" in message and "NAME#pending" in message


@pytest.mark.parametrize(
    ("name", "code", "position"),
    [
        ("PROD\u200bKEY", "U+200B", 5),  # zero-width space
        ("\u202eYEK_DORP", "U+202E", 1),  # right-to-left override
        ("PROD\u2066X\u2069", "U+2066", 5),  # left-to-right isolate
        ("PR\ufeffOD", "U+FEFF", 3),  # zero-width no-break space
    ],
)
def test_invisible_and_bidi_characters_are_refused_with_their_position(
    name: str, code: str, position: int
) -> None:
    message = error_for(f'[[keys]]\nname = "{name}"\n')
    assert code in message and f"at character {position}" in message
    consumer = error_for(
        f'[[keys]]\nname = "K"\n[[keys.consumers]]\nname = "{name}"\nkind = "manual"\n'
        'instructions = "x"\n'
    )
    assert "keys[0].consumers[0].name" in consumer and code in consumer


@pytest.mark.parametrize(
    ("toml", "where"),
    [
        (f'[[keys]]\nname = "{KEY}"\n', "keys[0].name"),
        (f'[[keys]]\nname = "K"\nenvironment = "prod {KEY}"\n', "keys[0].environment"),
        (
            f'[[keys]]\nname = "K"\n[[keys.consumers]]\nname = "m"\nkind = "manual"\n'
            f'instructions = "paste {KEY} into the vault"\n',
            "keys[0].consumers[0].instructions",
        ),
        (f'[[keys]]\nname = "K"\n"{KEY}" = 1\n', "keys[0].<field name>"),
        (f'[keymap]\nrotate = "{KEY}"\n', "keymap.rotate"),
    ],
    ids=["name", "environment", "instructions", "field-name", "keymap"],
)
def test_a_key_pasted_into_any_field_is_refused_masked(toml: str, where: str) -> None:
    message = error_for(toml)
    assert KEY not in message and KEY[20:40] not in message
    assert where in message and "looks like an API key" in message and "…" in message


def test_a_fifo_config_ends_with_a_message_instead_of_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "rotui.toml"
    os.mkfifo(fifo)
    done = subprocess.run(
        [sys.executable, "-m", "rotui", "--config", str(fifo), "status"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "not a regular file" in done.stderr and "FIFO" in done.stderr


def test_a_device_config_is_refused() -> None:
    with pytest.raises(ConfigError, match="character device"):
        load_config(Path("/dev/zero"))


def test_file_names_from_long_names_fit_and_stay_distinct() -> None:
    short = key_file_name("ANTHROPIC_API_KEY", ".lock")
    assert short == "ANTHROPIC_API_KEY.lock"  # names that fit keep the file they always had
    long_a = "鍵" * 128
    long_b = "鍵" * 127 + "錠"
    for name in (long_a, long_b, "é" * 128, "a/" * 64):
        for suffix in (".lock", ".jsonl"):
            made = key_file_name(name, suffix)
            assert len(made.encode()) + 14 <= NAME_MAX and made.endswith(suffix)
            assert "/" not in made and made.isascii()
    assert key_file_name(long_a, ".lock") != key_file_name(long_b, ".lock")
    assert key_file_name("..", "") not in ("..", ".")


def test_history_of_a_long_non_ascii_name_is_written(tmp_path: Path) -> None:
    """128 CJK characters quote to 1152 bytes: the history file failed with ENAMETOOLONG."""
    name = "鍵" * 128
    config = parse_config(f'[[keys]]\nname = "{name}"\n')  # valid in the config
    assert config.keys[0].name == name
    store = StateStore(tmp_path / "state")
    result = ValidationResult(
        key=name,
        status=ValidationStatus.VALID,
        checked_at=dt.datetime(2026, 11, 26, tzinfo=dt.UTC),
    )
    store.record([result])
    assert [r.key for r in store.history(name)] == [name]
