"""Generated inventories: TOML configs of N keys, their fake values and a simulated API that knows them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import tomli_w

from rotui.demo import fake_key
from rotui.sim.anthropic import SimKey, SimulatedAnthropic, SimWorkspace

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


ADMIN_KEY = fake_key("bench-admin", "sk-ant-admin01-")
WORKSPACES = tuple(SimWorkspace(f"wrkspc_01Bench{i:014d}", f"team {i}") for i in range(3))


def started_sim(
    values: dict[str, str], latency: float = 0.0, admin: bool = False
) -> SimulatedAnthropic:
    """A simulated API on 127.0.0.1 that accepts every one of ``values``; the caller stops it.

    With ``admin``, it also answers the Admin API (key ADMIN_KEY) for an organisation whose keys
    are spread over the default workspace and three others, one in ten inactive.
    """
    if not admin:
        sim = SimulatedAnthropic(latency=latency)
        for name, value in values.items():
            sim.add_key(SimKey(value=value, name=name.lower()))
        sim.start()
        return sim
    sim = SimulatedAnthropic(latency=latency, admin_keys=[ADMIN_KEY], workspaces=WORKSPACES)
    spaces = (None, *(w.id for w in WORKSPACES))
    for index, (name, value) in enumerate(values.items()):
        sim.add_key(
            SimKey(
                value=value,
                name=name.lower(),
                workspace_id=spaces[index % len(spaces)],
                status="inactive" if index % 10 == 9 else "active",
                created_at=f"2026-{1 + index % 12:02d}-{1 + index % 28:02d}T00:00:00Z",
            )
        )
    sim.start()
    return sim


def fragment_configs(
    root: Path,
    count: int,
    fragments: int,
    *,
    consumers: int = 0,
    settings: str = "",
    base_url: str | None = None,
) -> Path:
    """A main file including ``fragments`` files that hold ``count`` keys between them."""
    import tomllib

    keys = tomllib.loads(config_text(count, consumers=consumers, base_url=base_url))["keys"]
    (root / "keys.d").mkdir(parents=True, exist_ok=True)
    per = -(-count // fragments)
    for part in range(fragments):
        chunk = keys[part * per : (part + 1) * per]
        (root / "keys.d" / f"{part:02d}.toml").write_text(tomli_w.dumps({"keys": chunk}))
    main = root / "rotui.toml"
    main.write_text(f'include = ["keys.d/*.toml"]\n\n[settings]\n{settings}')
    main.chmod(0o600)
    return main
