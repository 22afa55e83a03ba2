"""Infisical secrets through its REST API: update, create when missing, read back.

Answers as Infisical/infisical's backend gives them (``backend/src/server/routes/v3/
deprecated-secret-router.ts``, formerly ``secret-router.ts``): a write is ``200 {secret}``, or
``200 {approval}`` under a change-approval policy (nothing changed). Refusals
(``backend/src/server/plugins/error-handler.ts``) carry ``{reqId, statusCode, message, error}``:

- no token: 401 ``UnauthorizedError`` "Token missing" (``plugins/auth/verify-auth.ts``); a token
  that is not a valid JWT, or has expired: **403** ``TokenError`` ("The provided access token is
  malformed…", "Your token has expired. Please re-authenticate.": ``jwt.verify`` in
  ``plugins/auth/inject-identity.ts``), so a 403 is not always a permission problem;
- a token that may not read values: 403 ``ForbiddenReadSecretError`` "You do not have permission
  to view secret value on secret with name '…'" (``services/secret-v2-bridge/
  secret-v2-bridge-service.ts`` ``getSecretByName``; older servers said "You are not allowed to
  readValue on secrets", CASL's ``PermissionDenied``);
- a wrong environment or path: 404 "Folder with path '…' in environment with slug '…' not found",
  before the secret is looked up; a missing secret: 404 "Secret with name … not found";
- a body the schema refuses: 422 ``ValidationFailure`` (zod).

With ``client_id`` and ``client_secret`` the token comes from a universal-auth login
(:mod:`rotui.core.consumers.infisical_login`), renewed when it expires or is refused.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from rotui.core.consumers.base import ConsumerAdapter, ConsumerContext, WriteOutcome
from rotui.core.consumers.fields import ConsumerSpec
from rotui.core.consumers.http import BearerAuth, Problem, exchange, http_failure
from rotui.core.consumers.infisical_login import UniversalAuth
from rotui.core.errors import AwaitingApproval, RotuiError
from rotui.core.model import ConsumerKind
from rotui.core.secret import Secret


class InfisicalConsumer(ConsumerAdapter):
    """``PATCH /api/v3/secrets/raw/{name}``, ``POST`` on 404, then a ``GET`` to compare."""

    kind = ConsumerKind.INFISICAL

    def __init__(self, spec: ConsumerSpec) -> None:
        super().__init__(spec)
        fields = spec.fields
        self.login: UniversalAuth | None = None
        if fields.get("client_id") and fields.get("client_secret"):
            self.login = UniversalAuth(
                fields["client_id"], fields["client_secret"], str(fields["api_url"])
            )

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
        if self.login is not None:
            return BearerAuth(await self.login.token(ctx))
        return BearerAuth(await ctx.token(self.spec.fields["token"], "INFISICAL_TOKEN"))

    def _token_refused(self, problem: Problem) -> RotuiError:
        if self.login is not None:
            self.login.forget()  # the next request logs in again
            return RotuiError(
                "Infisical token refused",
                "Infisical refused the access token universal auth gave; retry this consumer "
                "(it logs in again)" + problem.said(),
            )
        return RotuiError(
            "Infisical token refused",
            f"check INFISICAL_TOKEN / token source ({self.spec.fields['token']}); a machine "
            "identity's access token expires: set client_id and client_secret to log in "
            "with universal auth instead" + problem.said(),
        )

    def _failure(self, status: int, problem: Any = None, *, reading: bool = False) -> RotuiError:
        """One clear error for a refused request, by status and what Infisical said."""
        fields = self.spec.fields
        problem = problem if isinstance(problem, Problem) else Problem()
        if status == 401 or (status == 403 and problem.kind == "TokenError"):
            return self._token_refused(problem)
        unusable = project_refused(status, problem, str(fields["project_id"]))
        if unusable is not None:
            return unusable
        if status == 403 and (reading or denies_read(problem)):
            return RotuiError(
                "Infisical does not let this token read values",
                f"the token needs read access to {fields['environment']}:{fields['path']}",
            )
        if status == 403:
            return RotuiError(
                f"Infisical refused access to project {fields['project_id']}",
                f"the token needs write access to {fields['environment']}:{fields['path']}"
                + problem.said(),
            )
        if status == 404 and problem.message.startswith("Folder with path"):
            return RotuiError(
                f"Infisical has no environment “{fields['environment']}” or path "
                f"“{fields['path']}” in project {fields['project_id']}",
                "check environment (the slug, e.g. prod) and path",
            )
        if status == 404:
            return RotuiError(
                f"Infisical project {fields['project_id']} or environment "
                f"{fields['environment']} not found",
                "check project_id, environment and path" + problem.said(),
            )
        if status in (400, 422):
            return RotuiError(
                "Infisical rejected the request",
                (problem.message or "check project_id, environment and path") + f" (HTTP {status})",
            )
        return http_failure("Infisical", status, problem)

    async def _get(self, ctx: ConsumerContext, auth: BearerAuth) -> tuple[int, Any]:
        return await exchange(
            ctx, "Infisical", "GET", self._url, read=True, auth=auth, params=self._where
        )

    async def preflight(self, ctx: ConsumerContext) -> list[str]:
        """The token works and the environment and path exist (a missing secret is created).

        The value itself is never read here: a 2xx body is left unread.
        """
        try:
            auth = await self._auth(ctx)
            status, problem = await exchange(
                ctx, "Infisical", "GET", self._url, read=False, auth=auth, params=self._where
            )
        except RotuiError as exc:
            return [str(exc)]
        if 200 <= status < 300:
            return []
        if status == 403 and denies_read(problem):
            return []  # a write-only token still writes (read-back is skipped)
        if status == 404 and _secret_missing(problem):
            return []  # the folder exists; the secret will be created
        return [str(self._failure(status, problem))]

    async def write(self, secret: Secret, ctx: ConsumerContext) -> WriteOutcome:
        """Update (or create) the secret and read it back.

        Raises ``AwaitingApproval`` when a change-approval policy turned the write into a request.
        """
        auth = await self._auth(ctx)
        status, answer = await exchange(
            ctx, "Infisical", "PATCH", self._url, read=True, auth=auth,
            json={**self._where, "secretValue": secret.reveal()},
        )  # fmt: skip
        # Only a missing secret is created; a missing folder stays an error (POST would say so too).
        created = status == 404 and not _folder_missing(answer)
        if created:
            status, answer = await exchange(
                ctx, "Infisical", "POST", self._url, read=True, auth=auth,
                json={**self._where, "secretValue": secret.reveal()},
            )  # fmt: skip
        approval = answer.get("approval") if isinstance(answer, dict) else None
        problem = answer if isinstance(answer, Problem) else None
        del answer  # a {secret} answer holds the value
        if not 200 <= status < 300:
            raise self._failure(status, problem)
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
        if status == 403 or (200 <= status < 300 and _hidden(document)):
            return WriteOutcome(
                f"{action} {self.spec.var} in Infisical; written; read-back not permitted (the "
                "token may write but not read values)",
                matches=None,
            )
        if not 200 <= status < 300:
            raise self._failure(status, document, reading=True)
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
        if not 200 <= status < 300 or _hidden(document):
            return None
        found = _secret_value(document)
        del document
        if found is None:
            return False
        return ctx.fingerprint(Secret(found)) == ctx.fingerprint(secret)


# What Infisical says when a token may see a secret but not its value, old and new servers.
_READ_DENIED = (
    "readvalue",  # CASL PermissionDenied: "You are not allowed to readValue on secrets"
    "permission to view secret value",  # ForbiddenReadSecretError (getSecretByName)
    "permission to read secret values",  # throwIfMissingSecretReadValueOrDescribePermission
)


def denies_read(problem: Any) -> bool:
    """A 403 that refuses only reading values, not access as a whole."""
    if not isinstance(problem, Problem):
        return False
    lowered = problem.message.lower()
    return problem.kind == "ForbiddenReadSecretError" or any(s in lowered for s in _READ_DENIED)


def project_refused(status: int, problem: Any, project: str) -> RotuiError | None:
    """A project id Infisical does not know, or whose member the identity is not; else None.

    404 "Project with ID '…' not found[ during bot lookup…]" (``project-bot-fns.ts``,
    ``project-dal.ts``), 403 ``ProjectMembershipNotFound`` and 403 "This project does not belong
    to your selected organization." (``permission-service.ts``), as ``rotui/sim/infisical.py``
    cites them.
    """
    if not isinstance(problem, Problem):
        return None
    if status == 404 and problem.message.startswith("Project with ID"):
        return RotuiError(
            f"Infisical has no project {project}",
            "check project_id: the project's ID (Project Settings), not its slug or the "
            "organization's ID (HTTP 404)",
        )
    if status == 403 and (
        problem.kind == "ProjectMembershipNotFound"
        or problem.message.startswith("You are not a member of this project")
    ):
        return RotuiError(
            f"the token's identity is not a member of Infisical project {project}",
            "add the machine identity to the project (Access Control → Machine Identities) "
            "with a role that may read and edit secrets (HTTP 403)",
        )
    if status == 403 and "does not belong to your selected organization" in problem.message:
        return RotuiError(
            f"Infisical project {project} belongs to another organization than the token",
            "use a token or machine identity of the project's organization (HTTP 403)",
        )
    return None


def _secret_missing(problem: Any) -> bool:
    return isinstance(problem, Problem) and problem.message.startswith("Secret with name")


def _folder_missing(problem: Any) -> bool:
    return isinstance(problem, Problem) and problem.message.startswith("Folder with path")


def _hidden(document: Any) -> bool:
    """``secret.secretValueHidden``: the value came back masked as ``<hidden-by-infisical>``.

    ``reshapeBridgeSecret`` masks a value the token may not read (``secret-v2-bridge-fns.ts``,
    ``INFISICAL_SECRET_VALUE_HIDDEN_MASK`` in ``services/secret/secret-fns.ts``).
    """
    inner = document.get("secret") if isinstance(document, dict) else None
    return isinstance(inner, dict) and inner.get("secretValueHidden") is True


def _secret_value(document: Any) -> str | None:
    """``secret.secretValue`` of a GET answer, or None when the answer has another shape."""
    inner = document.get("secret") if isinstance(document, dict) else None
    value = inner.get("secretValue") if isinstance(inner, dict) else None
    return value if isinstance(value, str) else None
