"""Validates a parsed TOML document against the schema: settings, keys, consumers, notify, holders."""

from __future__ import annotations

import dataclasses
import shlex
from typing import Any

from rotui.config.fields import Fields
from rotui.config.schema import (
    _CONTROL,
    _CONTROL_BUT_TAB,
    _ENV_NAME,
    CADENCE_RANGE,
    CONCURRENCY_RANGE,
    HOLDERS_FIELDS,
    KEY_FIELDS,
    NOTIFY_FIELDS,
    SETTINGS_FIELDS,
    SOURCE_FORMS,
    TOP_LEVEL_FIELDS,
    WARN_RANGE,
)
from rotui.config.text import (
    _did_you_mean,
    _expand,
    _field,
    _looks_like_secret,
    _one_line,
    _short,
    _show,
    _toml_type,
    _typo_for,
    _unknown_top_level,
)
from rotui.core.consumers.fields import consumer_spec
from rotui.core.errors import ConfigError
from rotui.core.holders.settings import HoldersSettings
from rotui.core.model import (
    API_VERSIONS,
    Config,
    Consumer,
    ConsumerKind,
    ManagedKey,
    Settings,
    ValidationMode,
)


class Checker(Fields):
    """Validates parsed TOML against the schema, naming the file and dotted path in every error."""

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
                    self.fail(
                        f"holders.{name}", f"expected true or false, got {_toml_type(table[name])}"
                    )
                values[name] = table[name]
        if "paths" in table:
            roots = table["paths"]
            if not isinstance(roots, list):
                self.fail(
                    "holders.paths", f"expected an array of folder paths, got {_toml_type(roots)}"
                )
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


def parse_source(value: str, where: str, path: str) -> str:
    """Check a secret-source string early so a typo fails at load time, not mid-rotation."""
    check = Checker(path)
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
