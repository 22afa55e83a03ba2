"""The parsed-config cache: same result as parsing, safe against tampering, never in the way."""

from __future__ import annotations

import os
import pickle
import stat
import tomllib
from pathlib import Path

import pytest

from rotui import config, config_cache
from rotui.config import load_config
from rotui.config_cache import cache_file, pickled, read_cached, store_cached
from rotui.core.errors import ConfigError
from rotui.demo import fake_key

CONFIG = """
[settings]
cadence_days = 60

[[keys]]
name = "prod-web"
source = "keyring"
created = 2026-09-01
"""


def write(tmp_path: Path, text: str = CONFIG) -> Path:
    path = tmp_path / "rotui.toml"
    path.write_text(text)
    path.chmod(0o600)
    return path


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = tomllib.loads

    def loads(text: str) -> dict:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(tomllib, "loads", loads)
    return calls


def test_second_load_is_served_from_the_cache(tmp_path, monkeypatch) -> None:
    path, cache = write(tmp_path), tmp_path / "cache"
    calls = count_parses(monkeypatch)
    plain = load_config(path)
    cold = load_config(path, cache_dir=cache)
    warm = load_config(path, cache_dir=cache)
    assert plain == cold == warm and warm.keys[0].name == "prod-web"
    assert len(calls) == 2  # the plain load and the cold one; the warm one parsed nothing


def test_an_edited_config_is_parsed_again(tmp_path, monkeypatch) -> None:
    path, cache = write(tmp_path), tmp_path / "cache"
    calls = count_parses(monkeypatch)
    load_config(path, cache_dir=cache)
    path.write_text(CONFIG.replace("60", "30"))
    assert load_config(path, cache_dir=cache).settings.cadence_days == 30
    assert len(calls) == 2


def test_checks_run_again_when_the_checking_code_changed(tmp_path, monkeypatch) -> None:
    """A verdict is reused only by the code that made it: new checks see the cached document."""
    path, cache = write(tmp_path), tmp_path / "cache"
    load_config(path, cache_dir=cache)
    document = tomllib.loads(CONFIG)
    document["keys"][0]["source"] = "nowhere:x"
    store_cached(pickled(CONFIG, document), str(path), cache)
    assert load_config(path, cache_dir=cache).keys[0].source == "keyring"  # same code: verdict
    monkeypatch.setattr(config_cache, "_stamp", ["another rotui"])  # as if checks had changed
    with pytest.raises(ConfigError, match="source"):
        load_config(path, cache_dir=cache)


def test_a_warm_load_runs_no_check(tmp_path, monkeypatch) -> None:
    """With thousands of keys the checks cost most: a file that passed is not checked again."""
    path, cache = write(tmp_path), tmp_path / "cache"
    cold = load_config(path, cache_dir=cache)
    checked: list[str] = []
    real = config.checker.Checker.key
    monkeypatch.setattr(
        config.checker.Checker, "key", lambda self, *a: checked.append("key") or real(self, *a)
    )
    assert load_config(path, cache_dir=cache) == cold
    assert checked == []
    path.write_text(CONFIG.replace("2026-09-01", "2026-09-02"))
    assert load_config(path, cache_dir=cache).keys[0].created.day == 2
    assert checked == ["key"]


def test_a_tampered_checked_cache_cannot_run_code(tmp_path) -> None:
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    where = cache_file(tmp_path, "/etc/rotui.toml").with_suffix(".checked.pickle")
    where.parent.mkdir(mode=0o700)
    where.write_bytes(pickle.dumps((config_cache.code_stamp(), "x", Evil())))
    where.chmod(0o600)
    assert config_cache.read_checked(CONFIG, "/etc/rotui.toml", tmp_path) is None
    assert not marker.exists()


def test_a_rejected_config_is_never_cached(tmp_path) -> None:
    """A key pasted into the file is refused, and never lands in the cache either."""
    key = fake_key("pasted-into-config")
    path, cache = write(tmp_path, CONFIG.replace('"keyring"', f'"{key}"')), tmp_path / "cache"
    with pytest.raises(ConfigError, match="looks like an API key"):
        load_config(path, cache_dir=cache)
    assert not cache_file(cache, str(path)).exists()
    assert all(
        key.encode() not in p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p != path
    )


def test_a_tampered_cache_cannot_run_code(tmp_path) -> None:
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    where = cache_file(tmp_path, "/etc/rotui.toml")
    where.parent.mkdir(mode=0o700)
    where.write_bytes(pickle.dumps(("whatever", {"x": Evil()})))
    where.chmod(0o600)
    assert read_cached(CONFIG, "/etc/rotui.toml", tmp_path) is None
    assert not marker.exists()


@pytest.mark.parametrize("junk", [b"", b"not a pickle", pickle.dumps(["wrong", "shape", 3])])
def test_a_corrupt_cache_means_parsing_as_usual(tmp_path, junk: bytes) -> None:
    where = cache_file(tmp_path, "/etc/rotui.toml")
    where.parent.mkdir(mode=0o700)
    where.write_bytes(junk)
    where.chmod(0o600)
    assert read_cached(CONFIG, "/etc/rotui.toml", tmp_path) is None


def test_a_cache_others_can_write_is_ignored(tmp_path) -> None:
    """In a shared cache dir another user could plant a document with the right digest."""
    store_cached(pickled(CONFIG, tomllib.loads(CONFIG)), "/etc/rotui.toml", tmp_path)
    where = cache_file(tmp_path, "/etc/rotui.toml")
    assert read_cached(CONFIG, "/etc/rotui.toml", tmp_path) == tomllib.loads(CONFIG)
    where.chmod(0o620)
    assert read_cached(CONFIG, "/etc/rotui.toml", tmp_path) is None
    where.chmod(0o600)
    where.parent.chmod(0o777)
    assert read_cached(CONFIG, "/etc/rotui.toml", tmp_path) is None


def test_an_unwritable_cache_dir_costs_nothing_but_speed(tmp_path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache dir should be")
    path = write(tmp_path)
    for _ in range(2):
        assert load_config(path, cache_dir=blocker).keys[0].name == "prod-web"


def test_invalid_toml_is_not_cached(tmp_path) -> None:
    path, cache = write(tmp_path, "[[keys]\n"), tmp_path / "cache"
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(path, cache_dir=cache)
    assert not cache_file(cache, str(path)).exists()


def test_the_cache_file_is_private(tmp_path) -> None:
    path, cache = write(tmp_path), tmp_path / "cache"
    load_config(path, cache_dir=cache)
    where = cache_file(cache, str(path))
    assert stat.S_IMODE(where.stat().st_mode) == 0o600
    assert stat.S_IMODE(where.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700


def test_the_code_stamp_reads_every_checker_module() -> None:
    """A checker file missing from the stamp's list made every stamp random: no cache reuse."""
    from pathlib import Path

    root = Path(config_cache.__file__).resolve().parent.parent
    listed = config_cache._CHECKER_MODULES
    for name in listed:  # a file, or a package whose every module is read
        where = root / name
        assert where.is_file() or any(where.glob("*.py")), name
    covered = {
        str(f.relative_to(root))
        for name in listed
        for f in ([root / name] if (root / name).is_file() else (root / name).glob("*.py"))
    }
    for package in ("config", "core/secret"):
        modules = {str(f.relative_to(root)) for f in (root / "rotui" / package).glob("*.py")}
        assert modules <= covered, modules - covered
    config_cache._stamp.clear()
    first = config_cache.code_stamp()
    config_cache._stamp.clear()
    assert config_cache.code_stamp() == first  # not random: a stored result can match
