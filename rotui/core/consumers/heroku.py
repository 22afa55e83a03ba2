"""Heroku config vars through the Platform API.

The PATCH answer holds every config var of the app, so its body is never read; the read-back GET
is parsed only to pick out the one variable, which is wrapped in a Secret at once. A refused
request's ``{"id", "message"}`` is named in the error (Platform API Reference, "Errors";
heroku/platform-api ``schema.json`` commit 4f4f592, ``config-var`` "Update": names match ``^\\w+$``,
else 422 ``invalid_params``).
"""

from __future__ import annotations

from urllib.parse import quote

from rotui.core.consumers.base import ConsumerAdapter, ConsumerContext, WriteOutcome
from rotui.core.consumers.http import BearerAuth, Problem, exchange, http_failure
from rotui.core.errors import RotuiError
from rotui.core.model import ConsumerKind
from rotui.core.secret import Secret

HEROKU_ACCEPT = "application/vnd.heroku+json; version=3"


class HerokuConsumer(ConsumerAdapter):
    """``PATCH /apps/{app}/config-vars`` then a read-back of the one variable."""

    kind = ConsumerKind.HEROKU

    def describe(self) -> str:
        return f"Heroku app {self.spec.fields['app']} · {self.spec.var}"

    @property
    def _app_url(self) -> str:
        api = str(self.spec.fields["api_url"]).rstrip("/")
        return f"{api}/apps/{quote(str(self.spec.fields['app']), safe='')}"

    async def _auth(self, ctx: ConsumerContext) -> BearerAuth:
        return BearerAuth(await ctx.token(self.spec.fields["token"], "HEROKU_API_KEY"))

    def _failure(self, status: int, problem: Problem | None = None) -> RotuiError:
        app, source = self.spec.fields["app"], self.spec.fields["token"]
        problem = problem if isinstance(problem, Problem) else Problem()
        if status == 401:
            return RotuiError(
                "Heroku token refused",
                f"check HEROKU_API_KEY / token source ({source}); `heroku authorizations:create` "
                "makes a long-lived token" + problem.said(),
            )
        if status == 403:
            return RotuiError(
                f"Heroku refused access to app {app}",
                "the token's account needs the deploy or operate permission on this app"
                + problem.said(),
            )
        if status == 422:
            return RotuiError(
                f"Heroku refused the config var {self.spec.var}",
                (problem.message or "invalid_params") + " (HTTP 422)",
            )
        if status == 404:
            return RotuiError(
                f"Heroku app {app} not found",
                "check the app name and that the token's account can see it",
            )
        if status == 406:  # Platform API Reference, "Errors": not_acceptable
            return RotuiError(
                "Heroku refused the Accept header (406)",
                f"something between rotui and {self.spec.fields['api_url']} changed the "
                f"Accept: {HEROKU_ACCEPT} header; check api_url and any proxy",
            )
        return http_failure("Heroku", status, problem)

    async def preflight(self, ctx: ConsumerContext) -> list[str]:
        try:
            status, problem = await exchange(
                ctx, "Heroku", "GET", self._app_url, read=False,
                auth=await self._auth(ctx), headers={"Accept": HEROKU_ACCEPT},
            )  # fmt: skip
        except RotuiError as exc:
            return [str(exc)]
        return [] if 200 <= status < 300 else [str(self._failure(status, problem))]

    async def write(self, secret: Secret, ctx: ConsumerContext) -> WriteOutcome:
        auth, var = await self._auth(ctx), self.spec.var
        url = f"{self._app_url}/config-vars"
        headers = {"Accept": HEROKU_ACCEPT}
        status, problem = await exchange(
            ctx, "Heroku", "PATCH", url, read=False, auth=auth, headers=headers,
            json={var: secret.reveal()},
        )  # fmt: skip
        if not 200 <= status < 300:
            raise self._failure(status, problem)
        status, config = await exchange(
            ctx, "Heroku", "GET", url, read=True, auth=auth, headers=headers
        )
        if not 200 <= status < 300:
            raise self._failure(status, config)
        found = config.get(var) if isinstance(config, dict) else None
        readback = Secret(found) if isinstance(found, str) else None
        del config, found
        where = f"{var} on Heroku app {self.spec.fields['app']}"
        if readback is None:
            return WriteOutcome(f"set {where}, but it was absent on read-back", matches=False)
        matches = ctx.fingerprint(readback) == ctx.fingerprint(secret)
        return WriteOutcome(
            f"set {where}; read-back {'matches' if matches else 'differs'}", matches=matches
        )
