"""Organization secrets through the stand-in gh (``rotui/sim/fake_gh.py``) the demo and the
end-to-end tests use: ``gh api orgs/ORG/actions/secrets`` lists names, dates and visibility as
GitHub does, and the holders scan finds the organization secret a consumer writes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx

from rotui.config import parse_config
from rotui.core.audit import AuditLog
from rotui.core.holders.model import Held, Status
from rotui.core.holders.scan import ScanRequest, scan
from rotui.core.secret import MemoryKeyring, SecretStore
from rotui.demo import fake_key
from rotui.sim.fake_gh import install_fake_gh, seed_secret

KEY = "ANTHROPIC_API_KEY"


def test_fake_gh_lists_organization_secrets_with_their_visibility(tmp_path: Path) -> None:
    state = tmp_path / "gh-state"
    script = install_fake_gh(tmp_path / "bin", state)
    seed_secret(state, "org:acme/old_one", "x", "2026-01-02T03:04:05Z", visibility="all")
    setting = ["secret", "set", KEY, "--org", "acme", "--visibility", "selected", "--repos", "a/b"]
    assert subprocess.run([str(script), *setting], input=b"v", check=False).returncode == 0
    listed = subprocess.run(
        [str(script), "api", "orgs/acme/actions/secrets?per_page=1&page=2"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == {
        "total_count": 2,
        "secrets": [
            {
                "name": "OLD_ONE",
                "created_at": "2026-01-02T03:04:05Z",
                "updated_at": "2026-01-02T03:04:05Z",
                "visibility": "all",
            }
        ],
    }
    first = json.loads(
        subprocess.run(
            [str(script), "api", "orgs/acme/actions/secrets"], capture_output=True, check=True
        ).stdout
    )["secrets"][0]
    assert (first["name"], first["visibility"]) == (KEY, "selected")


async def test_the_scan_finds_the_organization_secret_a_consumer_writes(
    tmp_path: Path, isolated_home: Path
) -> None:
    """Before, a GitHub consumer with ``org`` was left out of the scan: nothing was listed."""
    state = tmp_path / "gh-state"
    script = install_fake_gh(tmp_path / "bin", state)
    seed_secret(state, f"org:acme/{KEY}", "x", "2026-08-09T09:30:00Z", visibility="private")
    config = parse_config(
        f'[holders]\nshell = false\n\n[[keys]]\nname = "{KEY}"\n\n[[keys.consumers]]\n'
        f'name = "ci-org"\nkind = "github"\norg = "acme"\nvisibility = "private"\n'
        f'gh = "{script}"\n'
    )
    keyring = MemoryKeyring()
    keyring.set_password("rotui", KEY, fake_key("fake-gh-holders"))
    async with httpx.AsyncClient() as http:
        report = await scan(
            ScanRequest(config=config, store=SecretStore(keyring, environ={}),
                        audit=AuditLog(tmp_path / "data"), http=http, home=isolated_home,
                        environ={})
        )  # fmt: skip
    assert report.problems == []
    (found,) = report.findings
    assert (found.place.label(), found.status, found.held, found.consumer) == (
        f"github org acme · {KEY}", Status.MANAGED, Held.NAME_ONLY, "ci-org"
    )  # fmt: skip
    assert found.note == "visibility private; updated 2026-08-09 09:30"
