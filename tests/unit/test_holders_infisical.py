"""The holders scan reads Infisical as its consumers do: universal auth, and clear refusals.

Against the simulated Infisical (``rotui/sim/infisical.py``, shapes cited there): a consumer that
logs in with a machine identity's client id and secret is scanned with the same login, once per
identity per scan, and the token it buys is printed nowhere; a project id Infisical does not
know, or whose member the identity is not, is one line naming the project.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rotui.cli import Context, build_parser, run
from rotui.config import parse_config
from rotui.core.audit import AuditLog
from rotui.core.consumers.base import ConsumerContext
from rotui.core.consumers.fields import consumer_spec
from rotui.core.consumers.infisical import InfisicalConsumer
from rotui.core.holders.model import Held, Status
from rotui.core.holders.scan import ScanRequest, scan
from rotui.core.model import Consumer, ConsumerKind
from rotui.core.secret import MemoryKeyring, Secret, SecretStore
from rotui.demo import fake_key
from rotui.paths import Paths
from rotui.sim.infisical import InfisicalSim

KEY = "ANTHROPIC_API_KEY"
OTHER = "CLAUDE_KEY"
CURRENT = fake_key("holders-ua-current")
OTHER_VALUE = fake_key("holders-ua-other")
ENVIRON = {"ICID": "ci-1", "ICS": "cs-1"}


@pytest.fixture
def sim() -> Iterator[InfisicalSim]:
    with InfisicalSim(tokens=("plain-tok",), clients={"ci-1": "cs-1"}) as sim:
        sim.put("proj1", "prod", "/", KEY, CURRENT)
        sim.put("proj1", "staging", "/batch", OTHER, OTHER_VALUE)
        sim.put("proj2", "prod", "/", OTHER, OTHER_VALUE)
        yield sim


def universal(name: str, api: str, project: str = "proj1") -> str:
    return f"""
[[keys.consumers]]
name = "{name}"
kind = "infisical"
project_id = "{project}"
environment = "prod"
client_id = "env:ICID"
client_secret = "env:ICS"
api_url = "{api}"
"""


def two_keys(api: str, project: str = "proj1", other: str = "proj2") -> str:
    """Two keys whose consumers log in as the same machine identity, each to its project (no
    INFISICAL_TOKEN set)."""
    return (
        "[holders]\nshell = false\ngithub = false\nheroku = false\n\n"
        f'[[keys]]\nname = "{KEY}"\nsource = "keyring"\n'
        + universal("infisical", api, project)
        + f'\n[[keys]]\nname = "{OTHER}"\nsource = "keyring"\n'
        + universal("infisical-other", api, other)
    )


def keyring() -> MemoryKeyring:
    ring = MemoryKeyring()
    ring.set_password("rotui", KEY, CURRENT)
    ring.set_password("rotui", OTHER, OTHER_VALUE)
    return ring


async def scan_with(text: str, tmp_path: Path, home: Path, environ: dict[str, str]) -> object:
    async with httpx.AsyncClient() as http:
        return await scan(
            ScanRequest(
                config=parse_config(text),
                store=SecretStore(keyring(), environ=environ),
                audit=AuditLog(tmp_path / "data"),
                http=http,
                home=home,
                environ=environ,
            )
        )


async def test_universal_auth_consumers_are_scanned_with_one_login(
    sim: InfisicalSim, tmp_path: Path, isolated_home: Path
) -> None:
    """Before: "INFISICAL_TOKEN: env:INFISICAL_TOKEN gave no token; skipped" and nothing found."""
    report = await scan_with(two_keys(sim.base_url), tmp_path, isolated_home, dict(ENVIRON))
    assert report.problems == []  # type: ignore[attr-defined]
    got = {
        (f.key, f.place.where, f.place.var, f.status, f.held)
        for f in report.findings  # type: ignore[attr-defined]
    }
    assert got == {
        (KEY, "proj1/prod/", KEY, Status.MANAGED, Held.CURRENT),
        (OTHER, "proj1/staging/batch", OTHER, Status.UNMANAGED, Held.CURRENT),
        (OTHER, "proj2/prod/", OTHER, Status.MANAGED, Held.CURRENT),
    }
    assert sim.logins() == 1  # one identity, two projects: one login for the whole scan


def test_the_universal_auth_token_is_printed_nowhere(
    sim: InfisicalSim, tmp_path: Path, isolated_home: Path
) -> None:
    config = tmp_path / "rotui.toml"
    config.write_text(two_keys(sim.base_url))
    environ = {**ENVIRON, "HOME": str(isolated_home)}
    out, err = io.StringIO(), io.StringIO()
    ring = keyring()
    ctx = Context(
        paths=Paths.default(),
        config_arg=str(config),
        environ=environ,
        stdout=out,
        stderr=err,
        store=SecretStore(ring, environ=environ),
    )
    code = run(build_parser().parse_args(["--config", str(config), "holders", "--json"]), ctx)
    assert code == 1, err.getvalue()  # the unmanaged holder in staging
    assert json.loads(out.getvalue())["problems"] == []
    audit = (isolated_home / ".local/share/rotui/audit.jsonl").read_text()
    assert sim.logins() == 1
    for text in (out.getvalue(), err.getvalue(), audit):
        for secret in ("ua-token-1", "cs-1", CURRENT, OTHER_VALUE):
            assert secret not in text


async def test_a_refused_login_is_one_line_naming_the_project(
    sim: InfisicalSim, tmp_path: Path, isolated_home: Path
) -> None:
    """Refused once, not tried again for the identity's other project (Infisical locks an
    identity out after repeated failures); each project says why it was not read."""
    environ = {"ICID": "ci-1", "ICS": "wrong"}
    report = await scan_with(two_keys(sim.base_url), tmp_path, isolated_home, environ)
    problems = report.problems  # type: ignore[attr-defined]
    assert [p.split(":", 1)[0] for p in problems] == [
        "Infisical project proj1",
        "Infisical project proj2",
    ]
    for problem in problems:
        assert "\n" not in problem and "wrong" not in problem
        assert "Infisical universal-auth login refused: check client_id (env:ICID)" in problem
    logins = [r for r in sim.requests() if r[1] == "/api/v1/auth/universal-auth/login"]
    assert logins == [("POST", "/api/v1/auth/universal-auth/login")]


async def test_an_unknown_project_is_named_not_skipped(
    sim: InfisicalSim, tmp_path: Path, isolated_home: Path
) -> None:
    """Infisical's 404 for a project id it does not know, said as such for each identity."""
    text = two_keys(sim.base_url, project="no-such-proj", other="no-such-proj")
    report = await scan_with(text, tmp_path, isolated_home, dict(ENVIRON))
    assert report.problems == [  # type: ignore[attr-defined]
        "Infisical: Infisical has no project no-such-proj: check project_id: the project's ID "
        "(Project Settings), not its slug or the organization's ID (HTTP 404)"
    ]


