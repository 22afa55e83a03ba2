"""Generated inventories: TOML configs of N keys, their fake values and a simulated API that knows them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import tomli_w

from rotui.demo import fake_key
from rotui.sim.anthropic import SimKey, SimulatedAnthropic

ENVIRONMENTS = ("prod", "staging", "dev")


def key_name(index: int) -> str:
    return f"BENCH_KEY_{index:04d}"


def key_values(count: int) -> dict[str, str]:
    """Name -> fake value: shaped like real keys, derived from the name, never a real secret."""
    return {key_name(i): fake_key(key_name(i)) for i in range(count)}


def config_text(
    count: int,
    *,
    consumers: int = 0,
    base_url: str | None = None,
    source: str = "env",
    max_concurrency: int | None = None,
    today: dt.date | None = None,
) -> str:
    """A config of ``count`` keys; source "env" reads each from $NAME, "keyring" from the keyring."""
    today = today or dt.datetime.now(dt.UTC).date()
    settings: dict[str, object] = {"cadence_days": 90, "warn_days": 14}
    if max_concurrency is not None:
        settings["max_concurrency"] = max_concurrency
    keys = []
    for i in range(count):
        name = key_name(i)
        entry: dict[str, object] = {
            "name": name,
            "environment": ENVIRONMENTS[i % 3],
            "workspace": f"ws{i % 7}",
            "source": f"env:{name}" if source == "env" else source,
            "created": today - dt.timedelta(days=i % 140),
        }
        if base_url:
            entry["base_url"] = base_url
        if consumers:
            entry["consumers"] = [
                {"name": f"app-{i}-{c}", "kind": "manual", "instructions": "update by hand"}
                for c in range(consumers)
            ]
        keys.append(entry)
    return tomli_w.dumps({"settings": settings, "keys": keys})


def write_config(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def started_sim(values: dict[str, str], latency: float = 0.0) -> SimulatedAnthropic:
    """A simulated API on 127.0.0.1 that accepts every one of ``values``; the caller stops it."""
    sim = SimulatedAnthropic(latency=latency)
    for name, value in values.items():
        sim.add_key(SimKey(value=value, name=name.lower()))
    sim.start()
    return sim
