"""The built-in demo: a fake inventory, an in-memory keyring and a simulated API on loopback.

Nothing here reads or writes the user's configuration or keyring. Key values are fake but shaped
like real ones, derived from the key's name so every run (and every screenshot) is the same.
"""

# Over 400 lines: the demo's inventory, its simulators' wiring and its pairing (one demo followed
# from another terminal) are one feature.

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import datetime as dt
import hashlib
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

from rotui.core.fsio import private_dir
from rotui.core.model import Config
from rotui.core.secret import MemoryKeyring, Secret, SecretStore
from rotui.core.validation import ADMIN_USERNAME
from rotui.paths import Paths

if TYPE_CHECKING:
    from rotui.context import Context
    from rotui.services import Services
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


@dataclass(frozen=True)
class DemoWiring:
    """Where the demo's consumers really go: simulated services and files under the demo's root."""

    heroku_url: str
    infisical_url: str
    health_url: str
    gh: str
    files: Path
    agentctl: tuple[str, ...]

    def wire(self, consumer: dict[str, Any]) -> dict[str, Any]:
        wired = dict(consumer)
        kind = consumer["kind"]
        if kind == "heroku":
            wired["api_url"] = self.heroku_url
        elif kind == "infisical":
            wired["api_url"] = self.infisical_url
        elif kind == "github":
            wired["gh"] = self.gh
        elif kind == "env-file":
            wired["path"] = str(self.files / (consumer["name"] + ".env"))
        elif kind == "command":
            wired["run"] = list(self.agentctl)
        if "verify_url" in consumer:
            wired["verify_url"] = self.health_url
        return wired


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
            day = (today - dt.timedelta(days=back)).isoformat()
            sim.add_usage(added.id, day, tokens * 4 // 5, tokens // 5)
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
        wiring = stack.enter_context(demo_consumers(root))
        config_path = paths.config_dir / "rotui.toml"
        from rotui.core.fsio import atomic_write

        atomic_write(config_path, demo_config_text(sim.base_url, today, wiring).encode())
        config = parse_config(config_path.read_text(), str(config_path))
        store = SecretStore(demo_keyring(), environ=DEMO_TOKENS)
        yield config, paths, store, sim


DEMO_TOKENS = {"HEROKU_API_KEY": "demo-heroku-token", "INFISICAL_TOKEN": "demo-infisical-token"}


def demo_environ() -> dict[str, str]:
    """PATH and the like for consumer commands, the demo's fake tokens, and no Anthropic overrides."""
    import os

    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ANTHROPIC_", "HEROKU_", "INFISICAL_"))
    }
    return {**keep, **DEMO_TOKENS}


@contextlib.contextmanager
def demo_consumers(root: Path) -> Iterator[DemoWiring]:
    """Simulated Heroku and Infisical, a health endpoint, a fake gh, dotenv files and a command."""
    import sys

    from rotui.sim.downstream import DownstreamSim
    from rotui.sim.fake_gh import install_fake_gh
    from rotui.sim.heroku import HerokuSim
    from rotui.sim.infisical import InfisicalSim

    files = root / "files"
    private_dir(files)  # 0700 like every directory rotui makes
    apps: dict[str, dict[str, str]] = {}
    with contextlib.ExitStack() as stack:
        for demo in DEMO_KEYS:
            for consumer in demo.consumers:
                if consumer["kind"] == "heroku":
                    apps.setdefault(consumer["app"], {"LOG_LEVEL": "info"})[demo.name] = fake_key(
                        demo.name
                    )
                elif consumer["kind"] == "env-file":
                    path = files / (consumer["name"] + ".env")
                    path.write_text(
                        f"# {consumer['name']}\nDEBUG=0\n{demo.name}={fake_key(demo.name)}\n"
                    )
                    path.chmod(0o600)
        heroku = stack.enter_context(HerokuSim(tokens=[DEMO_TOKENS["HEROKU_API_KEY"]], apps=apps))
        infisical = stack.enter_context(InfisicalSim(tokens=[DEMO_TOKENS["INFISICAL_TOKEN"]]))
        infisical.put("proj_demo", "prod", "/", "ANTHROPIC_API_KEY", fake_key("ANTHROPIC_API_KEY"))
        health = stack.enter_context(DownstreamSim(lambda: (200, {"anthropic": {"ok": True}})))
        gh = install_fake_gh(root / "bin", root / "gh")
        agentctl = root / "bin" / "agentctl.py"
        agentctl.write_text(  # wired with env_var = "AGENT_KEY": the key comes in $AGENT_KEY
            "import os, sys\n"
            "sys.exit(0 if os.environ.get('AGENT_KEY', '').strip() else 'no key in $AGENT_KEY')\n"
        )
        yield DemoWiring(
            heroku.base_url,
            infisical.base_url,
            health.url,
            str(gh),
            files,
            (sys.executable, str(agentctl)),
        )


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


