"""A whole rotation world on loopback: Anthropic, Heroku, Infisical, a downstream health check,
a fake gh, a dotenv file, a command consumer and a manual one; rotui runs as a child process."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rotui.demo import fake_key
from rotui.sim.anthropic import SimKey, SimulatedAnthropic
from rotui.sim.downstream import DownstreamSim
from rotui.sim.fake_gh import install_fake_gh, stored_fingerprints
from rotui.sim.heroku import HerokuSim
from rotui.sim.infisical import InfisicalSim

KEY = "ANTHROPIC_API_KEY"
OLD = fake_key("world-old")
NEW = fake_key("world-new")
ADMIN = fake_key("world-admin", "sk-ant-admin01-")
SECRETS = (OLD, NEW, ADMIN, "tok-heroku-world", "tok-infisical-world")


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# What World.final_state() shows after a completed rotation to NEW.
COMPLETED_STATE = {
    "heroku": sha(NEW),
    "heroku_other": "kept",
    "infisical": sha(NEW),
    "github": sha(NEW),
    "dotenv": f"# app settings\nDEBUG=0\nexport {KEY}=<NEW>\nOTHER=1\n",
    "command": sha(NEW),
    "old_status": "inactive",
    "current": sha(NEW),
    "pending": False,
    "previous": False,
}


@dataclass
class World:
    root: Path
    env: dict[str, str]
    config: Path
    anthropic: SimulatedAnthropic
    heroku: HerokuSim
    infisical: InfisicalSim
    downstream: DownstreamSim
    gh_state: Path
    dotenv: Path
    command_log: Path
    old_id: str
    keyring_file: Path
    healthy: list[bool] = field(default_factory=lambda: [True])

    def rotui(
        self, *args: str, stdin: str = "", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "rotui", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env or self.env,
            timeout=120,
        )

    def keyring(self) -> dict[str, str]:
        try:
            return json.loads(self.keyring_file.read_text())
        except FileNotFoundError:
            return {}

    def final_state(self) -> dict[str, object]:
        """What an operator would check after the run, as fingerprints (never values)."""
        ring = self.keyring()
        return {
            "heroku": sha(self.heroku.config_vars("raxx-api-prod").get(KEY, "")),
            "heroku_other": self.heroku.config_vars("raxx-api-prod").get("OTHER"),
            "infisical": sha(self.infisical.value("proj_1", "prod", "/", KEY) or ""),
            "github": stored_fingerprints(self.gh_state).get(f"raxx/agents/{KEY}"),
            "dotenv": self.dotenv.read_text().replace(NEW, "<NEW>").replace(OLD, "<OLD>"),
            "command": self.command_log.read_text().splitlines()[-1]
            if self.command_log.exists()
            else None,
            "old_status": self.anthropic.key_by_id(self.old_id).status,
            "current": sha(ring.get(f"rotui/{KEY}", "")),
            "pending": f"rotui/{KEY}#pending" in ring,
            "previous": f"rotui/{KEY}#previous" in ring,
        }


def _own_home(root: Path, child_env: dict[str, str]) -> dict[str, str]:
    """``child_env`` with a home, XDG dirs and a keyring of its own under ``root``."""
    home = root / "home"
    home.mkdir(parents=True)
    return {
        **child_env,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "ROTUI_TEST_KEYRING": str(root / "keyring.json"),
    }


def active_run(world: World) -> dict | None:
    """The journal of the world's run still in progress, if any."""
    runs = Path(world.env["XDG_STATE_HOME"]) / "rotui" / "runs"
    found = [json.loads(p.read_text()) for p in runs.glob("*.json")] if runs.exists() else []
    return next((r for r in found if r["status"] == "active"), None)


def assert_no_pending_lost(world: World, what: object = "") -> None:
    """Once the run has accepted the new key, it is in the keyring until CURRENT holds it."""
    active = active_run(world)
    ring = world.keyring()
    if active and active["step"]["new_key"]["state"] == "done" and ring.get(f"rotui/{KEY}") != NEW:
        assert ring.get(f"rotui/{KEY}#pending") == NEW, what


