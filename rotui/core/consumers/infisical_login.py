"""Infisical universal auth: a machine identity's client id and secret buy a short-lived token.

A machine identity's access token expires (30 days by default, often much less), so a token
stored for the next rotation, months later, is dead by then; the client id and secret are what
lasts. Shapes from Infisical/infisical:

- ``backend/src/server/routes/v1/identity-universal-auth-router.ts``: ``POST
  /api/v1/auth/universal-auth/login`` with ``{clientId, clientSecret}`` answers 200 ``{accessToken,
  expiresIn, accessTokenMaxTTL, tokenType: "Bearer"}``; ``expiresIn`` is in seconds, 0 for a token
  that does not expire (``accessTokenTTL`` 0: the JWT gets no ``exp``).
- ``backend/src/services/identity-ua/identity-ua-service.ts`` ``login``: 401 ``UnauthorizedError``
  "Invalid credentials" for an unknown client id or a wrong secret, and also "Access denied due
  to expired client secret", "... usage limit reached" and "This identity auth method is
  temporarily locked, please try again later" (after repeated failures).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rotui.core.consumers.base import ConsumerContext
from rotui.core.consumers.http import Problem, exchange, http_failure
from rotui.core.errors import RotuiError
from rotui.core.secret import Secret

LOGIN_PATH = "/api/v1/auth/universal-auth/login"
RENEW_EARLY = 60.0  # seconds before expiry a cached token is no longer used


@dataclass
class UniversalAuth:
    """Logs in once and keeps the access token (masked) until shortly before it expires."""

    client_id: str  # a secret source: env:VAR, keyring, command:...
    client_secret: str
    api_url: str
    clock: Callable[[], float] = time.monotonic
    _token: Secret | None = field(default=None, repr=False)
    _until: float = field(default=0.0, repr=False)

    def forget(self) -> None:
        """Drop the cached token (Infisical refused it), so the next request logs in again."""
        self._token, self._until = None, 0.0

    async def token(self, ctx: ConsumerContext) -> Secret:
        """A live access token, logging in when there is none or it is about to expire."""
        if self._token is not None and self.clock() < self._until:
            return self._token
        client_id = await ctx.token(self.client_id, "INFISICAL_CLIENT_ID")
        client_secret = await ctx.token(self.client_secret, "INFISICAL_CLIENT_SECRET")
        url = self.api_url.rstrip("/") + LOGIN_PATH
        status, answer = await exchange(
            ctx, "Infisical", "POST", url, read=True,
            json={"clientId": client_id.reveal(), "clientSecret": client_secret.reveal()},
        )  # fmt: skip
        if not 200 <= status < 300:
            raise self._refused(status, answer if isinstance(answer, Problem) else Problem())
        found = answer.get("accessToken") if isinstance(answer, dict) else None
        lasts = answer.get("expiresIn") if isinstance(answer, dict) else None
        del answer
        if not isinstance(found, str) or not found:
            raise RotuiError(
                "Infisical universal-auth login gave no token",
                f"{url} answered HTTP {status} without accessToken; is api_url right?",
            )
        self._token = Secret(found)
        del found
        seconds = float(lasts) if isinstance(lasts, int | float) and lasts > 0 else math.inf
        self._until = self.clock() + max(seconds - RENEW_EARLY, seconds / 2)
        return self._token

    def _refused(self, status: int, problem: Problem) -> RotuiError:
        if status in (400, 401, 403, 422):
            return RotuiError(
                "Infisical universal-auth login refused",
                f"check client_id ({self.client_id}) and client_secret ({self.client_secret}); a "
                "client secret can expire, run out of uses, or be locked after failed logins"
                + problem.said(),
            )
        return http_failure("Infisical", status, problem)