class SteadyTimer:
    """Each reading advances 12.5 ms, so latencies shown in screenshots are the same every run."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.0125
        return self.now


@contextlib.contextmanager
def frozen_demo(
    root: Path, when: dt.datetime, *, validated: bool = True
) -> Iterator[tuple[Services, SimulatedAnthropic]]:
    """The demo at a fixed moment, validated once, reproducible to the byte (tests, screenshots)."""
    import asyncio

    from rotui.services import Services

    with demo_environment(root=root, today=when.date()) as (config, paths, store, sim):
        # One request at a time, so the steady timer's readings never interleave.
        settings = dataclasses.replace(config.settings, max_concurrency=1)
        services = Services(
            config=dataclasses.replace(config, settings=settings),
            paths=paths,
            store=store,
            environ=demo_environ(),
            clock=lambda: when,
            trust_env=False,
            timer=SteadyTimer(),
            actor="operator@demo-host",
            console=demo_console(sim, when.date()),
        )
        if validated:
            asyncio.run(services.validate())
            asyncio.run(services.refresh_usage())
        yield services, sim


DEMO_POINTER = "current.json"
PAIRING_HINT = (
    "Pair with this demo from another terminal: `rotui demo --read-only` follows it live; "
    "`rotui demo audit`, `rotui demo report RUN_ID` and `rotui demo status` read its files."
)
_announced: RunningDemo | None = None  # the shared demo this process runs, if any


@dataclass(frozen=True)
class RunningDemo:
    """A `rotui demo` another terminal can follow: its files' root and its process."""

    root: Path
    pid: int

    @property
    def paths(self) -> Paths:
        return Paths.under(self.root)

    @property
    def config_path(self) -> Path:
        return self.paths.config_dir / "rotui.toml"


def demo_home() -> Path:
    """Where running demos keep their files: ``$TMPDIR/rotui-demo-<uid>``, private to the user.

    Predictable, so a second terminal finds it (tmux's ``/tmp/tmux-<uid>`` is the model), and
    therefore checked: a directory of the user's own, not a link, that no one else can enter.
    """
    import os
    import stat

    from rotui.core.errors import UsageError

    uid = os.getuid()
    home = Path(tempfile.gettempdir()) / f"rotui-demo-{uid}"
    with contextlib.suppress(FileExistsError):
        home.mkdir(mode=0o700)
    info = os.lstat(home)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid or info.st_mode & 0o077:
        raise UsageError(
            f"{home} is not a private directory of yours",
            "remove it, or point TMPDIR at another directory",
        )
    return home


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, though not ours
    return True


def demo_root(home: Path) -> Path:
    """A new demo's own directory under ``home``, named with its pid; the dead ones' swept first.

    A demo whose terminal closed (SIGHUP) never ran its clean-up: its files would pile up.
    """
    import os
    import shutil

    for old in home.glob("demo-*"):
        pid = old.name.split("-")[1]
        if old.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"demo-{os.getpid()}-", dir=home))


