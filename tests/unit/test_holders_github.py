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
from typing import Any

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
    assert (
        "GET",
        "/api/v3/repos/acme/api/environments/prod/secrets?per_page=100",
    ) in github.requests


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
            ScanRequest(
                config=config,
                store=SecretStore(keyring, environ=environ),
                audit=AuditLog(tmp_path / "data"),
                http=http,
                home=isolated_home,
                environ=environ,
            )
        )
    assert report.problems == []
    assert {(f.place.where, f.place.var) for f in report.findings} == {("acme/api", KEY)}


def org_config(org: str = "acme") -> str:
    return (
        f'[holders]\nshell = false\n\n[[keys]]\nname = "{KEY}"\n\n[[keys.consumers]]\n'
        f'name = "ci-org"\nkind = "github"\norg = "{org}"\nvisibility = "selected"\n'
        'repos = ["acme/api"]\n'
    )


async def scan_org(github: GithubFake, tmp_path: Path, home: Path, text: str) -> Any:
    environ = gh_environ(github, tmp_path / "gh-config", "tok", os.environ.get("PATH", os.defpath))
    keyring = MemoryKeyring()
    keyring.set_password("rotui", KEY, fake_key("gh-holders"))
    async with httpx.AsyncClient() as http:
        return await scan(
            ScanRequest(config=parse_config(text), store=SecretStore(keyring, environ=environ),
                        audit=AuditLog(tmp_path / "data"), http=http, home=home,
                        environ=environ, rotated_at={KEY: ROTATED})
        )  # fmt: skip


async def test_organization_secrets_are_listed_past_the_first_page(
    github: GithubFake, tmp_path: Path, isolated_home: Path
) -> None:
    """An organization holds up to 1,000 secrets: 120 names sorted before the key's push it to
    the second page of 100. Before, organization secrets were not listed at all."""
    org = github.add_org("acme")
    for n in range(120):
        org.vault.values[f"AA_{n:03}"] = ("v", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")
        org.access[f"AA_{n:03}"] = ("all", ())
    org.vault.values[KEY] = ("v", "2026-01-01T00:00:00Z", "2026-07-01T00:00:00Z")  # after
    org.access[KEY] = ("selected", (1000,))
    report = await scan_org(github, tmp_path, isolated_home, org_config())
    assert report.problems == []
    (found,) = report.findings
    assert (found.place.where, found.place.var, found.status, found.held, found.consumer) == (
        "org acme", KEY, Status.MANAGED, Held.NAME_ONLY, "ci-org"
    )  # fmt: skip
    assert found.note == "visibility selected; updated 2026-07-01 00:00"
    assert ("GET", "/api/v3/orgs/acme/actions/secrets?per_page=100") in github.requests
    assert ("GET", "/api/v3/orgs/acme/actions/secrets?per_page=100&page=2") in github.requests


async def test_an_organization_secret_updated_before_the_rotation_is_stale(
    github: GithubFake, tmp_path: Path, isolated_home: Path
) -> None:
    org = github.add_org("acme")
    org.vault.values[KEY] = ("v", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")  # before
    org.access[KEY] = ("all", ())
    report = await scan_org(github, tmp_path, isolated_home, org_config())
    (found,) = report.findings
    assert (found.place.where, found.status) == ("org acme", Status.STALE)
    assert found.note.startswith("may hold the old key: visibility all; updated 2026-01-02")
    assert [r for r in github.requests if "page=2" in r[1]] == []  # one page held them all


async def test_an_organization_the_token_cannot_see_is_one_problem(
    github: GithubFake, tmp_path: Path, isolated_home: Path
) -> None:
    report = await scan_org(github, tmp_path, isolated_home, org_config("nobody"))
    assert report.findings == []
    assert report.problems == [
        "GitHub: gh api orgs/nobody/actions/secrets failed (gh: Not Found (HTTP 404))"
    ]


def test_a_secret_the_run_itself_wrote_is_not_before_the_rotation() -> None:
    """The run writes its GitHub secrets at propagate, before it completes: compared with the
    completion, every one rotui wrote was "stale" after every rotation (walk s14b 1.4)."""
    from rotui.core.holders.targets import last_completed
    from rotui.core.runs import Run, StepRecord, StepState

    steps = ["precheck", "new_key", "validate_new", "propagate", "verify", "revoke", "finish"]
    run = Run("run-1", KEY, "rotation", steps, "2026-11-30T19:00:00+00:00", "ops",
              step={name: StepRecord(StepState.DONE) for name in steps})  # fmt: skip
    run.step["new_key"].at = "2026-11-30T19:01:10+00:00"  # the new key stored as PENDING
    run.facts.completed_at = "2026-11-30T19:02:56+00:00"
    stored = dt.datetime(2026, 11, 30, 19, 1, 10, tzinfo=dt.UTC)
    assert last_completed([run]) == {KEY: stored}
    written = dt.datetime(2026, 11, 30, 19, 1, 48, tzinfo=dt.UTC)  # by the run's propagate
    assert not written < last_completed([run])[KEY]
