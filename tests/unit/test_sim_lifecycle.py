"""Every loopback simulator starts, serves and stops the same way, through one shared piece."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
import pytest

from rotui.sim._http import LoopbackSim
from rotui.sim.anthropic import SimulatedAnthropic
from rotui.sim.downstream import DownstreamSim
from rotui.sim.heroku import HerokuSim
from rotui.sim.infisical import InfisicalSim

SIMULATORS: dict[str, Callable[[], LoopbackSim]] = {
    "sim-anthropic": SimulatedAnthropic,
    "sim-heroku": HerokuSim,
    "sim-infisical": InfisicalSim,
    "sim-downstream": lambda: DownstreamSim(lambda: (200, {})),
}


def _refuses(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("thread_name", sorted(SIMULATORS))
def test_simulator_lifecycle_is_shared_and_safe(thread_name: str) -> None:
    sim = SIMULATORS[thread_name]()
    assert isinstance(sim, LoopbackSim)
    with pytest.raises(RuntimeError, match="not been started"):
        _ = sim.base_url
    assert sim.connections == 0
    before = set(threading.enumerate())
    with sim as entered:
        assert entered is sim
        url = sim.base_url
        assert sim.start() == url  # a second start serves on, on the same port
        assert urlsplit(url).hostname == "127.0.0.1"
        (serving,) = [t for t in threading.enumerate() if t not in before and t.name == thread_name]
        assert serving.daemon
        with httpx.Client(timeout=5, trust_env=False) as client:
            client.get(f"{url}/")
        assert sim.connections == 1
    port = urlsplit(url).port
    assert port is not None and _refuses(port)
    assert sim.connections == 0
    sim.stop()  # stopping twice is harmless
    assert not serving.is_alive()
