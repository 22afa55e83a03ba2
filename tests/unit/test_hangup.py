"""The headless hang-up handler ends the process wherever the signal lands."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator

import pytest

from rotui import hangup


@pytest.fixture
def installed() -> Iterator[None]:
    before = {signum: signal.getsignal(signum) for signum in hangup.SIGNALS}
    hangup.install()
    yield
    for signum, handler in before.items():
        signal.signal(signum, handler)


@pytest.mark.parametrize("signum", hangup.SIGNALS)
def test_a_signal_inside_an_asyncio_callback_ends_the_loop(installed: None, signum: int) -> None:
    """asyncio logs and swallows any other exception raised in a callback (CI saw a SIGTERM
    land in a transport's socket close and the run go on without its lock)."""
    reached_after = []

    async def run() -> None:
        loop = asyncio.get_running_loop()
        loop.call_soon(signal.raise_signal, signum)  # the handler runs inside this callback
        await asyncio.sleep(0.05)
        reached_after.append(True)

    with pytest.raises(hangup.Hangup) as raised:
        asyncio.run(run())
    assert raised.value.signum == signum and raised.value.exit_code == 128 + signum
    assert reached_after == []


def test_an_uncaught_hangup_exits_with_the_signal_code() -> None:
    assert hangup.Hangup(signal.SIGHUP, []).code == 128 + signal.SIGHUP
    assert str(hangup.Hangup(signal.SIGTERM, [])) == "SIGTERM"
