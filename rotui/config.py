"""Load and validate rotui's TOML configuration so every later step can trust its shape."""

# Over 400 lines: one validator per table of the TOML file, each short; split by table only
# if it grows further (the error messages share their helpers).

from __future__ import annotations

import dataclasses
import datetime as dt
import glob
import math
import os
import re
import shlex
import tomllib
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from rotui.core.consumers.fields import consumer_spec
from rotui.core.errors import ConfigError
from rotui.core.holders.model import HoldersSettings
from rotui.core.model import (
    API_VERSIONS,
    Config,
    Consumer,
    ConsumerKind,
    ManagedKey,
    Settings,
    ValidationMode,
)

__all__ = [
    "STARTER_CONFIG",
    "ConfigFileNotFound",
    "default_config_path",
    "load_config",
    "parse_config",
    "parse_source",
    "resolve_config_path",
    "write_starter_config",
]

CONFIG_FILENAME = "rotui.toml"
ENV_VAR = "ROTUI_CONFIG"
MAX_CONFIG_BYTES = 1024 * 1024
MAX_NAME_LENGTH = 128

TOP_LEVEL_FIELDS = ("include", "settings", "keymap", "notify", "keys", "holders")
HOLDERS_FIELDS = (
    "heroku",
    "infisical",
    "github",
    "shell",
    "paths",
    "git",
    "max_file_bytes",
    "timeout_seconds",
    "max_places",
    "git_commits",
)
NOTIFY_FIELDS = ("urls", "runs")
SETTINGS_FIELDS = (
    "cadence_days",
    "warn_days",
    "validation",
    "ping_model",
    "max_concurrency",
    "admin_key",
    "admin_base_url",
    "api_version",
    "timeout_seconds",
    "theme",
)
KEY_FIELDS = (
    "name",
    "environment",
    "workspace",
    "source",
    "created",
    "cadence_days",
    "base_url",
    "consumers",
)
CADENCE_RANGE = (1, 3650)
WARN_RANGE = (0, 3650)
CONCURRENCY_RANGE = (1, 256)
MAX_TIMEOUT_SECONDS = 600.0

SOURCE_FORMS = '"keyring", "env:VAR" or "command:PROGRAM ARGS..."'
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_TAB = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")
_LATEST_CREATED = dt.date.max - dt.timedelta(days=CADENCE_RANGE[1] + 1)

