"""``rotui init``: the commented starter file, written owner-only and never over another."""

from __future__ import annotations

import os
from pathlib import Path

from rotui.config.text import (
    _one_line,
)
from rotui.core.errors import ConfigError

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
