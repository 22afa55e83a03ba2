"""``rotui holders`` lists GitHub secret names and update times through the REAL ``gh``.

A secret with the key's name updated before the last rotation "may hold the old key" (stale);
one updated after it is the managed consumer; values are never read (GitHub cannot give them).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rotui.config import parse_config
from rotui.core.audit import AuditLog
from rotui.core.holders.model import Held, Status
from rotui.core.holders.scan import ScanRequest, scan
from rotui.core.secret import MemoryKeyring, SecretStore
from rotui.demo import fake_key

pytestmark = pytest.mark.skipif(shutil.which("gh") is None, reason="needs the real GitHub CLI")
pytest.importorskip("nacl")
pytest.importorskip("cryptography")

from tests.support.github_fake import GithubFake, gh_environ  # noqa: E402

KEY = "ANTHROPIC_API_KEY"
ROTATED = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


@pytest.fixture
def github(tmp_path: Path) -> Iterator[GithubFake]:
    with GithubFake(tmp_path / "certs") as fake:
        fake.add_token("tok")
        repo = fake.add_repo("acme/api", environments=("prod", "staging"))
        repo.vault.values[KEY] = ("v", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")  # before
        repo.vault.values["UNRELATED"] = ("v", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")
        repo.environments["prod"].values[KEY] = (
            "v",
            "2026-01-01T00:00:00Z",
            "2026-07-01T00:00:00Z",
        )
        yield fake


async def test_secret_names_and_update_times_are_classified(
    github: GithubFake, tmp_path: Path, isolated_home: Path
) -> None:
    config = parse_config(
        f"""
[holders]
shell = false

[[keys]]
name = "{KEY}"

[[keys.consumers]]
name = "ci-prod"
kind = "github"
repo = "acme/api"
env = "prod"
"""
    )
    environ = gh_environ(github, tmp_path / "gh-config", "tok", os.environ.get("PATH", os.defpath))
    keyring = MemoryKeyring()
    keyring.set_password("rotui", KEY, fake_key("gh-holders"))
    async with httpx.AsyncClient() as http:
        report = await scan(
            ScanRequest(
                config=config,
                store=SecretStore(keyring, environ=environ),
                audit=AuditLog(tmp_path / "data"),
                http=http,
                home=isolated_home,
                environ=environ,
                rotated_at={KEY: ROTATED},
            )
        )
    assert report.problems == []
    got = {(f.place.where, f.place.var, f.status, f.held, f.consumer) for f in report.findings}
    assert got == {
        ("acme/api", KEY, Status.STALE, Held.NAME_ONLY, None),
        ("acme/api env prod", KEY, Status.MANAGED, Held.NAME_ONLY, "ci-prod"),
    }
    stale = next(f for f in report.findings if f.status is Status.STALE)
    assert stale.note.startswith("may hold the old key: updated 2026-01-02")
    # one page of 100, the most GitHub keeps: the default page of 30 would miss the rest
    assert ("GET", "/api/v3/repos/acme/api/environments/prod/secrets?per_page=100") in github.requests


async def test_a_secret_past_the_first_30_is_still_found(
    github: GithubFake, tmp_path: Path, isolated_home: Path
) -> None:
    """GitHub pages the list by 30 unless asked: 40 names sorted before the key's hid it."""
    vault = github.repos["acme/api"].vault
    for n in range(40):
        vault.values[f"AA_{n:02}"] = ("v", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")
    config = parse_config(
        f'[holders]\nshell = false\n\n[[keys]]\nname = "{KEY}"\n\n[[keys.consumers]]\n'
        'name = "ci"\nkind = "github"\nrepo = "acme/api"\n'
    )
    environ = gh_environ(github, tmp_path / "gh-config", "tok", os.environ.get("PATH", os.defpath))
    keyring = MemoryKeyring()
    keyring.set_password("rotui", KEY, fake_key("gh-holders"))
    async with httpx.AsyncClient() as http:
        report = await scan(
            ScanRequest(config=config, store=SecretStore(keyring, environ=environ),
                        audit=AuditLog(tmp_path / "data"), http=http, home=isolated_home,
                        environ=environ)
        )
    assert report.problems == []
    assert {(f.place.where, f.place.var) for f in report.findings} == {("acme/api", KEY)}
