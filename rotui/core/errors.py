"""Errors the operator sees: every one has a short title and a message that says what to do."""

from __future__ import annotations


class RotuiError(Exception):
    """An expected failure, reported as ``title: message`` without a traceback.

    ``exit_code`` follows the CLI contract: 1 a check failed, 2 usage or configuration error.
    """

    exit_code = 1

    def __init__(self, title: str, message: str = "") -> None:
        super().__init__(title, message)
        self.title = title
        self.message = message

    def __str__(self) -> str:
        return f"{self.title}: {self.message}" if self.message else self.title


class ConfigError(RotuiError):
    """The configuration file cannot be used as it is."""

    exit_code = 2


class UsageError(RotuiError):
    """The command line or an input asked for something that cannot be done."""

    exit_code = 2


class SecretError(RotuiError):
    """A secret could not be read, stored or deleted."""


class KeyFormatError(UsageError):
    """A pasted or piped key is not an Anthropic API key of the expected form."""


class KeyringUnavailable(SecretError):
    """No usable keyring backend on this host (typical for a headless SSH session)."""


class KeyringTimeout(SecretError):
    """The keyring backend did not answer in time (a locked Secret Service can hang forever)."""


class ProviderError(RotuiError):
    """A provider API answered in a way that stops the operation."""


class AwaitingApproval(RotuiError):
    """A consumer accepted the write as a change request: nothing changed until someone approves.

    Neither written nor failed. The rotation keeps the consumer waiting (the old key stays
    active) and writes again when resumed; once the request is merged the write reads back.
    """


class StateError(RotuiError):
    """rotui's own state files could not be read or written."""
