"""The keyring names of a key's PENDING and PREVIOUS values, with no imports of their own.

The rotation engine writes them (:mod:`rotui.core.rotation.deps` re-exports these) and a holders
scan reads them; living here, a files-only scan need not import the engine and its HTTP client.
"""

from __future__ import annotations


def pending_name(key: str) -> str:
    return f"{key}#pending"


def previous_name(key: str) -> str:
    return f"{key}#previous"
