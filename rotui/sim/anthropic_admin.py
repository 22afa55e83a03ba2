"""The simulated Admin API's endpoints: API keys, workspaces, the usage report, the organization.

SDK 2.14.0 ``types/organization/*`` and ``types/messages_usage_report*``; see
:mod:`rotui.sim.anthropic` for the simulator these endpoints belong to.
"""

from __future__ import annotations

import datetime as dt
import threading

from rotui.sim.anthropic_queries import _first, _page, usage_page, usage_window
from rotui.sim.anthropic_shapes import (
    DEFAULT_ORG_ID,
    KEY_STATUSES,
    SimKey,
    SimWorkspace,
    _bad,
    _Call,
    _error,
    _Response,
)


class AdminEndpoints:
    """The Admin API half of :class:`~rotui.sim.anthropic.SimulatedAnthropic` (its state)."""

    _lock: threading.Lock
    _keys: list[SimKey]
    _by_value: dict[str, SimKey]
    _by_id: dict[str, SimKey]
    _newest_first: list[SimKey] | None
    _workspaces: list[SimWorkspace]
    _usage: dict[tuple[str, dt.datetime], list[int]]

    def _find(self, key_id: str, *, by_value: bool = False) -> SimKey | None:
        """Look a key up by id (or also by value); the caller holds the lock."""
        found = self._by_id.get(key_id)
        return found if found is not None or not by_value else self._by_value.get(key_id)

    def _list_keys(self, call: _Call) -> _Response:
        """GET /v1/organizations/api_keys: newest first, filtered by status and workspace."""
        status, workspace = _first(call.query, "status"), _first(call.query, "workspace_id")
        if status is not None and status not in KEY_STATUSES:
            return _bad(f"status: {status!r} is not one of {', '.join(KEY_STATUSES)}")
        with self._lock:
            if self._newest_first is None:
                self._newest_first = sorted(
                    self._keys, key=lambda k: (k.created_at, k.id), reverse=True
                )
            items = self._newest_first
            if status is not None or workspace is not None:
                items = [
                    k
                    for k in items
                    if status in (None, k.status)
                    and (workspace is None or workspace in (k.workspace_id, k.real_workspace_id))
                ]
            return _page(items, call.query, lambda k: k.to_api(call.version))

    def _list_workspaces(self, call: _Call) -> _Response:
        """GET /v1/organizations/workspaces (SDK types/organization/workspace_list_params.py).

        ``include_archived`` and ``include_default`` are false unless sent as true: the default
        workspace is listed only when asked for.
        """
        flags = {}
        for name in ("include_archived", "include_default"):
            raw = (_first(call.query, name) or "false").lower()
            if raw not in ("true", "false"):
                return _bad(f"{name}: Input should be a valid boolean")
            flags[name] = raw == "true"
        with self._lock:
            items = [
                w.to_api()
                for w in sorted(self._workspaces, key=lambda w: (w.created_at, w.id))
                if (flags["include_default"] or not w.default)
                and (flags["include_archived"] or w.archived_at is None)
            ]
        return _page(items, call.query)

    def _get_key(self, call: _Call) -> _Response:
        with self._lock:
            key = self._find(call.path_id)
        if key is None:
            return _error(404, "not_found_error", "Not found")
        return _Response(200, key.to_api(call.version))

    def _update_key(self, call: _Call) -> _Response:
        """POST /v1/organizations/api_keys/{id}: rename or change status; archiving is one-way."""
        body = call.body
        if not isinstance(body, dict):
            return _bad("request body must be a JSON object")
        name, status = body.get("name"), body.get("status")
        if name is not None and not isinstance(name, str):
            return _bad("name: Input should be a valid string")
        if status not in (None, "active", "inactive", "archived"):
            return _bad("status: Input should be 'active', 'inactive' or 'archived'")
        with self._lock:
            key = self._find(call.path_id)
            if key is None:
                return _error(404, "not_found_error", "Not found")
            if key.status == "archived" and status not in (None, "archived"):
                return _bad("An archived API key cannot change status.")
            key.name = key.name if name is None else name
            key.status = key.status if status is None else status
            return _Response(200, key.to_api(call.version))

    def _usage_report(self, call: _Call) -> _Response:
        """GET /v1/organizations/usage_report/messages: 1m, 1h or 1d buckets, paged by next_page."""
        window = usage_window(call.query)
        if isinstance(window, _Response):
            return window
        with self._lock:
            workspaces = {k.id: k.workspace_id for k in self._keys}
            usage = [
                (kid, minute, tally[0], tally[1])
                for (kid, minute), tally in self._usage.items()
                if (not window.key_ids or kid in window.key_ids)
                and window.start <= minute < window.following
            ]
        return usage_page(window, usage, workspaces)

    def _organization(self, call: _Call) -> _Response:
        return _Response(
            200, {"id": DEFAULT_ORG_ID, "type": "organization", "name": "Simulated Org"}
        )
