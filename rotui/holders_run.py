"""The holders scan with the app's services: one place for the CLI and the TUI to start it."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rotui.core.holders.model import ScanReport
from rotui.core.holders.scan import OnProgress, ScanRequest, scan

if TYPE_CHECKING:
    from rotui.services import Services


class _NoClient:
    """Stands in for the HTTP client when no Heroku or Infisical source is read (no TLS setup)."""

    async def __aenter__(self) -> Any:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None


async def scan_holders(
    services: Services,
    names: Sequence[str] = (),
    stop: threading.Event | None = None,
    on_progress: OnProgress | None = None,
    audited: bool = True,
) -> ScanReport:
    """Scan for ``names`` (all keys when empty); ``stop`` ends it early with a partial report."""
    config = services.config
    remote = {str(c.kind) for k in config.keys for c in k.consumers}
    settings = config.holders
    wanted = (settings.heroku and "heroku" in remote) or (
        settings.infisical and "infisical" in remote
    )
    client: Any = _NoClient()
    if wanted:  # httpx is imported only then: a files-only scan starts faster
        import httpx

        client = httpx.AsyncClient(trust_env=services.trust_env, timeout=30.0)
    async with client as http:
        return await scan(
            ScanRequest(
                config=config,
                store=services.store,
                audit=services.audit(),
                http=http,
                names=list(names),
                home=Path(services.environ.get("HOME") or Path.home()),
                environ=dict(services.environ),
                stop=stop or threading.Event(),
                on_progress=on_progress,
                runs=services.runs().all(),
                audited=audited,
            )
        )
