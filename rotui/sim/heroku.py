"""A simulated Heroku Platform API (apps and config vars) on loopback, for tests and the demo.

Shapes from the Platform API Reference (devcenter.heroku.com/articles/platform-api-reference,
"Clients" and "Errors") and heroku/platform-api ``schema.json`` (commit 4f4f592): an error body is
``{"id", "message"}`` with the table's ids (401 ``unauthorized``, 403 ``forbidden``, 404
``not_found``, 406 ``not_acceptable`` "set Accept: application/vnd.heroku+json; version=3 header
and try again", 422 ``invalid_params``); ``config-vars`` GET and PATCH answer the app's whole map.
``GET /apps`` is schema.json's "App List" (``"href": "/apps"``, ``"rel": "instances"``): an array of
app objects, ranged by ``Range: id ..; max=N`` (200 when everything fits, 206 with ``Next-Range``
otherwise; this simulation never holds more than one page).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from rotui.sim.downstream import Answer, LoopbackJsonSim, bearer

ACCEPT = "application/vnd.heroku+json; version=3"
_APP = re.compile(r"/apps/(?P<app>[^/]+)(?P<rest>/config-vars)?")
# schema.json, config-var "Update": patternProperties ^\w+$, values string or null,
# additionalProperties false (JSON Schema's \w: ASCII letters, digits, underscore)
_NAME = re.compile(r"[A-Za-z0-9_]+")


class HerokuSim(LoopbackJsonSim):
    """``GET /apps/{app}``, ``GET`` and ``PATCH /apps/{app}/config-vars``, with Heroku's errors."""

    thread_name = "sim-heroku"

    def __init__(
        self,
        tokens: Iterable[str] = ("tok",),
        apps: Mapping[str, Mapping[str, str]] | None = None,
        latency: float = 0.0,
    ) -> None:
        super().__init__(latency)
        self._tokens = frozenset(tokens)
        source = {"raxx-api-prod": {"OTHER": "x"}} if apps is None else apps
        self._apps: dict[str, dict[str, str]] = {name: dict(v) for name, v in source.items()}
        self._writes: Counter[str] = Counter()
        self._history: list[tuple[str, str, str | None]] = []
        self._visible: set[str] | None = None  # None: the token's account sees every app

    def add_app(self, app: str, config: Mapping[str, str]) -> None:
        """An app the token's account can see although no consumer names it."""
        with self._lock:
            self._apps[app] = dict(config)
            if self._visible is not None:
                self._visible.add(app)

    def add_unreadable_app(self, app: str) -> None:
        """An app ``GET /apps`` lists whose config vars then answer 404 "Couldn't find that app."
        (one deleted, or access lost, between the listing and the read)."""
        with self._lock:
            if self._visible is None:
                self._visible = set(self._apps)
            self._visible.add(app)

    def config_vars(self, app: str) -> dict[str, str]:
        """A copy of an app's config vars (KeyError for an unknown app)."""
        with self._lock:
            return dict(self._apps[app])

    def writes(self, app: str) -> int:
        """How many PATCHes the app accepted, whether or not they changed a value."""
        with self._lock:
            return self._writes[app]

    def history(self, app: str, var: str) -> list[str | None]:
        """SHA-256 of every value PATCHed to one var, in order (for "never written twice differently")."""
        with self._lock:
            return [fp for a, n, fp in self._history if a == app and n == var]

    def _answer(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: Any,
    ) -> Answer:
        if headers.get("accept", "").replace(" ", "") != ACCEPT.replace(" ", ""):
            return 406, {
                "id": "not_acceptable",
                "message": f"Set Accept: {ACCEPT} header and try again.",
            }
        if bearer(headers) not in self._tokens:
            return 401, {"id": "unauthorized", "message": "Invalid credentials provided."}
        if path == "/apps":
            if method != "GET":
                return _not_allowed()
            with self._lock:
                visible = sorted(self._apps) if self._visible is None else sorted(self._visible)
            return 200, [_app_info(app) for app in visible]
        match = _APP.fullmatch(path)
        with self._lock:
            if match is None or match["app"] not in self._apps:
                return 404, {"id": "not_found", "message": "Couldn't find that app."}
            app = match["app"]
            if not match["rest"]:
                return (200, _app_info(app)) if method == "GET" else _not_allowed()
            if method == "GET":
                return 200, dict(self._apps[app])
            if method != "PATCH":
                return _not_allowed()
            if not isinstance(body, dict) or not all(
                isinstance(v, str | None) for v in body.values()
            ):
                return 422, {"id": "invalid_params", "message": "Config vars must be strings."}
            refused = [name for name in body if not _NAME.fullmatch(name)]
            if refused:
                return 422, {
                    "id": "invalid_params",
                    "message": f"Invalid config var name: {refused[0]}.",  # [INFER] wording
                }
            for name, value in body.items():
                if value is None:
                    self._apps[app].pop(name, None)
                else:
                    self._apps[app][name] = value
                self._history.append((app, name, None if value is None else _sha(value)))
            self._writes[app] += 1
            return 200, dict(self._apps[app])


def _app_info(app: str) -> dict[str, Any]:
    """The part of Heroku's app object a client might look at."""
    app_id = hashlib.sha256(app.encode()).hexdigest()
    return {
        "id": f"{app_id[:8]}-{app_id[8:12]}-{app_id[12:16]}-{app_id[16:20]}-{app_id[20:32]}",
        "name": app,
        "region": {"name": "us"},
        "stack": {"name": "heroku-24"},
        "web_url": f"https://{app}.herokuapp.com/",
    }


def _not_allowed() -> Answer:
    return 405, {"id": "method_not_allowed", "message": "Method not allowed."}


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
