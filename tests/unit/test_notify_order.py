"""Background notifications arrive in the order a run sends them, whatever each one takes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

import pytest

from rotui.core import notify
from rotui.core.notify import Delivery, Notifier
from rotui.core.secret import MemoryKeyring, Secret, SecretStore


def test_a_slow_first_message_still_arrives_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run's "started" is delivered before its "waits for a person", even when slower."""
    arrived: list[str] = []

    def deliver(urls: Iterable[tuple[str, Secret]], title: str, body: str) -> list[Delivery]:
        time.sleep(0.3 if title == "started" else 0.0)  # a slow webhook for the first one
        arrived.append(title)
        return [Delivery(target, "json", True) for target, _ in urls]

    monkeypatch.setattr(notify, "_deliver", deliver)
    store = SecretStore(MemoryKeyring(), environ={"HOOK": "json://127.0.0.1:9/hook"})
    notifier = Notifier(["env:HOOK"], store, audit=lambda *_: None)

    async def run() -> None:
        notifier.send_soon("started", "body", "run.started")
        notifier.send_soon("waits for a person", "body", "run.waiting")
        await notifier.drain()

    asyncio.run(run())
    assert arrived == ["started", "waits for a person"]
