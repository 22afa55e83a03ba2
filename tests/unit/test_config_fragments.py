"""Config fragments: `include = [...]` in the main file, each fragment checked like it."""

from __future__ import annotations

from pathlib import Path

import pytest

from rotui.config import MAX_CONFIG_BYTES, load_config
from rotui.core.errors import ConfigError
from tests.unit.test_config_cache import count_parses

MAIN = """include = ["keys.d/*.toml"]

[settings]
cadence_days = 60

[[keys]]
name = "main-key"
"""


def key(name: str, extra: str = "") -> str:
    return f'[[keys]]\nname = "{name}"\nsource = "env:X"\n{extra}\n'


def tree(tmp_path: Path, fragments: dict[str, str], main: str = MAIN) -> Path:
    root = tmp_path / "conf"
    (root / "keys.d").mkdir(parents=True)
    path = root / "rotui.toml"
    path.write_text(main)
    for name, text in fragments.items():
        (root / "keys.d" / name).write_text(text)
    return path


def problem(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


def test_fragments_add_their_keys_in_file_name_order(tmp_path, monkeypatch) -> None:
    path = tree(
        tmp_path,
        {"b.toml": key("b1") + key("b2"), "a.toml": key("a1"), "notes.txt": key("ignored")},
    )
    monkeypatch.chdir(tmp_path)  # patterns are relative to the main file, not the cwd
    config = load_config(path)
    assert [k.name for k in config.keys] == ["main-key", "a1", "b1", "b2"]
    assert config.settings.cadence_days == 60
    assert [Path(f).name for f in config.fragments] == ["a.toml", "b.toml"]


def test_patterns_are_relative_to_a_directory_with_glob_characters(tmp_path) -> None:
    root = tmp_path / "team [prod]*"
    path = tree(root, {"a.toml": key("a1")})
    assert [k.name for k in load_config(path).keys] == ["main-key", "a1"]


def test_a_duplicate_name_across_fragments_names_both_files(tmp_path) -> None:
    path = tree(tmp_path, {"a.toml": key("one") + key("Shared"), "b.toml": key("shared")})
    message = problem(path)
    assert message.startswith(f"{path.parent / 'keys.d' / 'b.toml'}: invalid configuration")
    assert "keys[0].name: duplicate key name 'shared'" in message
    assert f"also defined in {path.parent / 'keys.d' / 'a.toml'} at keys[1]" in message


def test_a_fragment_repeating_a_main_file_key_names_the_main_file(tmp_path) -> None:
    path = tree(tmp_path, {"a.toml": key("main-key")})
    assert f"also defined in {path} at keys[0]" in problem(path)


def test_a_bad_fragment_is_named_with_the_dotted_path(tmp_path) -> None:
    path = tree(
        tmp_path,
        {"a.toml": key("fine"), "b.toml": key("ok") + key("bad", "cadence_days = 0")},
    )
    message = problem(path)
    assert message.startswith(f"{path.parent / 'keys.d' / 'b.toml'}: invalid configuration")
    assert "keys[1].cadence_days: 0 is out of range" in message


def test_a_fragment_holds_only_keys(tmp_path) -> None:
    path = tree(tmp_path, {"a.toml": "[settings]\ncadence_days = 1\n" + key("a")})
    message = problem(path)
    assert "a.toml: invalid configuration" in message
    assert "settings: an included file holds only [[keys]] tables" in message


def test_fragment_syntax_errors_name_the_fragment_and_line(tmp_path) -> None:
    path = tree(tmp_path, {"a.toml": key("a") + "name = \n"})
    message = problem(path)
    assert "a.toml: invalid TOML: line 5" in message


def test_a_missing_literal_include_is_an_error_an_empty_glob_is_not(tmp_path) -> None:
    path = tree(tmp_path, {}, main='include = ["keys.d/*.toml", "more.toml"]\n' + key("k"))
    message = problem(path)
    assert "include[1]: 'more.toml': no such file" in message
    path.write_text('include = ["keys.d/*.toml"]\n' + key("k"))
    assert [k.name for k in load_config(path).keys] == ["k"]


def test_include_must_be_an_array_of_paths(tmp_path) -> None:
    path = tree(tmp_path, {}, main='include = "keys.d/*.toml"\n' + key("k"))
    assert "include: expected an array of paths, got string" in problem(path)


def test_the_size_cap_applies_per_file(tmp_path) -> None:
    # 2.5 MiB of keys across three fragments is fine; one fragment over the cap is not
    per_key = len(key("k-00000", "environment = 'prod'"))
    count = (MAX_CONFIG_BYTES * 5 // 6) // per_key
    fragments = {
        f"{part}.toml": "".join(
            key(f"k{part}-{i:05d}", "environment = 'prod'") for i in range(count)
        )
        for part in range(3)
    }
    path = tree(tmp_path, fragments)
    assert sum(len(t) for t in fragments.values()) > 2 * MAX_CONFIG_BYTES
    assert len(load_config(path).keys) == 1 + 3 * count
    big = path.parent / "keys.d" / "3.toml"
    big.write_text(key("big") + "#" * MAX_CONFIG_BYTES + "\n")
    message = problem(path)
    assert message.startswith(f"{big}: file too large")


def test_the_cache_serves_fragments_and_sees_every_change(tmp_path, monkeypatch) -> None:
    path = tree(tmp_path, {"a.toml": key("a"), "b.toml": key("b")})
    cache = tmp_path / "cache"
    calls = count_parses(monkeypatch)
    assert len(load_config(path, cache_dir=cache).keys) == 3
    assert len(calls) == 3  # the main file and two fragments, parsed cold
    assert [k.name for k in load_config(path, cache_dir=cache).keys] == ["main-key", "a", "b"]
    assert len(calls) == 3  # warm: nothing parsed again
    fragment_b = path.parent / "keys.d" / "b.toml"
    fragment_b.write_text(key("b", "environment = 'staging'"))
    changed = load_config(path, cache_dir=cache)
    assert changed.key("b") is not None and changed.key("b").environment == "staging"
    assert len(calls) == 4  # only the changed fragment was parsed
    (path.parent / "keys.d" / "c.toml").write_text(key("c"))
    assert [k.name for k in load_config(path, cache_dir=cache).keys] == ["main-key", "a", "b", "c"]
    fragment_b.unlink()
    assert [k.name for k in load_config(path, cache_dir=cache).keys] == ["main-key", "a", "c"]
    # a fragment that turns bad is reported, not served from the cache
    (path.parent / "keys.d" / "a.toml").write_text(key("a", "cadence_days = 0"))
    assert "a.toml: invalid configuration" in problem(path)
    with pytest.raises(ConfigError):
        load_config(path, cache_dir=cache)
