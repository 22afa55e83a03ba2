"""A JSON-file keyring for subprocess tests, chosen with PYTHON_KEYRING_BACKEND.

Only ever loaded inside a child process under a temporary HOME; it is not a plaintext fallback
rotui could pick by itself (rotui only auto-selects recommended backends).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    priority = 0.1  # type: ignore[assignment]

    @property
    def _path(self) -> Path:
        return Path(os.environ["ROTUI_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        try:
            return json.loads(self._path.read_text())
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        items = self._load()
        items[f"{service}/{username}"] = password
        self._path.write_text(json.dumps(items))

    def delete_password(self, service: str, username: str) -> None:
        items = self._load()
        if items.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError(username)
        self._path.write_text(json.dumps(items))


class NoPendingFileKeyring(FileKeyring):
    """Refuses to store PENDING (a locked or absent keyring when the run began): memory only."""

    def set_password(self, service: str, username: str, password: str) -> None:
        if username.endswith("#pending"):
            raise RuntimeError("injected: this keyring refuses to store")
        super().set_password(service, username, password)