STARTER_CONFIG = """\
# rotui configuration. Key values never go in this file: each key names a source.
# Sources:
#   "keyring"                  the OS keyring (service "rotui", one entry per key name)
#   "env:VAR"                  an environment variable, e.g. "env:ANTHROPIC_API_KEY"
#   "command:PROGRAM ARGS..."  a program's output, e.g. "command:pass show anthropic/prod"

[settings]
# Days between rotations of each key.
cadence_days = 90
# Days before the due date when a key is shown as due soon.
warn_days = 14
# "auth" checks a key with GET /v1/models: it authenticates and spends no tokens.
# "ping" sends a 1-token POST /v1/messages to ping_model: it is billed.
validation = "auth"
# Model used by "ping" validation.
ping_model = "claude-haiku-4-5"
# Keys checked in parallel.
max_concurrency = 8
# anthropic-version header sent with every request: "2023-06-01" or "2026-10-21".
api_version = "2023-06-01"
# Seconds to wait for each API request (at most 600).
timeout_seconds = 30
# Admin API key for listing and revoking keys; any source, "keyring" is user "__admin__".
# admin_key = "env:ANTHROPIC_ADMIN_KEY"
# Where the Admin API key is sent, and nowhere else (never a key's base_url or a gateway).
# admin_base_url = "https://api.anthropic.com"
# Textual theme name.
# theme = "textual-dark"

# Key bindings: binding id = keys, e.g. rotate = "R".
[keymap]

[[keys]]
name = "ANTHROPIC_API_KEY"
environment = "prod"
workspace = "default"
source = "keyring"
# When the key was created: a TOML date (no quotes), used for its age and due date.
# created = 2026-08-20
# Per-key override of settings.cadence_days.
# cadence_days = 30
# API endpoint for this key (http:// or https://).
# base_url = "https://api.anthropic.com"

# Where copies of this key live. kind: heroku, github, infisical, env-file, command, manual;
# the README lists each kind's fields (heroku needs app; the key goes to var, default: its name).
# [[keys.consumers]]
# name = "raxx-api-prod"
# kind = "heroku"
# app = "raxx-api-prod"
"""


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
    return dataclasses.replace(
        parse_config(_read_text(path), str(path), cache_dir), path=str(path)
    )


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
            " (a large inventory can be split into fragments: include = [\"keys.d/*.toml\"])",
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
        checker = _Checker(path)
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
            _Checker(path).fail(
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
        checker = _Checker(fragment)
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
    return dataclasses.replace(
        config, keys=tuple(keys), fragments=tuple(str(f) for f in files)
    )


def parse_source(value: str, where: str, path: str) -> str:
    """Check a secret-source string early so a typo fails at load time, not mid-rotation."""
    check = _Checker(path)
    if not isinstance(value, str):
        check.fail(where, f"expected a string ({SOURCE_FORMS}), got {_toml_type(value)}")
    text = value.strip()
    if _looks_like_secret(text):
        check.fail(
            where,
            "this looks like an API key itself; remove it from the file (and consider rotating"
            f" it), store it in the keyring and use a source: {SOURCE_FORMS}",
        )
    if _CONTROL_BUT_TAB.search(text):
        check.fail(where, "must not contain control characters")
    scheme, sep, rest = text.partition(":")
    scheme = scheme.strip().lower()
    if scheme == "keyring":
        if sep and rest.strip():
            check.fail(where, "'keyring' takes no argument; the keyring entry name is fixed")
        return "keyring"
    if sep and scheme == "env":
        var = rest.strip()
        if not var:
            check.fail(where, "'env:' needs a variable name, e.g. env:ANTHROPIC_API_KEY")
        if not _ENV_NAME.fullmatch(var):
            check.fail(
                where,
                f"invalid environment variable name {_show(var)}; expected letters, digits and"
                " underscores, not starting with a digit",
            )
        return f"env:{var}"
    if sep and scheme == "command":
        command = rest.strip()
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            check.fail(where, f"cannot split the command: {_one_line(str(exc))}")
        if not argv:
            check.fail(where, "'command:' needs a program, e.g. command:pass show anthropic/prod")
        return f"command:{command}"
    check.fail(where, f"unknown secret source {_show(value)}; expected {SOURCE_FORMS}")


def write_starter_config(path: Path) -> None:
    """Create the starter file owner-only from its first byte; never overwrite an existing one."""
    shown = _one_line(str(path))
    try:
        _make_private_dirs(path.parent)
    except OSError as exc:
        reason = _one_line(exc.strerror or exc.__class__.__name__)
        raise ConfigError(
            f"{shown}: cannot create its directory", f"{_one_line(str(path.parent))}: {reason}"
        ) from None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise ConfigError(
            f"{shown} already exists",
            "not overwriting it; remove it or pass --config to write elsewhere",
        ) from None
    except OSError as exc:
        reason = _one_line(exc.strerror or exc.__class__.__name__)
        raise ConfigError(f"{shown}: cannot write the file", reason) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), 0o600)
            handle.write(STARTER_CONFIG.encode("utf-8"))
    except OSError as exc:
        path.unlink(missing_ok=True)
        reason = _one_line(exc.strerror or exc.__class__.__name__)
        raise ConfigError(f"{shown}: cannot write the file", reason) from None


