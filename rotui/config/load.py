"""Finding, reading and parsing the configuration file and the fragments it includes."""

from __future__ import annotations

import dataclasses
import glob
import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rotui.config.schema import (
    CONFIG_FILENAME,
    ENV_VAR,
    MAX_CONFIG_BYTES,
)
from rotui.config.text import (
    _expand,
    _one_line,
    _show,
    _toml_message,
)
from rotui.core.errors import ConfigError
from rotui.core.model import (
    Config,
    ManagedKey,
)

# The checker and tomllib are imported where they are used: a configuration already checked by
# this code comes whole from the cache (rotui.config_cache), and `rotui status` then needs neither.


class ConfigFileNotFound(ConfigError):
    """The configuration file does not exist, so the CLI can suggest `rotui init`."""

    def __init__(self, path: Path) -> None:
        super().__init__("configuration file not found", f"looked for {_one_line(str(path))}")
        self.path = path


def default_config_path() -> Path:
    """The per-user location, so rotui works without any flag or variable."""
    import platformdirs

    return Path(platformdirs.user_config_dir("rotui")) / CONFIG_FILENAME


def resolve_config_path(
    cli_path: str | None, environ: Mapping[str, str] = os.environ
) -> tuple[Path, str]:
    """Pick the config file and say why, so errors can name where the path came from."""
    if cli_path is not None:
        if not cli_path.strip():
            raise ConfigError("--config: empty path", "pass the path of a configuration file")
        return _expand(cli_path), "--config"
    from_env = environ.get(ENV_VAR, "")
    if from_env.strip():
        return _expand(from_env), f"${ENV_VAR}"
    return default_config_path(), "default"


def permission_warning(path: Path) -> str | None:
    """A warning when others may read or change the configuration, else None.

    It holds no key, but it says where every key lives and which systems receive it, and a
    writable one could point a rotation's new key at an attacker's consumer.
    """
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return None
    if not mode & 0o077:
        return None
    who = " and ".join(w for w, bits in (("group", 0o070), ("others", 0o007)) if mode & bits)
    return (
        f"{_one_line(str(path))} is accessible to {who} (mode {mode:04o}); it names where "
        f"every key lives and who receives it: chmod 600 {shlex.quote(str(path))}"
    )


def load_config(path: Path, cache_dir: Path | None = None) -> Config:
    """Read the file as UTF-8 bytes and parse it, turning every OS failure into a ConfigError.

    With ``cache_dir``, the parsed TOML document is cached there (see :mod:`rotui.config_cache`).
    """
    return dataclasses.replace(parse_config(_read_text(path), str(path), cache_dir), path=str(path))


def _read_text(path: Path) -> str:
    """A configuration file's text: a regular file, at most ``MAX_CONFIG_BYTES``, UTF-8."""
    shown = _one_line(str(path))
    try:
        raw = _read_regular_file(path, shown)
    except FileNotFoundError:
        raise ConfigFileNotFound(path) from None
    except IsADirectoryError:
        raise ConfigError(f"{shown}: is a directory", "expected a TOML file") from None
    except PermissionError:
        if path.is_dir():
            raise ConfigError(f"{shown}: is a directory", "expected a TOML file") from None
        raise ConfigError(
            f"{shown}: cannot read the file",
            "permission denied; check its owner and mode",
        ) from None
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise ConfigError(f"{shown}: cannot read the file", _one_line(reason)) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{shown}: file too large",
            f"a configuration file is at most {MAX_CONFIG_BYTES} bytes; is this the right file?"
            ' (a large inventory can be split into fragments: include = ["keys.d/*.toml"])',
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{shown}: not UTF-8",
            f"line {line}, byte offset {exc.start}: byte 0x{raw[exc.start]:02x} is not valid"
            " UTF-8; save the file as UTF-8",
        ) from None


def _read_regular_file(path: Path, shown: str) -> bytes:
    """Up to ``MAX_CONFIG_BYTES + 1`` bytes of a regular file; a FIFO or device never blocks.

    ``O_NONBLOCK`` makes opening a FIFO return at once, and ``fstat`` on the open descriptor
    (not the name, which could be swapped) decides: only a regular file is read.
    """
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "is a directory")
        if not stat.S_ISREG(mode):
            what = {
                stat.S_ISFIFO(mode): "a FIFO (named pipe)",
                stat.S_ISCHR(mode): "a character device",
                stat.S_ISBLK(mode): "a block device",
                stat.S_ISSOCK(mode): "a socket",
            }.get(True, "not a regular file")
            raise ConfigError(f"{shown}: not a regular file", f"it is {what}; expected a TOML file")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as handle:
            fd = -1
            return handle.read(MAX_CONFIG_BYTES + 1)
    finally:
        if fd >= 0:
            os.close(fd)


