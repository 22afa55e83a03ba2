"""The parsed-config cache: same result as parsing, safe against tampering, never in the way."""

from __future__ import annotations

import os
import pickle
import stat
import tomllib
from pathlib import Path

import pytest

from rotui.config import load_config
from rotui.config_cache import cache_file, cached_parse

CONFIG = """
[settings]
cadence_days = 60

[[keys]]
name = "prod-web"
source = "keyring"
created = 2026-09-01
"""


def counting_parse():
    calls = []

    def parse(text: str) -> dict:
        calls.append(text)
        return tomllib.loads(text)

    return parse, calls


def test_second_load_is_served_from_the_cache(tmp_path: Path) -> None:
    parse, calls = counting_parse()
    first = cached_parse(CONFIG, "/etc/rotui.toml", tmp_path, parse)
    second = cached_parse(CONFIG, "/etc/rotui.toml", tmp_path, parse)
    assert first == second == tomllib.loads(CONFIG)
    assert len(calls) == 1


def test_an_edited_config_is_parsed_again(tmp_path: Path) -> None:
    parse, calls = counting_parse()
    cached_parse(CONFIG, "/etc/rotui.toml", tmp_path, parse)
    edited = CONFIG.replace("60", "30")
    assert cached_parse(edited, "/etc/rotui.toml", tmp_path, parse)["settings"] == {
        "cadence_days": 30
    }
    assert len(calls) == 2


def test_load_config_with_cache_equals_load_config_without(tmp_path: Path) -> None:
    path = tmp_path / "rotui.toml"
    path.write_text(CONFIG)
    plain = load_config(path)
    cold = load_config(path, cache_dir=tmp_path / "cache")
    warm = load_config(path, cache_dir=tmp_path / "cache")
    assert plain == cold == warm
    assert warm.keys[0].name == "prod-web"


def test_checks_still_run_on_a_cached_document(tmp_path: Path) -> None:
    """The cache holds TOML, not verdicts: a config rotui rejects stays rejected when cached."""
    from rotui.core.errors import ConfigError

    path = tmp_path / "rotui.toml"
    path.write_text(CONFIG.replace('source = "keyring"', 'source = "nowhere:x"'))
    for _ in range(2):
        with pytest.raises(ConfigError, match="source"):
            load_config(path, cache_dir=tmp_path / "cache")


def test_a_tampered_cache_cannot_run_code(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    digest_and_doc = ("whatever", {"x": Evil()})
    where = cache_file(tmp_path, "/etc/rotui.toml")
    where.parent.mkdir(parents=True)
    where.write_bytes(pickle.dumps(digest_and_doc))
    parse, calls = counting_parse()
    assert cached_parse(CONFIG, "/etc/rotui.toml", tmp_path, parse) == tomllib.loads(CONFIG)
    assert not marker.exists()
    assert len(calls) == 1


@pytest.mark.parametrize("junk", [b"", b"not a pickle", pickle.dumps(["wrong", "shape", 3])])
def test_a_corrupt_cache_means_parsing_as_usual(tmp_path: Path, junk: bytes) -> None:
    where = cache_file(tmp_path, "/etc/rotui.toml")
    where.parent.mkdir(parents=True)
    where.write_bytes(junk)
    parse, calls = counting_parse()
    assert cached_parse(CONFIG, "/etc/rotui.toml", tmp_path, parse) == tomllib.loads(CONFIG)
    assert len(calls) == 1


def test_an_unwritable_cache_dir_costs_nothing_but_speed(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache dir should be")
    parse, calls = counting_parse()
    for _ in range(2):
        assert cached_parse(CONFIG, "/etc/rotui.toml", blocker, parse) == tomllib.loads(CONFIG)
    assert len(calls) == 2


def test_invalid_toml_is_not_cached(tmp_path: Path) -> None:
    parse, _ = counting_parse()
    with pytest.raises(tomllib.TOMLDecodeError):
        cached_parse("[[keys]\n", "/etc/rotui.toml", tmp_path, parse)
    assert not cache_file(tmp_path, "/etc/rotui.toml").exists()


def test_the_cache_file_is_private(tmp_path: Path) -> None:
    parse, _ = counting_parse()
    cached_parse(CONFIG, "/etc/rotui.toml", tmp_path / "cache", parse)
    where = cache_file(tmp_path / "cache", "/etc/rotui.toml")
    assert stat.S_IMODE(where.stat().st_mode) == 0o600
    assert stat.S_IMODE(where.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "cache").stat().st_mode) == 0o700
