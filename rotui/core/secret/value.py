"""A secret value that never prints: :class:`Secret`, and the masking that every printable form uses.

A key value is wrapped in :class:`Secret` the moment it is read and unwrapped only where it leaves
rotui: an HTTP header or a child process's stdin. Its repr, str and format are masked, so a
traceback, a log line or a worker description never shows the value; :func:`redact` masks
anything key-shaped in free text (error bodies, exceptions).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from rotui.core.safetext import known_values

SECRET_PATTERN = re.compile(r"sk-ant-[A-Za-z0-9]+-[A-Za-z0-9_-]{8,}")

# Other credentials rotui handles, by the shapes their issuers give them; ``s`` is the secret part.
# A Heroku token of the older bare-UUID form is only a token where it is given as one: it is
# masked by value (:func:`rotui.core.safetext.remember`), never by shape, as request ids are UUIDs.
TOKEN_PATTERN = re.compile(
    "|".join(
        (
            # GitHub: ghp_ (classic PAT), gho_ (OAuth), ghu_ (user-to-server), ghs_ (server-to-
            # server), ghr_ (refresh), github_pat_ (fine-grained PAT); GitHub's "About
            # authentication to GitHub" docs, and gitleaks' github-pat/github-fine-grained-pat.
            r"\b(?P<gh>gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})",
            # Heroku: HRKU- tokens (`heroku auth:token`, gitleaks' heroku-api-key-v2 HRKU-AA+58).
            r"\b(?P<hk>HRKU-[A-Za-z0-9_-]{20,})",
            # Infisical service token st.<id>.<token>.<key> (Infisical/infisical-python
            # constants.py SERVICE_TOKEN_REGEX); machine-identity access tokens are JWTs.
            r"\b(?P<st>st\.[a-f0-9-]{8,}\.[a-f0-9]{8,}\.[a-f0-9]{8,})",
            r"\b(?P<jwt>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})",
            # Webhook URLs: the path after hooks.slack.com/services/ (T…/B…/token) and the
            # id/token after discord.com/api/webhooks/ are the credential (Slack and Discord docs;
            # gitleaks' slack-webhook-url, discord webhooks).
            r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<slack>[A-Za-z0-9/_+-]{16,})",
            r"discord(?:app)?\.com/api/webhooks/(?P<discord>[0-9]+/[A-Za-z0-9_-]{16,})",
            # A password in a URL's userinfo (scheme://user:password@host: apprise, proxies). It
            # may hold , ; ( ) ' unencoded (RFC 3986 sub-delims), so only what cannot be in it
            # ends it; never across a double quote, so masking JSON keeps it JSON.
            r"\b[a-z][a-z0-9+.-]*://[^\s:/@\"'`,;<>(){}\[\]\\]*:"
            r"(?P<userinfo>[^\s/@\"`<>\\]{4,})@",
        )
    )
)
_PREFIX = re.compile(r"sk-ant-[a-z]+\d*-|gh[pousr]_|github_pat_|HRKU-|st\.|eyJ")


_held_a_key = False


def _first_key() -> None:
    """The first key this process holds: no core dump and no peeking at its memory from here on
    (:mod:`rotui.core.secret.process`)."""
    global _held_a_key
    from rotui.core.secret.process import harden

    harden()
    _held_a_key = True


def mask(value: str) -> str:
    """A hint that identifies a secret to a person without revealing it: ``sk-ant-api03-R2D…igAA``,
    ``ghp_…x9Qa``, ``…a1b2``."""
    match = _PREFIX.match(value)
    if match and match.group().startswith("sk-ant-"):
        prefix = match.group()
        if len(value) >= len(prefix) + 10:
            return f"{value[: len(prefix) + 3]}…{value[-4:]}"
    elif match and len(value) >= len(match.group()) + 16:
        return f"{match.group()}…{value[-4:]}"
    if len(value) >= 20:
        return f"…{value[-4:]}"
    return "•••"


def _masked(match: re.Match[str]) -> str:
    name = match.lastgroup
    if name is None:  # pragma: no cover - every alternative names its secret part
        return mask(match.group())
    start, end = match.span(name)
    whole = match.group()
    inner = match.group(name)
    return whole[: start - match.start()] + mask(inner) + whole[end - match.start() :]


def redact(text: str) -> str:
    """Mask anything shaped like a key or a token in free text (error bodies, exceptions), and
    every secret value read from a source that no shape catches (:func:`~rotui.core.safetext.remember`)."""
    for value in known_values():  # first: a shape would hide only a part of a known value
        if value in text:
            # A value with a backslash (or its JSON-escaped form) gets no tail: a cut escape
            # sequence in the hint would break the JSON it sits in.
            text = text.replace(value, "•••" if "\\" in value else mask(value))
    text = SECRET_PATTERN.sub(lambda m: mask(m.group(0)), text)
    return TOKEN_PATTERN.sub(_masked, text)


class Secret:
    """A secret value whose every printable form is masked."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        if not _held_a_key:
            _first_key()

    def reveal(self) -> str:
        """The plain value: call only at an HTTP header or a subprocess's stdin."""
        return self._value

    @property
    def hint(self) -> str:
        return mask(self._value)

    @property
    def partial_key_hint(self) -> str:
        """The Admin API's ``partial_key_hint`` form: ``sk-ant-api03-R2D...igAA``."""
        return self.hint.replace("…", "...")

    def fingerprint(self, key: bytes) -> str:
        """A keyed HMAC that lets records compare secrets without holding them."""
        return hmac.new(key, self._value.encode(), hashlib.sha256).hexdigest()[:32]

    def same_as(self, other: Secret) -> bool:
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and self.same_as(other)

    def __hash__(self) -> int:
        return hash(hashlib.sha256(self._value.encode()).digest())

    def __repr__(self) -> str:
        return f"Secret({self.hint!r})"

    def __str__(self) -> str:
        return self.hint

    def __format__(self, spec: str) -> str:
        return format(self.hint, spec)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")

    def __len__(self) -> int:
        return len(self._value)