def parse_config(text: str, path: str = "<config>", cache_dir: Path | None = None) -> Config:
    """Parse TOML text into a Config; an empty document is an error (likely a truncated file).

    ``include`` patterns are resolved relative to ``path``'s directory; each fragment is read,
    cached and checked like the main file, and names are unique across all of them.
    """
    from rotui.config_cache import read_checked, store_cached, store_checked

    if text.startswith("\ufeff"):
        text = text[1:]
    checked = read_checked(text, path, cache_dir)
    config: Config
    includes: tuple[str, ...]
    if isinstance(checked, tuple) and len(checked) == 2 and isinstance(checked[0], Config):
        config, includes = checked[0], tuple(checked[1])
    else:
        data, blob = _document(text, path, cache_dir)
        if not data:
            raise ConfigError(
                f"{_one_line(path)}: empty configuration",
                "the file has no [settings] and no [[keys]]; add a [[keys]] table with a name, "
                "or delete the file and run `rotui init` for a commented starter",
            )
        from rotui.config.checker import Checker

        checker = Checker(path)
        config = checker.config(data)
        includes = checker.includes(data["include"]) if "include" in data else ()
        if blob is not None:
            store_cached(blob, path, cache_dir)  # only now: a rejected document is never kept
        store_checked(text, (config, includes), path, cache_dir)
    if includes:
        config = _with_fragments(config, includes, path, cache_dir)
    return config


def _document(text: str, path: str, cache_dir: Path | None) -> tuple[dict[str, Any], bytes | None]:
    """The TOML document (from the cache when it holds this exact text) and what to cache."""
    from rotui.config_cache import pickled, read_cached

    shown = _one_line(path)
    if text.startswith("\ufeff"):
        text = text[1:]
    import tomllib

    data = read_cached(text, path, cache_dir)
    blob = None
    try:
        if data is None:
            data = tomllib.loads(text)
            blob = pickled(text, data) if cache_dir is not None else None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: invalid TOML", _toml_message(str(exc))) from None
    except RecursionError:
        raise ConfigError(f"{shown}: invalid TOML", "values are nested too deeply") from None
    except ValueError as exc:
        problem = str(exc)
        if "integer string conversion" in problem:
            problem = "an integer has too many digits (TOML integers are 64-bit)"
        raise ConfigError(f"{shown}: invalid TOML", _one_line(problem)) from None
    return data, blob


def _with_fragments(
    config: Config, patterns: tuple[str, ...], path: str, cache_dir: Path | None
) -> Config:
    """Add the keys of every included fragment, in pattern order, then file name order."""
    from rotui.config.checker import Checker
    from rotui.config_cache import read_checked, store_cached, store_checked

    main = Path(path)
    files: list[Path] = []
    for index, pattern in enumerate(patterns):
        full = _expand(pattern)
        wildcard = str(full)
        if not full.is_absolute():
            full = main.parent / full
            wildcard = os.path.join(glob.escape(str(main.parent)), wildcard)  # a literal dir
        if any(ch in pattern for ch in "*?["):
            matched = [Path(p) for p in sorted(glob.glob(wildcard))]
        elif full.exists() or full.is_symlink():
            matched = [full]
        else:
            Checker(path).fail(
                f"include[{index}]", f"{_show(pattern)}: no such file ({_one_line(str(full))})"
            )
        files += [f for f in matched if f not in files and f != main]
    keys = list(config.keys)
    owners = {k.name.casefold(): (path, i) for i, k in enumerate(keys)}
    for file in files:
        fragment = str(file)
        text = _read_text(file)
        if text.startswith("\ufeff"):
            text = text[1:]
        checker = Checker(fragment)
        cached = read_checked(text, fragment, cache_dir)
        found: tuple[ManagedKey, ...]
        if isinstance(cached, tuple) and all(isinstance(k, ManagedKey) for k in cached):
            found = cached
        else:
            data, blob = _document(text, fragment, cache_dir)
            found = checker.fragment(data)
            if blob is not None:
                store_cached(blob, fragment, cache_dir)
            store_checked(text, found, fragment, cache_dir)
        for index, key in enumerate(found):
            folded = key.name.casefold()
            if folded in owners:
                other, at = owners[folded]
                checker.fail(
                    f"keys[{index}].name",
                    f"duplicate key name {_show(key.name)} (also defined in "
                    f"{_one_line(other)} at keys[{at}])",
                )
            owners[folded] = (fragment, index)
            keys.append(key)
    return dataclasses.replace(config, keys=tuple(keys), fragments=tuple(str(f) for f in files))
