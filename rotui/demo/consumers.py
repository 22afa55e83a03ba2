"""Where the demo's consumers really go: simulated services, a fake gh and files under its root.

The demo also has a home directory of its own there (:func:`demo_home_dir`): its holders scan
reads that home's shell files, never the operator's real ``~/.zshrc`` and histories.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rotui.core.fsio import private_dir
from rotui.demo import DEMO_KEYS, DEMO_TOKENS, fake_key

if TYPE_CHECKING:
    from rotui.paths import Paths

HOME_DIR = "home"


def demo_home_dir(paths: Paths) -> Path:
    """The demo's ``$HOME``, beside its config, state and data (all under the demo's root)."""
    return paths.config_dir.parent / HOME_DIR


def seed_github(state_dir: Path, today: dt.date) -> None:
    """The GitHub secrets the demo's github consumers hold, set the day each key was created (so
    ``where does this key live?`` lists them with their update times, as GitHub answers)."""
    from rotui.sim.fake_gh import seed_secret

    for demo in DEMO_KEYS:
        made = today - dt.timedelta(days=demo.age_days or 0)
        for consumer in demo.consumers:
            if consumer["kind"] == "github":
                env = f":{consumer['env']}" if consumer.get("env") else ""
                target = f"{consumer['repo']}{env}/{demo.name}"
                seed_secret(state_dir, target, fake_key(demo.name), f"{made.isoformat()}T09:45:00Z")


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


@contextlib.contextmanager
def demo_consumers(root: Path, today: dt.date | None = None) -> Iterator[DemoWiring]:
    """Simulated Heroku and Infisical, a health endpoint, a fake gh holding the GitHub secrets
    set when each key was made, dotenv files, a command, and the demo's own home directory."""
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
        seed_github(root / "gh", today or dt.datetime.now(dt.UTC).date())
        private_dir(root / HOME_DIR)  # the HOME of the demo's scans and children: not the user's
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
