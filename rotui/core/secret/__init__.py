"""Secrets: a masked wrapper, the Anthropic key format, and the stores a key can come from.

A key value is wrapped in :class:`Secret` the moment it is read and unwrapped only where it leaves
rotui: an HTTP header or a child process's stdin. Its repr, str and format are masked, so a
traceback, a log line or a worker description never shows the value.

The parts: :mod:`.value` the :class:`Secret` and masking, :mod:`.formats` the key formats,
:mod:`.store` the keyring, ``env:`` and ``command:`` sources.
"""

from rotui.core.secret.formats import (
    ADMIN_KEY_PREFIX,
    API_KEY_LENGTH,
    API_KEY_PREFIX,
    HEADER_SAFE,
    KEY_BODY,
    QUOTES,
    KeyCheck,
    check_admin_key,
    check_api_key,
    check_usable_api_key,
)
from rotui.core.secret.store import (
    COMMAND_TIMEOUT,
    KEYRING_TIMEOUT,
    NO_KEYRING_HELP,
    READ_CONCURRENCY,
    KeyringBackend,
    MemoryKeyring,
    SecretStore,
    system_keyring,
)
from rotui.core.secret.value import SECRET_PATTERN, Secret, mask, redact

__all__ = [
    "ADMIN_KEY_PREFIX",
    "API_KEY_LENGTH",
    "API_KEY_PREFIX",
    "COMMAND_TIMEOUT",
    "HEADER_SAFE",
    "KEYRING_TIMEOUT",
    "KEY_BODY",
    "NO_KEYRING_HELP",
    "QUOTES",
    "READ_CONCURRENCY",
    "SECRET_PATTERN",
    "KeyCheck",
    "KeyringBackend",
    "MemoryKeyring",
    "Secret",
    "SecretStore",
    "check_admin_key",
    "check_api_key",
    "check_usable_api_key",
    "mask",
    "redact",
    "system_keyring",
]
