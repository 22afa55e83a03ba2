"""A simulated Infisical secrets API (``/api/v3/secrets/raw``) on loopback, for tests and the demo."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from rotui.sim.downstream import Answer, LoopbackJsonSim, bearer

_SECRET = re.compile(r"/api/v3/secrets/raw/(?P<name>[^/]+)")
_Where = tuple[str, str, str, str]  # workspace id, environment, path, secret name


class InfisicalSim(LoopbackJsonSim):
    """GET, PATCH (update) and POST (create) of one raw secret, with Infisical's status codes."""

    thread_name = "sim-infisical"

    def __init__(self, tokens: Iterable[str] = ("itok",), latency: float = 0.0) -> None:
        super().__init__(latency)
        self._tokens = frozenset(tokens)
        self._secrets: dict[_Where, tuple[str, int]] = {}
        self._writes = 0

    def put(self, workspace_id: str, environment: str, path: str, name: str, value: str) -> None:
        """Seed or overwrite a secret without going through HTTP (not counted as a write)."""
        where = (workspace_id, environment, path, name)
        with self._lock:
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
        if bearer(headers) not in self._tokens:
            return _error(401, "UnauthorizedError", "Invalid token")
        match = _SECRET.fullmatch(path)
        if match is None:
            return _error(404, "NotFound", "Route not found")
        name = match["name"]
        if method == "GET":
            return self._get(name, query)
        if method not in ("PATCH", "POST"):
            return _error(405, "MethodNotAllowed", "Method not allowed")
        fields = ("workspaceId", "environment", "secretPath", "secretValue")
        if not isinstance(body, dict) or not all(isinstance(body.get(f), str) for f in fields):
            return _error(400, "BadRequest", f"body needs string fields {', '.join(fields)}")
        where = (body["workspaceId"], body["environment"], body["secretPath"], name)
        with self._lock:
            existing = self._secrets.get(where)
            if method == "PATCH" and existing is None:
                return _error(404, "NotFound", f"Secret with name '{name}' not found")
            if method == "POST" and existing is not None:
                return _error(400, "BadRequest", "Secret already exist")
            version = existing[1] + 1 if existing else 1
            self._secrets[where] = (body["secretValue"], version)
            self._writes += 1
        return 200, {"secret": _secret(name, body["secretValue"], version)}

    def _get(self, name: str, query: Mapping[str, str]) -> Answer:
        if "workspaceId" not in query or "environment" not in query:
            return _error(400, "BadRequest", "workspaceId and environment are required")
        where = (query["workspaceId"], query["environment"], query.get("secretPath", "/"), name)
        with self._lock:
            found = self._secrets.get(where)
        if found is None:
            return _error(404, "NotFound", f"Secret with name '{name}' not found")
        return 200, {"secret": _secret(name, *found)}


def _secret(name: str, value: str, version: int) -> dict[str, Any]:
    return {"secretKey": name, "secretValue": value, "version": version, "type": "shared"}


def _error(status: int, kind: str, message: str) -> Answer:
    return status, {"statusCode": status, "error": kind, "message": message}
