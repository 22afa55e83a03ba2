"""One compiled pattern of the key formats; each candidate is fingerprinted, compared, dropped.

A candidate's text lives only in a local variable between the pattern match and the HMAC: it
is never stored, returned or printed. What comes out is the fingerprint's label and the masked
hint.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from rotui.core.holders.model import Held
from rotui.core.holders.sift import PREFIX
from rotui.core.secret import SECRET_PATTERN, Secret, mask

# The same formats rotui redacts everywhere (rotui.core.secret.SECRET_PATTERN), over bytes.
PATTERN = re.compile(SECRET_PATTERN.pattern.encode("ascii"))
_ASSIGN = re.compile(rb"(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*[\"']?$")


@dataclass(frozen=True)
class Target:
    key: str
    held: Held


@dataclass(frozen=True)
class Hit:
    held: Held
    key: str | None
    hint: str
    line: int
    var: str


class Matcher:
    """Fingerprints of the values looked for, under the installation's HMAC key."""

    def __init__(self, hmac_key: bytes, targets: Mapping[str, Target]) -> None:
        self._hmac_key = hmac_key
        self._targets = dict(targets)  # fingerprint (32 hex) -> what it is

    def fingerprint(self, candidate: bytes) -> str:
        """The same digest as :meth:`rotui.core.secret.Secret.fingerprint`."""
        return hmac.new(self._hmac_key, candidate, hashlib.sha256).hexdigest()[:32]

    def classify(self, value: Secret) -> tuple[Target | None, str]:
        """What a value read from a service is (None: none of ours) and its masked hint."""
        raw = value.reveal().encode("utf-8", "surrogateescape")
        return self._targets.get(self.fingerprint(raw)), value.hint

    def scan(self, data: bytes) -> Iterator[Hit]:
        """Every key-shaped token in ``data`` that is one of ours or an Anthropic key."""
        if PREFIX not in data:
            return
        for match in PATTERN.finditer(data):
            target = self._targets.get(self.fingerprint(match.group()))
            hint = mask(match.group().decode("ascii"))
            if target is None and not _anthropic_api_key(match.group()):
                continue
            start = match.start()
            line = data.count(b"\n", 0, start) + 1
            line_start = data.rfind(b"\n", 0, start) + 1
            assigned = _ASSIGN.search(data[max(line_start, start - 200) : start])
            var = assigned.group(1).decode("ascii") if assigned else ""
            if target is None:
                yield Hit(Held.UNKNOWN, None, hint, line, var)
            else:
                yield Hit(target.held, target.key, hint, line, var)


def _anthropic_api_key(token: bytes) -> bool:
    return token.startswith((b"sk-ant-api", b"sk-ant-admin"))
