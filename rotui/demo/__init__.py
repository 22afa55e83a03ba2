"""The built-in demo: a fake inventory, an in-memory keyring and a simulated API on loopback.

Nothing here reads or writes the user's configuration or keyring. Key values are fake but shaped
like real ones, derived from the key's name so every run (and every screenshot) is the same.

Here: the inventory and the simulators it runs on. :mod:`rotui.demo.frozen` holds it still for
tests and screenshots, :mod:`rotui.demo.pairing` lets another terminal follow a running demo, and
:mod:`rotui.demo.run` is ``rotui demo`` itself (started by the CLI; the demo never imports it).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

from rotui.core.model import Config
from rotui.core.secret import MemoryKeyring, Secret, SecretStore
from rotui.core.validation import ADMIN_USERNAME
from rotui.paths import Paths

if TYPE_CHECKING:
    from rotui.sim.anthropic import SimulatedAnthropic

WORKSPACES = {"default": None, "agents": "wrkspc_01DemoAgents"}


def fake_key(name: str, prefix: str = "sk-ant-api03-") -> str:
    """A deterministic value with the shape of a real key (108 characters for an API key)."""
    stream = b""
    counter = 0
    while len(stream) < 93:
        stream += base64.urlsafe_b64encode(
            hashlib.sha256(f"{name}:{counter}".encode()).digest()
        ).rstrip(b"=")
        counter += 1
    return prefix + stream[:93].decode() + "AA"


@dataclass(frozen=True)
class DemoKey:
    name: str
    environment: str
    workspace: str
    age_days: int | None
    behavior: str
    consumers: list[dict[str, Any]] = field(default_factory=list)
    status: str = "active"
    source: str = "keyring"


DEMO_KEYS = (
    DemoKey(
        "ANTHROPIC_API_KEY",
        "prod",
        "default",
        23,
        "valid",
        [
            {
                "name": "infisical-prod",
                "kind": "infisical",
                "project_id": "proj_demo",
                "environment": "prod",
                "path": "/",
                "secret": "ANTHROPIC_API_KEY",
                "order": 0,
            },
            {
                "name": "raxx-api-prod",
                "kind": "heroku",
                "app": "raxx-api-prod",
                "order": 1,
                "verify_url": "https://api.raxx.app/api/agents/health",
                "verify_json": "anthropic.ok",
                "verify_equals": "true",
            },
            {"name": "agents-ci", "kind": "github", "repo": "raxx/agents", "order": 1},
        ],
    ),
    DemoKey(
        "ANTHROPIC_API_KEY_AGENTS",
        "prod",
        "agents",
        80,
        "valid",
        [
            {
                "name": "agent-runtime",
                "kind": "command",
                "run": ["/usr/local/bin/agentctl", "set-key"],
                "env_var": "AGENT_KEY",
            },
            {
                "name": "operator-zshrc",
                "kind": "manual",
                "instructions": "DM the on-call operator to update ~/.zshrc",
            },
        ],
    ),
    DemoKey(
        "ANTHROPIC_API_KEY_BATCH",
        "prod",
        "default",
        131,
        "valid",
        [{"name": "raxx-batch", "kind": "heroku", "app": "raxx-batch-prod"}],
    ),
    DemoKey(
        "ANTHROPIC_API_KEY_STAGING",
        "staging",
        "default",
        41,
        "valid",
        [
            {"name": "staging-env", "kind": "env-file", "path": "/srv/raxx/staging/.env"},
            {"name": "staging-ci", "kind": "github", "repo": "raxx/api", "env": "staging"},
        ],
        status="inactive",
    ),
    DemoKey(
        "ANTHROPIC_API_KEY_EVALS",
        "staging",
        "agents",
        62,
        "rate_limited",
        [{"name": "evals-runner", "kind": "env-file", "path": "/srv/evals/.env"}],
    ),
    DemoKey(
        "ANTHROPIC_API_KEY_DEV",
        "dev",
        "agents",
        9,
        "no_credit",
        [
            {"name": "dev-env", "kind": "env-file", "path": "~/raxx/.env.development"},
            {
                "name": "laptop",
                "kind": "manual",
                "instructions": "Update the key in your local shell profile",
            },
        ],
    ),
    # Its source names an environment variable the demo leaves unset: no value, age unknown.
    DemoKey(
        "ANTHROPIC_API_KEY_LEGACY",
        "dev",
        "default",
        None,
        "valid",
        [],
        source="env:ROTUI_DEMO_LEGACY_KEY",
    ),
)


def demo_config_text(base_url: str, today: dt.date, wiring: DemoWiring | None = None) -> str:
    """The demo inventory as TOML, with ages relative to ``today`` (parsed like any user config)."""
    keys = []
    for demo in DEMO_KEYS:
        entry: dict[str, Any] = {
            "name": demo.name,
            "environment": demo.environment,
            "workspace": demo.workspace,
            "source": demo.source,
            "base_url": base_url,
        }
        if demo.age_days is not None:
            entry["created"] = today - dt.timedelta(days=demo.age_days)
        if demo.consumers:
            entry["consumers"] = [wiring.wire(c) if wiring else c for c in demo.consumers]
        keys.append(entry)
    document = {
        "settings": {
            "cadence_days": 90,
            "warn_days": 14,
            "validation": "auth",
            "admin_key": "keyring",
            "admin_base_url": base_url,
            "max_concurrency": 8,
        },
        "keys": keys,
    }
    return tomli_w.dumps(document)


def demo_usage(name: str) -> list[int]:
    """Seven days of plausible daily tokens, newest first; the agents key spikes today."""
    digest = hashlib.sha256(name.encode()).digest()
    base = 20_000 + digest[0] * 400
    days = [base + (digest[i + 1] - 128) * 60 for i in range(7)]
    if name == "ANTHROPIC_API_KEY_AGENTS":
        days[0] = base * 5
    return days


def demo_sim(today: dt.date, latency: float = 0.0) -> SimulatedAnthropic:
    """The simulated API populated with the demo keys and their Admin records."""
    from rotui.demo.hourly import demo_hours
    from rotui.sim.anthropic import DEFAULT_ORG_ID, Behavior, SimKey, SimulatedAnthropic

    sim = SimulatedAnthropic(
        admin_keys=[fake_key(ADMIN_USERNAME, "sk-ant-admin01-")], latency=latency
    )
    for demo in DEMO_KEYS:
        if demo.age_days is None:
            continue  # a key the Admin API does not list: its age stays unknown
        created = dt.datetime.combine(
            today - dt.timedelta(days=demo.age_days), dt.time(9, 30), dt.UTC
        )
        added = sim.add_key(
            SimKey(
                value=fake_key(demo.name),
                behavior=Behavior(demo.behavior),
                name=demo.name.lower().replace("_", "-"),
                status=demo.status,
                workspace_id=WORKSPACES[demo.workspace],
                organization_id=DEFAULT_ORG_ID,
                created_at=created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                retry_after="0.2",
            )
        )
        for back, tokens in enumerate(demo_usage(demo.name)):
            for hour, share in demo_hours(today - dt.timedelta(days=back), tokens):
                sim.add_usage(added.id, hour, share * 4 // 5, share - share * 4 // 5)
    return sim



def demo_keyring() -> MemoryKeyring:
    keyring = MemoryKeyring()
    for demo in DEMO_KEYS:
        if demo.source == "keyring":
            keyring.set_password("rotui", demo.name, fake_key(demo.name))
    keyring.set_password("rotui", ADMIN_USERNAME, fake_key(ADMIN_USERNAME, "sk-ant-admin01-"))
    return keyring


def demo_values() -> list[Secret]:
    """Every fake secret the demo uses (for leak scans)."""
    values = [Secret(fake_key(d.name)) for d in DEMO_KEYS]
    values.append(Secret(fake_key(ADMIN_USERNAME, "sk-ant-admin01-")))
    return values


@contextlib.contextmanager
def demo_environment(
    root: Path | None = None, today: dt.date | None = None
) -> Iterator[tuple[Config, Paths, SecretStore, SimulatedAnthropic]]:
    """Everything the demo runs on, torn down afterwards."""
    from rotui.config import parse_config

    today = today or dt.datetime.now(dt.UTC).date()
    with contextlib.ExitStack() as stack:
        if root is None:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rotui-demo-")))
        paths = Paths.under(root)
        sim = stack.enter_context(demo_sim(today))
        wiring = stack.enter_context(demo_consumers(root, today))
        config_path = paths.config_dir / "rotui.toml"
        from rotui.core.fsio import atomic_write

        atomic_write(config_path, demo_config_text(sim.base_url, today, wiring).encode())
        # its path too: checks of the file itself (troubleshoot's "Configuration file") see it
        config = replace(parse_config(config_path.read_text(), str(config_path)), path=str(config_path))
        store = SecretStore(demo_keyring(), environ=DEMO_TOKENS)
        yield config, paths, store, sim


DEMO_TOKENS = {"HEROKU_API_KEY": "demo-heroku-token", "INFISICAL_TOKEN": "demo-infisical-token"}


def demo_environ(paths: Paths) -> dict[str, str]:
    """PATH and the like for consumer commands, the demo's fake tokens, no Anthropic overrides,
    and the demo's own HOME (:func:`demo_home_dir`): its scans and children never read the user's."""
    import os

    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ANTHROPIC_", "HEROKU_", "INFISICAL_"))
    }
    return {**keep, **DEMO_TOKENS, "HOME": str(demo_home_dir(paths))}


def demo_console(sim: SimulatedAnthropic, today: dt.date) -> Callable[[str], str]:
    """The demo's stand-in for "+ Create Key" in the Console: a new key in the same workspace."""
    from rotui.sim.anthropic import SimKey

    made: dict[str, int] = {}

    def create(name: str) -> str:
        made[name] = made.get(name, 0) + 1
        value = fake_key(f"{name}-rotated-{made[name]}")
        demo = next((d for d in DEMO_KEYS if d.name == name), None)
        workspace = WORKSPACES.get(demo.workspace) if demo else None
        sim.add_key(
            SimKey(
                value=value,
                name=f"{name.lower().replace('_', '-')}-rotation-{today.isoformat()}",
                workspace_id=workspace,
                created_at=f"{today.isoformat()}T09:00:00Z",
            )
        )
        return value

    return create


# At the end: the consumers' wiring and the frozen demo are built from the functions above (and
# see them patched in tests).
from rotui.demo.consumers import DemoWiring as DemoWiring  # noqa: E402
from rotui.demo.consumers import demo_consumers as demo_consumers  # noqa: E402
from rotui.demo.consumers import demo_home_dir as demo_home_dir  # noqa: E402
from rotui.demo.frozen import SteadyTimer as SteadyTimer  # noqa: E402
from rotui.demo.frozen import frozen_demo as frozen_demo  # noqa: E402