class _Checker:
    """Validates parsed TOML against the schema, naming the file and dotted path in every error."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> NoReturn:
        """Raise the one-line error every config problem turns into."""
        message = f"{where}: {problem}" if where else problem
        raise ConfigError(f"{_one_line(self.path)}: invalid configuration", _one_line(message))

    def config(self, data: dict[str, Any]) -> Config:
        """Check the whole document: unknown entries first, since a typo explains most errors.

        Before anything else, no key value anywhere: a key pasted into a name, an environment,
        instructions or a field name would otherwise be shown, logged and cached.
        """
        self.no_pasted_keys(data, "")
        for name, value in data.items():
            if name not in TOP_LEVEL_FIELDS:
                self.fail(_field("", name), _unknown_top_level(name, value))
        settings = self.settings(data["settings"]) if "settings" in data else Settings()
        keymap = self.keymap(data["keymap"]) if "keymap" in data else {}
        keys = self.keys(data["keys"]) if "keys" in data else ()
        holders = self.holders(data["holders"]) if "holders" in data else HoldersSettings()
        config = Config(settings=settings, keys=keys, keymap=keymap, holders=holders)
        return self.notify(data["notify"], config) if "notify" in data else config

    def notify(self, value: Any, config: Config) -> Config:
        """Check [notify]: each URL is a secret source, never a URL written here."""
        table = self.table(value, "notify")
        self.known_fields(table, "notify", NOTIFY_FIELDS)
        urls = table.get("urls", [])
        if not isinstance(urls, list):
            self.fail("notify.urls", f"expected an array of sources, got {_toml_type(urls)}")
        sources = []
        for index, item in enumerate(urls):
            where = f"notify.urls[{index}]"
            text = self.string(item, where, SOURCE_FORMS)
            if "://" in text or text.strip().lower().startswith(("http:", "https:", "mailto:")):
                self.fail(
                    where,
                    "a notification URL is a secret (a webhook's address lets anyone post): keep "
                    f"it in the keyring or an environment variable and name that source here, "
                    f"{SOURCE_FORMS}",
                )
            sources.append(parse_source(text, where, self.path))
        runs = table.get("runs", True)
        if not isinstance(runs, bool):
            self.fail("notify.runs", f"expected true or false, got {_toml_type(runs)}")
        return dataclasses.replace(config, notify_urls=tuple(sources), notify_runs=runs)

    def includes(self, value: Any) -> tuple[str, ...]:
        """Check ``include``: an array of file paths or glob patterns (relative to this file)."""
        example = 'e.g. include = ["keys.d/*.toml"]'
        if not isinstance(value, list):
            self.fail("include", f"expected an array of paths, got {_toml_type(value)}; {example}")
        patterns = []
        for index, item in enumerate(value):
            pattern = self.nonempty(item, f"include[{index}]")
            if _CONTROL.search(pattern):
                self.fail(f"include[{index}]", "must not contain control characters")
            patterns.append(pattern)
        return tuple(patterns)

    def fragment(self, data: dict[str, Any]) -> tuple[ManagedKey, ...]:
        """Check an included file: only [[keys]] tables, each checked as in the main file."""
        self.no_pasted_keys(data, "")
        for name in data:
            if name != "keys":
                self.fail(
                    _field("", name),
                    "an included file holds only [[keys]] tables; [settings], [keymap], "
                    "[notify] and include belong in the main configuration file",
                )
        return self.keys(data["keys"]) if "keys" in data else ()

    def no_pasted_keys(self, document: Any, root: str) -> None:
        """Refuse key-shaped text in every string and field name, naming the field, masked.

        Iterative (a deeply nested document is not a reason to overflow the stack), and the path
        named in the message is shortened past 80 characters.
        """
        from rotui.core.secret import SECRET_PATTERN, mask

        stack: list[tuple[Any, str]] = [(document, root)]
        while stack:
            value, where = stack.pop()
            if isinstance(value, dict):
                for name, item in value.items():
                    found = SECRET_PATTERN.search(name)
                    if found:
                        self.fail(
                            _short(f"{where}.<field name>" if where else "<field name>"),
                            f"a field name looks like an API key ({mask(found.group())}, "
                            "redacted); key values never go in the configuration",
                        )
                    stack.append((item, _field(where, name) if where else name))
            elif isinstance(value, list):
                stack.extend((item, f"{where}[{index}]") for index, item in enumerate(value))
            elif isinstance(value, str):
                found = SECRET_PATTERN.search(value)
                if found:
                    self.fail(
                        _short(where),
                        f"looks like an API key ({mask(found.group())}, redacted); key values "
                        "never go in the configuration: store it with `rotui key set NAME` (or "
                        "an env:/command: source) and name that source here",
                    )

    def table(self, value: Any, where: str) -> dict[str, Any]:
        """Require a TOML table."""
        if not isinstance(value, dict):
            self.fail(where, f"expected a table, got {_toml_type(value)}")
        return value

    def known_fields(self, table: dict[str, Any], where: str, allowed: tuple[str, ...]) -> None:
        """Reject fields outside the schema, suggesting the closest allowed one."""
        for name in table:
            if name not in allowed:
                self.fail(
                    _field(where, name),
                    f"unknown field; allowed fields: {', '.join(allowed)}"
                    f"{_did_you_mean(name, allowed)}",
                )

    def settings(self, value: Any) -> Settings:
        """Check [settings]; absent fields keep the model defaults."""
        table = self.table(value, "settings")
        self.known_fields(table, "settings", SETTINGS_FIELDS)
        values: dict[str, Any] = {}
        for name in ("cadence_days", "warn_days", "max_concurrency"):
            if name in table:
                low, high = {
                    "cadence_days": CADENCE_RANGE,
                    "warn_days": WARN_RANGE,
                    "max_concurrency": CONCURRENCY_RANGE,
                }[name]
                values[name] = self.integer(table[name], f"settings.{name}", low, high)
        if "validation" in table:
            modes = tuple(str(mode) for mode in ValidationMode)
            mode = self.choice(table["validation"], "settings.validation", modes, "validation mode")
            values["validation"] = ValidationMode(mode)
        if "ping_model" in table:
            values["ping_model"] = self.nonempty(table["ping_model"], "settings.ping_model")
        if "admin_key" in table:
            where = "settings.admin_key"
            values["admin_key"] = parse_source(
                self.string(table["admin_key"], where, SOURCE_FORMS), where, self.path
            )
        if "admin_base_url" in table:
            values["admin_base_url"] = self.base_url(
                table["admin_base_url"], "settings.admin_base_url"
            )
        if "api_version" in table:
            values["api_version"] = self.choice(
                table["api_version"], "settings.api_version", API_VERSIONS, "API version"
            )
        if "timeout_seconds" in table:
            values["timeout_seconds"] = self.timeout(table["timeout_seconds"])
        if "theme" in table:
            values["theme"] = self.nonempty(table["theme"], "settings.theme")
        return Settings(**values)

    def holders(self, value: Any) -> HoldersSettings:
        """Check [holders]: which sources a holders scan reads, and its bounds."""
        table = self.table(value, "holders")
        self.known_fields(table, "holders", HOLDERS_FIELDS)
        values: dict[str, Any] = {}
        for name in ("heroku", "infisical", "github", "shell", "git"):
            if name in table:
                if not isinstance(table[name], bool):
                    self.fail(f"holders.{name}", f"expected true or false, got {_toml_type(table[name])}")
                values[name] = table[name]
        if "paths" in table:
            roots = table["paths"]
            if not isinstance(roots, list):
                self.fail("holders.paths", f"expected an array of folder paths, got {_toml_type(roots)}")
            values["paths"] = tuple(
                _expand(self.nonempty(root, f"holders.paths[{index}]"))
                for index, root in enumerate(roots)
            )
        for name, low, high in (
            ("max_file_bytes", 1, 1 << 34),
            ("max_places", 1, 10_000_000),
            ("git_commits", 1, 1_000_000),
        ):
            if name in table:
                values[name] = self.integer(table[name], f"holders.{name}", low, high)
        if "timeout_seconds" in table:
            values["timeout_seconds"] = self.integer(
                table["timeout_seconds"], "holders.timeout_seconds", 1, 86_400
            )
        return HoldersSettings(**values)

    def keymap(self, value: Any) -> dict[str, str]:
        """Check [keymap]; binding ids are checked by the UI, which knows them."""
        table = self.table(value, "keymap")
        return {name: self.nonempty(keys, _field("keymap", name)) for name, keys in table.items()}

    def keys(self, value: Any) -> tuple[ManagedKey, ...]:
        """Check the [[keys]] array, including names unique regardless of letter case."""
        if not isinstance(value, list):
            self.fail("keys", f"expected an array of tables ([[keys]]), got {_toml_type(value)}")
        keys: list[ManagedKey] = []
        seen: dict[str, tuple[int, str]] = {}
        for index, item in enumerate(value):
            where = f"keys[{index}]"
            key = self.key(self.table(item, where), where)
            folded = key.name.casefold()
            if folded in seen:
                first, spelled = seen[folded]
                detail = (
                    ""
                    if spelled == key.name
                    else f" as {_show(spelled)}; names must differ by more than letter case"
                )
                self.fail(
                    f"{where}.name",
                    f"duplicate key name {_show(key.name)}"
                    f" (first defined at keys[{first}]{detail})",
                )
            seen[folded] = (index, key.name)
            keys.append(key)
        return tuple(keys)

    def key(self, table: dict[str, Any], where: str) -> ManagedKey:
        """Check one [[keys]] entry; only its name is required."""
        self.known_fields(table, where, KEY_FIELDS)
        if "name" not in table:
            self.fail(
                f"{where}.name",
                f'missing; every key needs a name, e.g. name = "ANTHROPIC_API_KEY"'
                f"{_typo_for('name', tuple(table))}",
            )
        values: dict[str, Any] = {"name": self.key_name(table["name"], f"{where}.name")}
        for name in ("environment", "workspace"):
            if name in table:
                values[name] = self.string(table[name], f"{where}.{name}")
        if "source" in table:
            values["source"] = parse_source(
                self.string(table["source"], f"{where}.source", SOURCE_FORMS),
                f"{where}.source",
                self.path,
            )
        if "created" in table:
            values["created"] = self.created(table["created"], f"{where}.created")
        if "cadence_days" in table:
            values["cadence_days"] = self.integer(
                table["cadence_days"], f"{where}.cadence_days", *CADENCE_RANGE
            )
        if "base_url" in table:
            values["base_url"] = self.base_url(table["base_url"], f"{where}.base_url")
        if "consumers" in table:
            values["consumers"] = self.consumers(
                table["consumers"], f"{where}.consumers", values["name"]
            )
        return ManagedKey(**values)

    def consumers(self, value: Any, where: str, key_name: str) -> tuple[Consumer, ...]:
        """Check [[keys.consumers]], including each kind's own fields (consumers/fields.py)."""
        if not isinstance(value, list):
            self.fail(
                where,
                f"expected an array of tables ([[keys.consumers]]), got {_toml_type(value)}",
            )
        consumers: list[Consumer] = []
        seen: dict[str, int] = {}
        kinds = tuple(str(kind) for kind in ConsumerKind)
        for index, item in enumerate(value):
            here = f"{where}[{index}]"
            table = self.table(item, here)
            for required, example in (("name", '"raxx-api-prod"'), ("kind", '"heroku"')):
                if required not in table:
                    self.fail(
                        f"{here}.{required}",
                        f"missing; every consumer needs a {required}, e.g. {required} = {example}"
                        f"{_typo_for(required, tuple(table))}",
                    )
            name = self.nonempty(table["name"], f"{here}.name")
            if _CONTROL.search(name):
                self.fail(f"{here}.name", "must not contain control characters")
            self.visible(name, f"{here}.name")
            if name in seen:
                self.fail(
                    f"{here}.name",
                    f"duplicate consumer name {_show(name)}"
                    f" (first defined at {where}[{seen[name]}])",
                )
            seen[name] = index
            kind = self.choice(table["kind"], f"{here}.kind", kinds, "kind")
            fields = {k: v for k, v in table.items() if k not in ("name", "kind")}
            consumer = Consumer(name=name, kind=ConsumerKind(kind), fields=fields)
            try:
                consumer_spec(consumer, key_name, here, self.path)
            except ConfigError as exc:
                self.fail("", exc.message)
            consumers.append(consumer)
        return tuple(consumers)

    def string(self, value: Any, where: str, expected: str = "") -> str:
        """Require a TOML string."""
        if not isinstance(value, str):
            what = f"a string ({expected})" if expected else "a string"
            self.fail(where, f"expected {what}, got {_toml_type(value)}")
        return value

    def nonempty(self, value: Any, where: str) -> str:
        """Require a string with something besides whitespace in it."""
        text = self.string(value, where)
        if not text.strip():
            self.fail(where, "must not be empty")
        return text

    def key_name(self, value: Any, where: str) -> str:
        """Key names become keyring entries and labels: keep them short, printable, trimmed.

        ``#`` is refused because rotui stores a key's staged values as ``NAME#pending`` and
        ``NAME#previous`` keyring entries: a key named ``X#pending`` would be overwritten by a
        rotation of ``X``. Invisible format characters are refused so names look like what they
        are.
        """
        name = self.nonempty(value, where)
        if len(name) > MAX_NAME_LENGTH:
            self.fail(where, f"too long ({len(name)} characters); at most {MAX_NAME_LENGTH}")
        if _CONTROL.search(name):
            self.fail(where, "must not contain control characters")
        self.visible(name, where)
        if "#" in name:
            self.fail(
                where,
                f"{_show(name)} contains '#' (at character {name.index('#') + 1}), which rotui "
                "reserves for a key's staged copies (NAME#pending, NAME#previous); rename it",
            )
        if name != name.strip():
            self.fail(where, f"{_show(name)} must not start or end with whitespace")
        return name

    def visible(self, text: str, where: str) -> None:
        """Refuse zero-width and bidirectional controls (Unicode Cf), naming the position."""
        for index, ch in enumerate(text):
            if unicodedata.category(ch) == "Cf":
                label = unicodedata.name(ch, f"U+{ord(ch):04X}")
                self.fail(
                    where,
                    f"contains an invisible or direction-changing character, U+{ord(ch):04X} "
                    f"{label}, at character {index + 1}; names must look like what they are",
                )

    def integer(self, value: Any, where: str, low: int, high: int) -> int:
        """Require an integer in range; TOML true is not an integer even though Python says so."""
        allowed = f"an integer from {low} to {high}"
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"expected {allowed}, got {_toml_type(value)}")
        if not low <= value <= high:
            self.fail(where, f"{_show(value)} is out of range; expected {allowed}")
        return value

    def timeout(self, value: Any) -> float:
        """Require a positive, finite number of seconds no larger than the cap."""
        where = "settings.timeout_seconds"
        allowed = f"a number of seconds greater than 0 and at most {MAX_TIMEOUT_SECONDS:g}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(where, f"expected {allowed}, got {_toml_type(value)}")
        if isinstance(value, int) and value.bit_length() > 64:
            self.fail(where, f"{_show(value)} is out of range; expected {allowed}")
        seconds = float(value)
        if not (math.isfinite(seconds) and 0 < seconds <= MAX_TIMEOUT_SECONDS):
            self.fail(where, f"{_show(value)} is out of range; expected {allowed}")
        return seconds

    def choice(self, value: Any, where: str, choices: tuple[str, ...], what: str) -> str:
        """Require one of a fixed set of strings, suggesting the nearest on a typo."""
        allowed = ", ".join(choices)
        if not isinstance(value, str):
            self.fail(where, f"expected a string, one of {allowed}; got {_toml_type(value)}")
        if value not in choices:
            self.fail(
                where,
                f"unknown {what} {_show(value)}; expected one of {allowed}"
                f"{_did_you_mean(value, choices)}",
            )
        return value

    def created(self, value: Any, where: str) -> dt.datetime:
        """Normalise a TOML date or datetime to aware UTC; a string is a quoting slip."""
        expected = "expected a TOML date like 2026-08-20 (no quotes)"
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                when = value.replace(tzinfo=dt.UTC)
            else:
                try:
                    when = value.astimezone(dt.UTC)
                except (OverflowError, ValueError):
                    self.fail(where, "date is out of range once converted to UTC")
        elif isinstance(value, dt.date):
            when = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
        elif isinstance(value, str):
            hint = ""
            try:
                dt.date.fromisoformat(value.strip()[:10])
                hint = f"; remove the quotes: created = {_one_line(value.strip())}"
            except ValueError:
                pass
            self.fail(where, f"{expected}, got string{hint}")
        else:
            self.fail(where, f"{expected}, got {_toml_type(value)}")
        if when.date() > _LATEST_CREATED:
            self.fail(where, f"{when.date()} is too far in the future to have a due date")
        return when

    def base_url(self, value: Any, where: str) -> str:
        """Require an http(s) URL with a host; never echo it, since it might embed credentials."""
        url = self.nonempty(value, where)
        example = "e.g. https://api.anthropic.com"
        if any(ch.isspace() for ch in url) or _CONTROL.search(url):
            self.fail(where, f"must not contain spaces or control characters; {example}")
        try:
            parts = urlsplit(url)
            _ = parts.port
        except ValueError as exc:
            self.fail(where, f"not a valid URL ({_one_line(str(exc))}); {example}")
        if parts.username is not None or parts.password is not None:
            self.fail(where, "must not contain credentials (user:password@)")
        if parts.scheme.lower() not in ("http", "https"):
            self.fail(where, f"must be an http:// or https:// URL; {example}")
        if not parts.hostname:
            self.fail(where, f"has no host; {example}")
        if parts.query or parts.fragment or url.endswith(("?", "#")):
            self.fail(where, f"must not have a query (?) or fragment (#); {example}")
        return url.rstrip("/")