# The world's config: placeholders filled by build_world (``str.format``).
_CONFIG = """[settings]
{admin_key}
admin_base_url = "{anthropic}"

[[keys]]
name = "{key}"
environment = "prod"
workspace = "default"
source = "keyring"
created = {created}
base_url = "{anthropic}"

  [[keys.consumers]]
  name = "secrets"
  kind = "infisical"
  project_id = "proj_1"
  environment = "prod"
  token = "env:INFISICAL_TOKEN"
  api_url = "{infisical}"
  order = 0
  verify_command = ["true"]

  [[keys.consumers]]
  name = "api"
  kind = "heroku"
  app = "raxx-api-prod"
  api_url = "{heroku}"
  order = 1
  verify_url = "{downstream}"
  verify_json = "anthropic.ok"
  verify_equals = true

  [[keys.consumers]]
  name = "ci"
  kind = "github"
  repo = "raxx/agents"
  gh = "{gh}"
  order = 1

  [[keys.consumers]]
  name = "dotenv"
  kind = "env-file"
  path = "{dotenv}"
  order = 1
  verify_command = ["grep", "-q", "^export {key}=", "{dotenv}"]

  [[keys.consumers]]
  name = "runtime"
  kind = "command"
  run = ["{python}", "{recorder}"]
  order = 1
  verify_command = ["true"]

  [[keys.consumers]]
  name = "laptop"
  kind = "manual"
  instructions = "Update ANTHROPIC_API_KEY in ~/.zshrc"
"""