async def test_a_project_the_identity_is_no_member_of_is_named(
    sim: InfisicalSim, tmp_path: Path, isolated_home: Path
) -> None:
    sim.add_project("theirs", member=False)
    text = (
        "[holders]\nshell = false\ngithub = false\nheroku = false\n\n"
        f'[[keys]]\nname = "{KEY}"\nsource = "keyring"\n'
        f'[[keys.consumers]]\nname = "i"\nkind = "infisical"\nproject_id = "theirs"\n'
        f'environment = "prod"\ntoken = "env:IT"\napi_url = "{sim.base_url}"\n'
    )
    report = await scan_with(text, tmp_path, isolated_home, {"IT": "plain-tok"})
    (problem,) = report.problems  # type: ignore[attr-defined]
    assert problem.startswith(
        "Infisical: the token's identity is not a member of Infisical project theirs: add the "
        "machine identity to the project"
    )


@pytest.mark.parametrize(
    ("project", "says"),
    [
        ("no-such-proj", "Infisical has no project no-such-proj: check project_id"),
        ("theirs", "the token's identity is not a member of Infisical project theirs: add"),
    ],
)
async def test_the_consumer_says_which_project_it_cannot_use(
    sim: InfisicalSim, project: str, says: str
) -> None:
    sim.add_project("theirs", member=False)
    fields = {
        "name": "i",
        "kind": "infisical",
        "project_id": project,
        "environment": "prod",
        "client_id": "env:ICID",
        "client_secret": "env:ICS",
        "api_url": sim.base_url,
    }
    consumer = Consumer("i", ConsumerKind.INFISICAL, fields)
    spec = consumer_spec(consumer, KEY, "keys[0].consumers[0]", "<test>")
    adapter = InfisicalConsumer(spec)
    async with httpx.AsyncClient() as http:
        ctx = ConsumerContext(
            http=http,
            store=SecretStore(MemoryKeyring(), environ=ENVIRON),
            fingerprint=lambda s: s.fingerprint(b"k"),
            environ=ENVIRON,
        )
        (problem,) = await adapter.preflight(ctx)
        assert problem.startswith(says) and "\n" not in problem
        with pytest.raises(Exception) as caught:
            await adapter.write(Secret(CURRENT), ctx)
    assert str(caught.value).startswith(says)
    assert sim.writes() == 0


def test_the_simulator_refuses_a_project_as_infisical_does(sim: InfisicalSim) -> None:
    """Status and body for an unknown project (the bot lookup of the secrets routes, the project
    route's own lookup) and for one whose member the identity is not; auth is checked first."""
    sim.add_project("theirs", member=False)
    auth = {"Authorization": "Bearer plain-tok"}
    raw = f"{sim.base_url}/api/v3/secrets/raw"
    with httpx.Client() as client:
        workspace = client.get(f"{sim.base_url}/api/v1/workspace/nope", headers=auth)
        listed = client.get(
            raw, headers=auth, params={"workspaceId": "nope", "environment": "prod"}
        )
        patched = client.patch(
            f"{raw}/{KEY}",
            headers=auth,
            json={"workspaceId": "nope", "environment": "prod", "secretValue": "v"},
        )
        member = [
            client.get(f"{sim.base_url}/api/v1/workspace/theirs", headers=auth),
            client.get(raw, headers=auth, params={"workspaceId": "theirs", "environment": "prod"}),
        ]
        anonymous = client.get(f"{sim.base_url}/api/v1/workspace/nope")
    assert workspace.status_code == 404
    assert workspace.json() == {
        "reqId": "req-sim",
        "statusCode": 404,
        "message": "Project with ID 'nope' not found",
        "error": "NotFound",
    }
    bot_lookup = (
        "Project with ID 'nope' not found during bot lookup. Are you sure you are using the "
        "correct project ID?"
    )
    for answer in (listed, patched):
        assert answer.status_code == 404
        assert (answer.json()["error"], answer.json()["message"]) == ("NotFound", bot_lookup)
    for answer in member:
        assert answer.status_code == 403
        assert answer.json()["error"] == "ProjectMembershipNotFound"
        assert answer.json()["message"].startswith(
            "You are not a member of this project with ID theirs. Please assign this identity"
        )
    assert anonymous.status_code == 401
    assert sim.writes() == 0
