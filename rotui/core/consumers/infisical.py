"""Infisical secrets through its REST API: update, create when missing, read back.

Answers as Infisical/infisical's ``backend/src/server/routes/v3/secret-router.ts`` gives them: a
write is ``200 {secret}``, or ``200 {approval}`` under a change-approval policy (nothing changed);
reading a value needs the ``readValue`` permission (403 ``PermissionDenied`` without it); a wrong
environment or path is a 404 "Folder with path … not found", a missing secret a 404 "Secret with
name … not found" (``backend/src/services/secret-v2-bridge/secret-v2-bridge-service.ts``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from rotui.core.consumers.base import ConsumerAdapter, ConsumerContext, WriteOutcome
from rotui.core.consumers.http import BearerAuth, exchange, http_failure, transport_failure
from rotui.core.errors import AwaitingApproval, RotuiError
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

    def _failure(self, status: int, *, reading: bool = False) -> RotuiError:
        fields = self.spec.fields
        if status == 401:
            return RotuiError(
                "Infisical token refused",
                f"check INFISICAL_TOKEN / token source ({fields['token']}); the token may have "
                "expired",
            )
        if status == 403 and reading:
            return RotuiError(
                "Infisical does not let this token read values",
                f"the token needs read access to {fields['environment']}:{fields['path']}",
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
        """The token works and the environment and path exist (a missing secret is created)."""
        try:
            auth = await self._auth(ctx)
            response = await ctx.http.get(
                self._url, params=self._where, auth=auth, timeout=ctx.timeout
            )
        except httpx.TransportError as exc:
            return [str(transport_failure("Infisical", self._url, exc))]
        except RotuiError as exc:
            return [str(exc)]
        status = response.status_code
        if status in (200, 403):
            # 403 here is readValue only: a write-only token still writes (read-back is skipped)
            return [] if status == 200 or _denied_read(response) else [str(self._failure(403))]
        if status == 404:
            message = _error_message(response)
            if message.startswith("Secret with name"):
                return []  # the folder exists; the secret will be created
            fields = self.spec.fields
            return [
                f"Infisical has no environment “{fields['environment']}” or path "
                f"“{fields['path']}” in project {fields['project_id']}: check environment (the "
                "slug, e.g. prod) and path"
            ]
        return [str(self._failure(status))]

    async def write(self, secret: Secret, ctx: ConsumerContext) -> WriteOutcome:
        """Update (or create) the secret and read it back.

        Raises ``AwaitingApproval`` when a change-approval policy turned the write into a request.
        """
        auth = await self._auth(ctx)
        status, answer = await exchange(
            ctx, "Infisical", "PATCH", self._url, read=True, auth=auth,
            json={**self._where, "secretValue": secret.reveal()},
        )  # fmt: skip
        created = status == 404
        if created:
            status, answer = await exchange(
                ctx, "Infisical", "POST", self._url, read=True, auth=auth,
                json={**self._where, "secretValue": secret.reveal()},
            )  # fmt: skip
        approval = answer.get("approval") if isinstance(answer, dict) else None
        del answer  # a {secret} answer holds the value
        if not 200 <= status < 300:
            raise self._failure(status)
        if isinstance(approval, dict):
            fields = self.spec.fields
            raise AwaitingApproval(
                f"waiting for approval in Infisical ({fields['environment']}:{fields['path']})",
                f"a change-approval policy turned the write into request "
                f"{approval.get('slug') or approval.get('id') or '?'}: nothing changed yet; once "
                "a reviewer merges it, resume the rotation",
            )
        action = "created" if created else "updated"
        status, document = await self._get(ctx, auth)
        if status == 403:
            return WriteOutcome(
                f"{action} {self.spec.var} in Infisical; written; read-back not permitted (the "
                "token may write but not read values)",
                matches=None,
            )
        if not 200 <= status < 300:
            raise self._failure(status, reading=True)
        found = _secret_value(document)
        readback = Secret(found) if found is not None else None
        del document, found
        if readback is None:
            return WriteOutcome(f"{action} {self.spec.var}, but it was absent on read-back", False)
        matches = ctx.fingerprint(readback) == ctx.fingerprint(secret)
        return WriteOutcome(
            f"{action} {self.spec.var} in Infisical; read-back {'matches' if matches else 'differs'}",
            matches=matches,
        )


    async def holds(self, secret: Secret, ctx: ConsumerContext) -> bool | None:
        """Read the secret back: does Infisical hold ``secret`` (say, once a request was merged)?"""
        auth = await self._auth(ctx)
        status, document = await self._get(ctx, auth)
        if not 200 <= status < 300:
            return None
        found = _secret_value(document)
        del document
        if found is None:
            return False
        return ctx.fingerprint(Secret(found)) == ctx.fingerprint(secret)


def _error_message(response: httpx.Response) -> str:
    """``message`` of an Infisical error body (never a secret's value), or ""."""
    try:
        body = response.json()
    except ValueError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return message if isinstance(message, str) else ""


def _denied_read(response: httpx.Response) -> bool:
    """A 403 that refuses only reading values (CASL ``readValue``), not access as a whole."""
    return "readValue" in _error_message(response)


def _secret_value(document: Any) -> str | None:
    """``secret.secretValue`` of a GET answer, or None when the answer has another shape."""
    inner = document.get("secret") if isinstance(document, dict) else None
    value = inner.get("secretValue") if isinstance(inner, dict) else None
    return value if isinstance(value, str) else None
