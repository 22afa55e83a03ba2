"""Infisical secrets through its REST API: update, create when missing, read back."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from rotui.core.consumers.base import ConsumerAdapter, ConsumerContext, WriteOutcome
from rotui.core.consumers.http import BearerAuth, exchange, http_failure
from rotui.core.errors import RotuiError
from rotui.core.model import ConsumerKind
from rotui.core.secret import Secret


class InfisicalConsumer(ConsumerAdapter):
    """``PATCH /api/v3/secrets/raw/{name}``, ``POST`` on 404, then a ``GET`` to compare."""

    kind = ConsumerKind.INFISICAL

    def describe(self) -> str:
        fields = self.spec.fields
        return (
            f"Infisical project {fields['project_id']} {fields['environment']}:"
            f"{fields['path']} · {self.spec.var}"
        )

    @property
    def _url(self) -> str:
        api = str(self.spec.fields["api_url"]).rstrip("/")
        return f"{api}/api/v3/secrets/raw/{quote(self.spec.var, safe='')}"

    @property
    def _where(self) -> dict[str, str]:
        fields = self.spec.fields
        return {
            "workspaceId": fields["project_id"],
            "environment": fields["environment"],
            "secretPath": fields["path"],
        }

    async def _auth(self, ctx: ConsumerContext) -> BearerAuth:
        return BearerAuth(await ctx.token(self.spec.fields["token"], "INFISICAL_TOKEN"))

    def _failure(self, status: int) -> RotuiError:
        fields = self.spec.fields
        if status == 401:
            return RotuiError(
                "Infisical token refused",
                f"check INFISICAL_TOKEN / token source ({fields['token']}); the token may have "
                "expired",
            )
        if status == 403:
            return RotuiError(
                f"Infisical refused access to project {fields['project_id']}",
                f"the token needs write access to {fields['environment']}:{fields['path']}",
            )
        if status == 404:
            return RotuiError(
                f"Infisical project {fields['project_id']} or environment "
                f"{fields['environment']} not found",
                "check project_id, environment and path",
            )
        if status == 400:
            return RotuiError(
                "Infisical rejected the request", "check project_id, environment and path"
            )
        return http_failure("Infisical", status)

    async def _get(self, ctx: ConsumerContext, auth: BearerAuth) -> tuple[int, Any]:
        return await exchange(
            ctx, "Infisical", "GET", self._url, read=True, auth=auth, params=self._where
        )

    async def preflight(self, ctx: ConsumerContext) -> list[str]:
        try:
            status, _ = await self._get(ctx, await self._auth(ctx))
        except RotuiError as exc:
            return [str(exc)]
        return [] if status in (200, 404) else [str(self._failure(status))]

    async def write(self, secret: Secret, ctx: ConsumerContext) -> WriteOutcome:
        auth = await self._auth(ctx)
        status, _ = await exchange(
            ctx, "Infisical", "PATCH", self._url, read=False, auth=auth,
            json={**self._where, "secretValue": secret.reveal()},
        )  # fmt: skip
        created = status == 404
        if created:
            status, _ = await exchange(
                ctx, "Infisical", "POST", self._url, read=False, auth=auth,
                json={**self._where, "secretValue": secret.reveal()},
            )  # fmt: skip
        if not 200 <= status < 300:
            raise self._failure(status)
        status, document = await self._get(ctx, auth)
        if not 200 <= status < 300:
            raise self._failure(status)
        found = _secret_value(document)
        readback = Secret(found) if found is not None else None
        del document, found
        action = "created" if created else "updated"
        if readback is None:
            return WriteOutcome(f"{action} {self.spec.var}, but it was absent on read-back", False)
        matches = ctx.fingerprint(readback) == ctx.fingerprint(secret)
        return WriteOutcome(
            f"{action} {self.spec.var} in Infisical; read-back {'matches' if matches else 'differs'}",
            matches=matches,
        )


def _secret_value(document: Any) -> str | None:
    """``secret.secretValue`` of a GET answer, or None when the answer has another shape."""
    inner = document.get("secret") if isinstance(document, dict) else None
    value = inner.get("secretValue") if isinstance(inner, dict) else None
    return value if isinstance(value, str) else None