def _expand(raw: str) -> Path:
    """Expand ~ so a path from a quoted variable works as it would in a shell."""
    path = Path(raw)
    try:
        return path.expanduser()
    except RuntimeError:
        return path


def _make_private_dirs(directory: Path) -> None:
    """Create missing ancestors owner-only; existing directories are left as they are."""
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700)
        if hasattr(os, "chmod"):
            os.chmod(folder, 0o700)


def _toml_message(message: str) -> str:
    """Turn tomllib's "(at line N, column M)" suffix into a leading position."""
    match = _TOML_POSITION.search(message)
    text = _TOML_END.sub("", message[: match.start()] if match else message)
    text = text[:1].lower() + text[1:]
    if match:
        return _one_line(f"line {match.group(1)}, column {match.group(2)}: {text}")
    if _TOML_END.search(message):
        return _one_line(f"end of file: {text}")
    return _one_line(text)


def _unknown_top_level(name: str, value: Any) -> str:
    """Explain an unknown top-level entry, pointing to where it probably belongs."""
    is_table = isinstance(value, dict) or (
        isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
    )
    allowed = "allowed: [settings], [keymap], [[keys]], [holders]"
    allowed = "allowed: [settings], [keymap], [[keys]], [notify], include"
    problem = f"unknown table; {allowed}" if is_table else f"unknown top-level field; {allowed}"
    if name in SETTINGS_FIELDS:
        return f"{problem} (did you mean to put it under [settings]?)"
    if name == "consumers":
        return f"{problem} (consumers belong to a key: [[keys.consumers]])"
    if name in KEY_FIELDS:
        return f"{problem} (did you mean to put it under [[keys]]?)"
    return problem + _did_you_mean(name, TOP_LEVEL_FIELDS)


