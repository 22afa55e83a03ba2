"""The demo's "where does this key live?": a clean scan on the demo's own world (walk s13 1.3,
1.4). Its fake gh lists the GitHub secrets as GitHub does, and it reads a demo home, never the
operator's real shell files."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rotui.core.holders.model import Held, Status
from rotui.demo import demo_home_dir, fake_key
from rotui.holders_run import scan_holders
from tests.ui.helpers import demo_services


def test_the_demos_scan_lists_its_github_secrets_without_a_source_problem(tmp_path: Path) -> None:
    with demo_services(tmp_path / "demo", validated=False) as demo:
        report = asyncio.run(
            scan_holders(demo.services, ["ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY_STAGING"])
        )
    assert report.problems == []
    github = {
        (f.place.where, f.place.var, f.status, f.held, f.consumer, f.note)
        for f in report.findings
        if f.place.source == "github"
    }
    assert github == {
        ("raxx/agents", "ANTHROPIC_API_KEY", Status.MANAGED, Held.NAME_ONLY, "agents-ci",
         "updated 2026-11-03 09:45"),  # made 23 days before the frozen day
        ("raxx/api env staging", "ANTHROPIC_API_KEY_STAGING", Status.MANAGED, Held.NAME_ONLY,
         "staging-ci", "updated 2026-10-16 09:45"),
    }  # fmt: skip


def test_the_demos_scan_reads_the_demo_home_not_the_operators(
    tmp_path: Path, isolated_home: Path
) -> None:
    planted = fake_key("the operator's own key")
    (isolated_home / ".bash_history").write_text(f"export ANTHROPIC_API_KEY_DEV={planted}\n")
    (isolated_home / ".zshrc").write_text(f"export ANTHROPIC_API_KEY={fake_key('ANTHROPIC_API_KEY')}\n")
    with demo_services(tmp_path / "demo", validated=False) as demo:
        home = demo_home_dir(demo.services.paths)
        report = asyncio.run(scan_holders(demo.services))
        audit = (demo.services.paths.data_dir / "audit.jsonl").read_text()
        places = [f.place.where for f in report.findings]
        assert not [p for p in places if str(isolated_home) in p], places
        assert str(isolated_home) not in audit and planted[-4:] + '"' not in audit
        assert not [f for f in report.findings if f.status is Status.UNKNOWN]
        assert report.problems == []  # Heroku, Infisical and GitHub all answer
        # the demo's children (gh, commands) get the demo's home too
        assert demo.services.environ["HOME"] == str(home) and home.is_dir()
        assert not home.is_relative_to(isolated_home)
