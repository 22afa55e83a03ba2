"""A simulated Infisical secrets API (``/api/v3/secrets/raw``) on loopback, for tests and the demo.

Shapes from Infisical/infisical (backend, 2025-2026), each cited where it is built:

- ``backend/src/server/routes/v3/deprecated-secret-router.ts`` (formerly ``secret-router.ts``):
  GET/POST/PATCH ``/raw/:secretName``; ``secretPath`` defaults to "/" and loses a trailing slash
  (``removeTrailingSlash``); a write answers 200 with ``{secret}`` or, "when secret protection
  policy is enabled", ``{approval: SecretApprovalRequestsSchema}`` and changes nothing; a GET's
  secret carries ``secretValueHidden``.
- ``backend/src/services/secret-v2-bridge/secret-v2-bridge-service.ts``: 404 "Folder with path '…'
  in environment with slug '…' not found" for a wrong environment or path, before the secret is
  looked up; "Secret with name '…' not found"; POST of an existing name 400 "Secret already
  exist"; ``getSecretByName`` refuses a token without ``readValue`` with 403
  ``ForbiddenReadSecretError`` "You do not have permission to view secret value on secret with
  name '…'" (a missing secret is still a 404 first).
- ``backend/src/server/plugins/auth/verify-auth.ts`` and ``inject-identity.ts``: no
  ``Authorization`` header is 401 ``UnauthorizedError`` "Token missing"; any other bearer token
  goes through ``jwt.verify``, so an unknown or malformed token is **403** ``TokenError`` and an
  expired one 403 ``TokenError`` "Your token has expired. Please re-authenticate."
- ``backend/src/server/routes/v1/identity-universal-auth-router.ts``: ``POST
  /api/v1/auth/universal-auth/login`` ``{clientId, clientSecret}`` answers ``{accessToken,
  expiresIn, accessTokenMaxTTL, tokenType: "Bearer"}`` (TTLs default to 2592000 s);
  ``services/identity-ua/identity-ua-service.ts`` refuses with 401 "Invalid credentials".
- ``backend/src/server/plugins/error-handler.ts``: bodies ``{reqId, statusCode, message, error}``;
  a body the zod schema refuses is 422 ``ValidationFailure`` with the issues as ``message``.

Listing, for ``rotui holders``: ``backend/src/server/routes/v1/project-router.ts`` ``GET
/api/v1/workspace/:workspaceId`` answers ``{workspace: {id, name, environments: [{id, name, slug}]}}``;
``GET /api/v3/secrets/raw`` (query ``workspaceId``, ``environment``, ``secretPath`` default "/",
``recursive``) answers ``{secrets: [...], imports: []}``, each secret with its ``secretPath``
(Infisical/go-sdk ``packages/models``), the folder's subfolders included when ``recursive`` is
true; without ``readValue`` it is 403 "You do not have permission to read secret values"
(``throwIfMissingSecretReadValueOrDescribePermission``,
``ee/services/permission/permission-fns.ts``).

A project id the token cannot use: the secrets routes look the project up first
(``services/project-bot/project-bot-fns.ts`` ``getBotKeyFnFactory``, called at the top of
``getSecretsRaw``, ``getSecretByNameRaw``, ``createSecretRaw`` and ``updateSecretRaw`` in
``services/secret/secret-service.ts``): an unknown id is 404 ``NotFound`` "Project with ID '…' not
found during bot lookup. Are you sure you are using the correct project ID?". ``GET
/api/v1/workspace/:workspaceId`` (``getAProject``, ``services/project/project-service.ts``) finds
it with ``projectDAL.findProjectById``: 404 ``NotFound`` "Project with ID '…' not found". A project
that exists but has not the identity as a member passes the lookup and is refused by the
permission check (``$fetchProjectPermissionData``, ``ee/services/permission/permission-service.ts``):
403 ``ProjectMembershipNotFound`` "You are not a member of this project with ID … Please assign
this identity to the project with the appropriate permissions, then try again." (a
``ForbiddenRequestError``; ``lib/errors/index.ts``, ``server/plugins/error-handler.ts``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from rotui.sim.downstream import Answer, LoopbackJsonSim, bearer

_SECRET = re.compile(r"/api/v3/secrets/raw/(?P<name>[^/]+)")
_WORKSPACE = re.compile(r"/api/v1/workspace/(?P<id>[^/]+)")
# project-bot-fns.ts getBotKeyFn, and project-dal.ts findProjectById
_BOT_LOOKUP = (
    "Project with ID '{id}' not found during bot lookup. Are you sure you are using the correct "
    "project ID?"
)
_PROJECT_MISSING = "Project with ID '{id}' not found"
_Where = tuple[str, str, str, str]  # workspace id, environment, path, secret name
_Folder = tuple[str, str, str]  # workspace id, environment, path
# A new Infisical project has these environments, each with the root folder.
DEFAULT_ENVIRONMENTS = ("dev", "staging", "prod")
DEFAULT_PROJECT = "proj"  # the project a new simulator holds, as the tests name it


class InfisicalSim(LoopbackJsonSim):
    """GET, PATCH (update) and POST (create) of one raw secret, with Infisical's status codes."""

    thread_name = "sim-infisical"

    def __init__(
        self,
        tokens: Iterable[str] = ("itok",),
        latency: float = 0.0,
        *,
        write_only_tokens: Iterable[str] = (),
        expired_tokens: Iterable[str] = (),
        clients: Mapping[str, str] | None = None,
        token_ttl: int = 2592000,
        projects: Iterable[str] = (DEFAULT_PROJECT,),
    ) -> None:
        super().__init__(latency)
        # project id -> whether the identity behind every token is a member of it; any other id
        # is a project that does not exist (seeding a secret or folder creates its project)
        self._projects = dict.fromkeys(projects, True)
        # universal auth: client id -> client secret; each login issues a new access token
        self._clients = dict(clients or {})
        self._token_ttl = token_ttl
        self._issued: set[str] = set()
        self._logins = 0
        # a write-only token may create and update but not read values (readValue denied)
        self._write_only = frozenset(write_only_tokens)
        self._tokens = frozenset(tokens) | self._write_only
        self._expired = frozenset(expired_tokens)
        self._secrets: dict[_Where, tuple[str, int]] = {}
        self._folders: set[_Folder] = set()
        self._policies: set[_Folder] = set()
        self._approvals: list[dict[str, Any]] = []
        self._writes = 0

    def add_project(self, workspace_id: str, *, member: bool = True) -> None:
        """Create a project; ``member=False``: it exists, but the tokens' identity is no member."""
        with self._lock:
            self._projects[workspace_id] = member

    def add_folder(self, workspace_id: str, environment: str, path: str) -> None:
        """Create a folder (environments dev, staging and prod have "/" from the start)."""
        with self._lock:
            self._projects.setdefault(workspace_id, True)
            self._folders.add((workspace_id, environment, path))

    def require_approval(self, workspace_id: str, environment: str, path: str = "/") -> None:
        """Put a change-approval policy on a folder: writes there wait for a reviewer."""
        with self._lock:
            self._policies.add((workspace_id, environment, path))

    def approvals(self) -> list[dict[str, Any]]:
        """Approval requests opened by writes under a policy (the value is not kept)."""
        with self._lock:
            return [dict(a) for a in self._approvals]

    def _folder_exists(self, folder: _Folder) -> bool:
        _, environment, path = folder
        return folder in self._folders or (path == "/" and environment in DEFAULT_ENVIRONMENTS)

    def put(self, workspace_id: str, environment: str, path: str, name: str, value: str) -> None:
        """Seed or overwrite a secret without going through HTTP (not counted as a write)."""
        where = (workspace_id, environment, path, name)
        with self._lock:
            self._projects.setdefault(workspace_id, True)
            self._folders.add((workspace_id, environment, path))
            version = self._secrets.get(where, ("", 0))[1]
            self._secrets[where] = (value, version + 1)

    def value(self, workspace_id: str, environment: str, path: str, name: str) -> str | None:
        with self._lock:
            found = self._secrets.get((workspace_id, environment, path, name))
        return found[0] if found else None

    def writes(self) -> int:
        """How many PATCHes and POSTs were applied."""
        with self._lock:
            return self._writes

    def _answer(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: Any,
    ) -> Answer:
        if path == "/api/v1/auth/universal-auth/login":
            return self._login(method, body)
        token = bearer(headers)
        with self._lock:
            issued = token in self._issued
        if token not in self._tokens and not issued:
            return _refused(token, headers, expired=token in self._expired)
        if method == "GET" and path == "/api/v3/secrets/raw":
            return self._list(query, read_value=token not in self._write_only)
        workspace = _WORKSPACE.fullmatch(path)
        if method == "GET" and workspace is not None:
            return self._workspace(workspace["id"])
        match = _SECRET.fullmatch(path)
        if match is None:
            return _error(404, "NotFound", "Route not found")
        name = match["name"]
        if method == "GET":
            return self._get(name, query, read_value=token not in self._write_only)
        if method not in ("PATCH", "POST"):
            return _error(405, "MethodNotAllowed", "Method not allowed")
        problem = _body_problem(body, method)
        if problem is not None:
            return problem
        if not body.get("workspaceId"):
            # extractProjectIdFromSlug without projectSlug or workspaceId
            return _error(400, "BadRequest", "Must provide either project slug or projectId")
        path_given = _path(body.get("secretPath"))
        where = (body["workspaceId"], body["environment"], path_given, name)
        folder = where[:3]
        refused = self._project_refused(where[0], _BOT_LOOKUP)
        if refused is not None:
            return refused
        with self._lock:
            if not self._folder_exists(folder):
                caller = "UpdateSecret" if method == "PATCH" else "CreateSecret"
                return _folder_missing(folder, caller)
            existing = self._secrets.get(where)
            if method == "PATCH" and existing is None:
                # secret-v2-bridge-service.ts updateSecret: no quotes around the name
                return _error(404, "NotFound", f"Secret with name {name} not found")
            if method == "POST" and existing is not None:
                return _error(400, "BadRequest", "Secret already exist")
            if folder in self._policies:
                # 200 with the approval request and no change (secret-router.ts response union)
                approval = _approval(len(self._approvals) + 1, name, method)
                self._approvals.append(approval)
                return 200, {"approval": approval}
            value = body.get("secretValue", existing[0] if existing else "")
            version = existing[1] + 1 if existing else 1
            self._secrets[where] = (value, version)
            self._writes += 1
        return 200, {"secret": _secret(name, value, version)}

    def logins(self) -> int:
        """How many universal-auth logins succeeded."""
        with self._lock:
            return self._logins

    def expire_issued(self) -> None:
        """Every token issued so far expires (Infisical then answers 403 TokenError)."""
        with self._lock:
            self._expired = self._expired | frozenset(self._issued)
            self._issued.clear()

    def _login(self, method: str, body: Any) -> Answer:
        """POST /api/v1/auth/universal-auth/login (identity-universal-auth-router.ts)."""
        if method != "POST":
            return _error(404, "NotFound", "Route not found")
        fields = ("clientId", "clientSecret")
        if not isinstance(body, dict) or not all(isinstance(body.get(f), str) for f in fields):
            issues = [{"code": "invalid_type", "path": [f], "message": "Required"} for f in fields]
            return _error(422, "ValidationFailure", issues)
        if self._clients.get(body["clientId"].strip()) != body["clientSecret"].strip():
            return _error(401, "UnauthorizedError", "Invalid credentials")
        with self._lock:
            self._logins += 1
            token = f"ua-token-{self._logins}"
            self._issued.add(token)
        return 200, {
            "accessToken": token,
            "expiresIn": self._token_ttl,
            "accessTokenMaxTTL": self._token_ttl,
            "tokenType": "Bearer",
        }

    def _project_refused(self, workspace_id: str, lookup: str) -> Answer | None:
        """404 for a project that does not exist, 403 for one whose member the identity is not.

        ``lookup`` is the 404's message: the secrets routes' bot lookup, or the project route's.
        """
        with self._lock:
            member = self._projects.get(workspace_id)
        if member is None:
            return _error(404, "NotFound", lookup.format(id=workspace_id))
        if not member:
            return _error(
                403,
                "ProjectMembershipNotFound",
                f"You are not a member of this project with ID {workspace_id}. Please assign this "
                "identity to the project with the appropriate permissions, then try again.",
            )
        return None

    def _workspace(self, workspace_id: str) -> Answer:
        refused = self._project_refused(workspace_id, _PROJECT_MISSING)
        if refused is not None:
            return refused
        with self._lock:
            known = {f[1] for f in self._folders if f[0] == workspace_id}
        slugs = sorted(set(DEFAULT_ENVIRONMENTS) | known)
        environments = [{"id": f"env-{slug}", "name": slug.title(), "slug": slug} for slug in slugs]
        return 200, {
            "workspace": {"id": workspace_id, "name": workspace_id, "environments": environments}
        }

    def _list(self, query: Mapping[str, str], *, read_value: bool = True) -> Answer:
        if "workspaceId" not in query or "environment" not in query:
            return _error(400, "BadRequest", "Missing workspace id or environment")
        folder = (query["workspaceId"], query["environment"], _path(query.get("secretPath")))
        recursive = query.get("recursive", "false").lower() == "true"
        refused = self._project_refused(folder[0], _BOT_LOOKUP)
        if refused is not None:
            return refused
        if not read_value:
            return _error(403, "ForbiddenError", "You do not have permission to read secret values")
        base = folder[2].rstrip("/") + "/"
        with self._lock:
            if not self._folder_exists(folder):
                return _folder_missing(folder)
            listed = [
                {
                    **_secret(name, value, version),
                    "secretPath": path,
                    "environment": env,
                    "workspace": ws,
                }
                for (ws, env, path, name), (value, version) in sorted(self._secrets.items())
                if ws == folder[0]
                and env == folder[1]
                and (path == folder[2] or (recursive and (path.rstrip("/") + "/").startswith(base)))
            ]
        return 200, {"secrets": listed, "imports": []}

    def _get(self, name: str, query: Mapping[str, str], *, read_value: bool = True) -> Answer:
        if "workspaceId" not in query or "environment" not in query:
            return _error(400, "BadRequest", "Missing workspace id or environment")
        where = (query["workspaceId"], query["environment"], _path(query.get("secretPath")), name)
        refused = self._project_refused(where[0], _BOT_LOOKUP)
        if refused is not None:
            return refused
        with self._lock:
            if not self._folder_exists(where[:3]):
                return _folder_missing(where[:3], "GetSecretByName")
            found = self._secrets.get(where)
        if found is None:
            return _error(404, "NotFound", f"Secret with name '{name}' not found")
        if not read_value:
            return _error(
                403,
                "ForbiddenReadSecretError",
                f"You do not have permission to view secret value on secret with name '{name}'",
            )
        return 200, {"secret": {**_secret(name, *found), "secretValueHidden": False}}