def _did_you_mean(name: str, options: tuple[str, ...]) -> str:
    """A "(did you mean 'x'?)" suffix when a close option exists, else nothing."""
    import difflib

    matches = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f" (did you mean {_show(matches[0])}?)" if matches else ""


def _typo_for(required: str, present: tuple[str, ...]) -> str:
    """A "(is 'nmae' a typo for 'name'?)" suffix when a present field is close to a missing one."""
    import difflib

    matches = difflib.get_close_matches(required, present, n=1, cutoff=0.6)
    return f" (is {_show(matches[0])} a typo for '{required}'?)" if matches else ""


def _field(where: str, name: str) -> str:
    """Append a field to a dotted path, quoting it the TOML way when it is not a bare key."""
    part = name if _BARE_KEY.fullmatch(name) else f'"{_escape(name, chr(34))}"'
    return f"{where}.{part}" if where else part


def _short(where: str, limit: int = 80) -> str:
    """A dotted path for a message, shortened in the middle when it is very long."""
    return where if len(where) <= limit else f"{where[:40]}…{where[-36:]}"


def _toml_type(value: Any) -> str:
    """Name a parsed value's type as TOML does, since users write TOML, not Python."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    return type(value).__name__


def _looks_like_secret(text: str) -> bool:
    """Anthropic keys start with sk-ant-; such a value must never be echoed back."""
    return text.lower().startswith("sk-ant-")


def _show(value: Any, limit: int = 60) -> str:
    """Render a value for a one-line message: quoted, escaped, shortened, never a secret."""
    if isinstance(value, str):
        if _looks_like_secret(value.strip()):
            return "'sk-ant-...' (redacted)"
        text = _escape(value, "'")
        if len(text) > limit:
            text = text[: limit - 3] + "..."
        return f"'{text}'"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return "a very large integer"
    return _one_line(repr(value))[:limit]


def _escape(text: str, quote: str) -> str:
    """Escape backslashes, the quote and unprintable characters so text stays on one line."""
    out: list[str] = []
    for ch in text:
        if ch in ("\\", quote):
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        else:
            code = ord(ch)
            if code < 0x100:
                out.append(f"\\x{code:02x}")
            elif code < 0x10000:
                out.append(f"\\u{code:04x}")
            else:
                out.append(f"\\U{code:08x}")
    return "".join(out)


def _one_line(text: str) -> str:
    """Keep messages to one line even when a path or value contains line breaks."""
    if _CONTROL.search(text) is None:
        return text
    return "".join(_escape(ch, "") if _CONTROL.match(ch) else ch for ch in text)
