"""What a configuration may hold: field names, ranges and the patterns checks use."""

from __future__ import annotations

import datetime as dt
import re

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