def _secret(name: str, value: str, version: int) -> dict[str, Any]:
    return {"secretKey": name, "secretValue": value, "version": version, "type": "shared"}


def _folder_missing(folder: _Folder, name: str = "NotFound") -> Answer:
    """The service's NotFoundError, named after the call that raised it."""
    _, environment, path = folder
    return _error(
        404,
        name,
        f"Folder with path '{path}' in environment with slug '{environment}' not found",
    )


def _path(raw: Any) -> str:
    """``secretPath``: "/" by default, a trailing slash removed (``removeTrailingSlash``)."""
    path = raw.strip() if isinstance(raw, str) else "/"
    return path[:-1] if len(path) > 1 and path.endswith("/") else path


def _refused(token: str, headers: Mapping[str, str], *, expired: bool) -> Answer:
    """How the auth plugins refuse a request: 401 without a token, 403 TokenError otherwise."""
    if "authorization" not in headers:
        return _error(401, "UnauthorizedError", "Token missing")
    if expired:
        return _error(403, "TokenError", "Your token has expired. Please re-authenticate.")
    return _error(
        403,
        "TokenError",
        "The provided access token is malformed. Please use a valid token or generate a new one "
        "and try again.",
    )


def _body_problem(body: Any, method: str) -> Answer | None:
    """The route's zod schema: ``environment`` (and on POST ``secretValue``) strings, else 422."""
    if not isinstance(body, dict):
        return _error(422, "ValidationFailure", [{"message": "Expected object, received null"}])
    required = ("environment", "secretValue") if method == "POST" else ("environment",)
    issues = [
        {"code": "invalid_type", "path": [name], "message": "Required"}
        for name in required
        if not isinstance(body.get(name), str)
    ]
    for name in ("workspaceId", "secretPath", "secretValue"):
        if name in body and not isinstance(body[name], str):
            issues.append({"code": "invalid_type", "path": [name], "message": "Expected string"})
    return _error(422, "ValidationFailure", issues) if issues else None


def _approval(number: int, name: str, method: str) -> dict[str, Any]:
    """A secret approval request (SecretApprovalRequestsSchema, backend/src/db/schemas)."""
    now = "2026-11-30T00:00:00.000Z"
    return {
        "id": f"00000000-0000-4000-8000-{number:012d}",
        "policyId": "00000000-0000-4000-8000-0000000000aa",
        "hasMerged": False,
        "status": "open",
        "conflicts": None,
        "slug": f"{'update' if method == 'PATCH' else 'create'}-{name.lower()}-{number}",
        "folderId": "00000000-0000-4000-8000-0000000000bb",
        "createdAt": now,
        "updatedAt": now,
        "isReplicated": False,
        "committerUserId": None,
        "statusChangedByUserId": None,
        "bypassReason": None,
    }


def _error(status: int, kind: str, message: Any) -> Answer:
    return status, {"reqId": "req-sim", "statusCode": status, "message": message, "error": kind}