def find_running_demo() -> RunningDemo | None:
    """The demo the newest live `rotui demo` announced, if its process and files still exist."""
    import json

    try:
        pointer = json.loads((demo_home() / DEMO_POINTER).read_text())
        found = RunningDemo(Path(pointer["root"]), int(pointer["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _alive(found.pid):
        return None  # it ended without tidying up (killed): nothing to follow
    return found if found.config_path.is_file() else None


@contextlib.contextmanager
def announced(root: Path) -> Iterator[RunningDemo]:
    """Name this demo in the pointer file while it runs; remove the pointer if still ours."""
    import json
    import os

    from rotui.core.fsio import atomic_write

    global _announced
    me = RunningDemo(root, os.getpid())
    pointer = demo_home() / DEMO_POINTER
    atomic_write(pointer, json.dumps({"root": str(root), "pid": me.pid}).encode())
    _announced = me
    try:
        yield me
    finally:
        _announced = None
        with contextlib.suppress(OSError, ValueError):
            if json.loads(pointer.read_text()).get("pid") == me.pid:
                pointer.unlink()


PAIRING_TOAST = (
    "Another terminal follows this demo with: rotui demo --read-only (its log: rotui demo audit)"
)


def pairing_hint() -> str | None:
    """What the dashboard says about pairing, when this process runs a demo others can follow."""
    return PAIRING_TOAST if _announced is not None else None


def follow_context(ctx: Context) -> Context:
    """A CLI context on the running demo's files, with no secret: an observer's or a reader's."""
    from rotui.config import parse_config
    from rotui.context import Context
    from rotui.core.errors import UsageError

    running = find_running_demo()
    if running is None:
        raise UsageError("no demo is running", "start one with `rotui demo` in another terminal")
    config = parse_config(running.config_path.read_text(), str(running.config_path))
    return Context(
        paths=running.paths,
        config=config,
        store=SecretStore(MemoryKeyring(), environ=DEMO_TOKENS),  # nothing to read: no secret
        stdout=ctx.stdout,
        stderr=ctx.stderr,
        clock=ctx.clock,
        environ=demo_environ(),
        trust_env=False,
    )


Command = Callable[[argparse.Namespace, "Context"], int]


def run_demo(
    ctx: Context,
    headless: bool,
    read_only: bool = False,
    theme: str | None = None,
    *,
    status: Command,
    validate: Command,
) -> int:
    """``rotui demo``: the dashboard (or, headless, status and validation) on the demo inventory.

    The dashboard's demo keeps its files under :func:`demo_home` and announces itself there, so
    ``rotui demo --read-only`` in another terminal follows it (and starts a demo of its own,
    read-only, when none runs). Headless, it runs the CLI's ``status`` and ``validate``, passed in
    by the CLI (the demo never imports the CLI that starts it).
    """
    import shutil

    from rotui.context import Context

    if read_only and not headless:
        if _follow(ctx, theme):
            return 0
        ctx.say("rotui demo: no demo is running to follow; this one is your own, read-only")
    with contextlib.ExitStack() as stack:
        root = None
        if not headless:
            root = demo_root(demo_home())
            stack.callback(shutil.rmtree, root, ignore_errors=True)
            if not read_only:
                stack.enter_context(announced(root))
                ctx.say(f"rotui demo: {PAIRING_HINT}")
        config, paths, store, sim = stack.enter_context(demo_environment(root=root))
        demo_ctx = Context(
            paths=paths,
            config=config,
            store=store,
            stdout=ctx.stdout,
            stderr=ctx.stderr,
            clock=ctx.clock,
            environ=demo_environ(),
            trust_env=False,
        )
        demo_ctx.services().console = demo_console(sim, ctx.clock().date())
        if not headless:
            from rotui.ui.app import make_app

            make_app(
                demo_ctx.services(),
                read_only=read_only,
                demo=True,
                theme=theme,
                pairing=pairing_hint(),
            ).run()
            return 0
        ctx.say(
            f"rotui demo: simulated Anthropic API at {sim.base_url}; temporary files in {paths.config_dir.parent}"
        )
        _headless_tour(ctx, demo_ctx, status, validate)
    return 0


def _follow(ctx: Context, theme: str | None) -> bool:
    """``rotui demo --read-only`` with a demo running: its dashboard, read-only. False: none runs."""
    running = find_running_demo()
    if running is None:
        return False
    from rotui.ui.app import make_app

    observer = follow_context(ctx)
    ctx.say(f"rotui demo: following the demo of process {running.pid} (read-only)")
    make_app(observer.services(), read_only=True, demo=True, theme=theme).run()
    return True


def _headless_tour(ctx: Context, demo_ctx: Context, status: Command, validate: Command) -> None:
    """``rotui demo --headless``: status, validation against the simulated API, status again."""
    ctx.say("rotui demo: before validation")
    status(argparse.Namespace(json=False), demo_ctx)
    ctx.say("\nrotui demo: validating every key against the simulated API")
    validate(argparse.Namespace(names=[], json=False, ping=False), demo_ctx)
    ctx.say("\nrotui demo: after validation")
    status(argparse.Namespace(json=False), demo_ctx)