def _add_keys(anthropic: SimulatedAnthropic, today: dt.datetime) -> SimKey:
    """OLD, 100 days old, and NEW, made today, in the Console; returns OLD's key."""
    old = anthropic.add_key(
        SimKey(
            OLD,
            name="prod-2026",
            created_at=(today - dt.timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
    )
    anthropic.add_key(
        SimKey(NEW, name="prod-rotation", created_at=today.strftime("%Y-%m-%dT%H:%M:%SZ"))
    )
    return old


def _write_dotenv(tmp_path: Path) -> Path:
    """The env-file consumer's file, holding OLD among other settings."""
    dotenv = tmp_path / "app" / ".env"
    dotenv.parent.mkdir()
    dotenv.write_text(f"# app settings\nDEBUG=0\nexport {KEY}={OLD}\nOTHER=1\n")
    dotenv.chmod(0o640)
    return dotenv


def _write_recorder(tmp_path: Path, command_log: Path) -> Path:
    """The command consumer's program: it appends the SHA-256 of the key it is given."""
    recorder = tmp_path / "record.py"
    # runtime.fail present: the program refuses the key; runtime.hold present: it waits
    # (saying so in runtime.waiting) until the file is gone: a write in flight.
    recorder.write_text(
        "import hashlib, os, sys, time\n"
        f"root = {str(tmp_path)!r}\n"
        "value = sys.stdin.read()\n"
        "if not value: sys.exit('no key on stdin')  # as any sane consumer command would\n"
        "if os.path.exists(os.path.join(root, 'runtime.fail')):\n"
        "    sys.exit('runtime: the service refused the new configuration')\n"
        "if os.path.exists(os.path.join(root, 'runtime.hold')):\n"
        "    open(os.path.join(root, 'runtime.waiting'), 'w').close()\n"
        "    while os.path.exists(os.path.join(root, 'runtime.hold')): time.sleep(0.05)\n"
        f"open({str(command_log)!r}, 'a').write(hashlib.sha256(value.encode()).hexdigest() + '\\n')\n"
    )
    return recorder


@contextmanager
def build_world(
    tmp_path: Path, child_env: dict[str, str], *, admin: bool = True, own_home: bool = False
) -> Iterator[World]:
    """The world in ``tmp_path``; ``own_home`` gives it a home of its own there too, for a test
    that builds one world after another."""
    if own_home:
        child_env = _own_home(tmp_path, child_env)
    with ExitStack() as stack:
        today = dt.datetime.now(dt.UTC)
        anthropic = stack.enter_context(SimulatedAnthropic(admin_keys=[ADMIN]))
        old = _add_keys(anthropic, today)
        heroku = stack.enter_context(
            HerokuSim(
                tokens=["tok-heroku-world"], apps={"raxx-api-prod": {KEY: OLD, "OTHER": "kept"}}
            )
        )
        infisical = stack.enter_context(InfisicalSim(tokens=["tok-infisical-world"]))
        infisical.put("proj_1", "prod", "/", KEY, OLD)
        world_healthy = [True]
        downstream = stack.enter_context(
            DownstreamSim(lambda: (200, {"anthropic": {"ok": world_healthy[0]}}))
        )
        gh_state = tmp_path / "gh-state"
        gh = install_fake_gh(tmp_path / "bin", gh_state)
        dotenv = _write_dotenv(tmp_path)
        command_log = tmp_path / "runtime.log"
        recorder = _write_recorder(tmp_path, command_log)
        config = tmp_path / "rotui.toml"
        config.write_text(
            _CONFIG.format(
                admin_key='admin_key = "env:ROTUI_ADMIN"' if admin else "",
                anthropic=anthropic.base_url,
                created=(today - dt.timedelta(days=100)).date().isoformat(),
                infisical=infisical.base_url,
                heroku=heroku.base_url,
                downstream=downstream.url,
                gh=gh,
                dotenv=dotenv,
                key=KEY,
                python=sys.executable,
                recorder=recorder,
            )
        )
        env = {
            **child_env,
            "ROTUI_CONFIG": str(config),
            "HEROKU_API_KEY": "tok-heroku-world",
            "INFISICAL_TOKEN": "tok-infisical-world",
            "ROTUI_ADMIN": ADMIN,
            "NO_PROXY": "127.0.0.1,localhost",
        }
        keyring_file = Path(env["ROTUI_TEST_KEYRING"])
        keyring_file.write_text(json.dumps({f"rotui/{KEY}": OLD}))
        yield World(
            tmp_path, env, config, anthropic, heroku, infisical, downstream,
            gh_state, dotenv, command_log, old.id, keyring_file, world_healthy,
        )


def kill_holding_the_lock(state_dir, key: str, env: dict[str, str]) -> None:
    """A rotui-like process takes the key's lock, then dies by SIGKILL without releasing it."""
    import signal
    import subprocess
    import sys

    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import datetime as dt, os, signal, sys\n"
            "from pathlib import Path\n"
            "from rotui.core.runs import KeyLock\n"
            "KeyLock(Path(sys.argv[1]), sys.argv[2]).acquire("
            "'bob@jump', dt.datetime(2026, 11, 26, 3, 0, tzinfo=dt.UTC))\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n",
            str(state_dir),
            key,
        ],
        env=env,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL


def every_journal_point(check_point: Callable[[int], bool], *, last: int = 400) -> int:
    """Run ``check_point(1)``, ``check_point(2)``… a batch at a time, one per core, until one
    says False (the run ended before reaching that point); the number of points checked.

    Each point is a world of its own (its directories, its simulators on their own ports, the
    rotui children it starts), so they run side by side: the kill -9 matrices are most of the
    suite's time, and each child is a Python start-up that one core does alone.
    """
    workers = max(2, min(4, os.cpu_count() or 2))
    checked = 0
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="journal-point") as pool:
        for first in range(1, last, workers):
            batch = range(first, min(first + workers, last))
            reached = list(pool.map(check_point, batch))  # a failed assertion is raised here
            checked += sum(reached)
            if not all(reached):
                assert reached == sorted(reached, reverse=True), (
                    f"points {list(batch)}: a later point was reached after an earlier was not"
                )
                return checked
    raise AssertionError(f"the run still had journal points after {last}")
