"""A stand-in for the GitHub CLI that records what it was asked, holding only hashes of values.

Used where the real ``gh`` cannot be (the demo, and end-to-end tests that must run without gh
installed); tests of the GitHub consumer itself run the real gh against
``tests/support/github_fake.py``. Its output copies the real gh's (cli/cli v2.63.0):
stdout/stderr, exit codes (1 error, 4 no token: ``exitAuth`` in ``cmd/gh/main.go``), and the
multi-line errors of ``gh secret set`` (hashicorp/go-multierror around each failed set).

Run as ``python -m rotui.sim.fake_gh ARGS`` with ``FAKE_GH_DIR`` naming a state directory:
``calls.jsonl`` gets one line per call (argv and the SHA-256 of stdin, never stdin itself),
``secrets.json`` maps ``owner/repo[:env]/NAME`` (``org:ORG/NAME`` for an organization secret)
to the SHA-256 of the value set and
``secret_times.json`` to its ``created_at`` and ``updated_at`` (and an organization secret's
``visibility``), which ``gh api`` lists as GitHub does (github/rest-api-description, operations
``actions/list-repo-secrets`` ``GET /repos/{owner}/{repo}/actions/secrets``,
``actions/list-environment-secrets`` ``GET
/repos/{owner}/{repo}/environments/{environment_name}/secrets`` and ``actions/list-org-secrets``
``GET /orgs/{org}/actions/secrets``: ``{"total_count": n, "secrets": [{"name", "created_at",
"updated_at"[, "visibility"]}]}``, paged by ``per_page`` (default 30, at most 100) and ``page``;
names upper-case, sorted). :func:`seed_secret` puts a secret there that was set before
the demo began. A file named
``logged_out`` there makes it behave as a gh with no token; a file ``http_error`` holding
``STATUS MESSAGE`` (e.g. ``404 Not Found``) makes GitHub answer that, as the real gh prints it
(401, 403, 404 on the public key; anything else on the PUT); a file ``fail_set`` makes
``gh secret set`` fail with that file's text on stderr.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shlex
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import rotui

NOT_LOGGED_IN = "You are not logged into any GitHub hosts. To log in, run: gh auth login\n"
# pkg/cmd/root/help.go authHelp(): what gh says, exit 4, when a command needs a token and has none.
NO_TOKEN = (
    "To get started with GitHub CLI, please run:  gh auth login\n"
    "Alternatively, populate the GH_TOKEN environment variable with a GitHub API authentication token.\n"
)
API = "https://api.github.com/"
# A fixed Curve25519 public key (base64, 32 bytes) in the shape of GET .../secrets/public-key.
PUBLIC_KEY = {"key_id": "568250167242549743", "key": "MzJieXRlcy1vZi1hLXRlc3QtcHVibGljLWtleSE="}


def install_fake_gh(bin_dir: Path, state_dir: Path) -> Path:
    """Write an executable ``gh`` into ``bin_dir`` that runs this module with ``state_dir``."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    state_dir.mkdir(parents=True, exist_ok=True)
    package_parent = Path(rotui.__file__).resolve().parent.parent
    script = bin_dir / "gh"
    script.write_text(
        "#!/bin/sh\n"
        f"FAKE_GH_DIR={shlex.quote(str(state_dir))}; export FAKE_GH_DIR\n"
        f"PYTHONPATH={shlex.quote(str(package_parent))}; export PYTHONPATH\n"
        f'exec {shlex.quote(sys.executable)} -m rotui.sim.fake_gh "$@"\n'
    )
    script.chmod(0o755)
    return script


def recorded_calls(state_dir: Path) -> list[dict[str, Any]]:
    """Every call so far: ``{"argv": [...], "stdin_sha256": hex or None}``."""
    log = state_dir / "calls.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def stored_fingerprints(state_dir: Path) -> dict[str, str]:
    """``{"owner/repo[:env]/NAME": sha256 of the value}`` for every secret set."""
    store = state_dir / "secrets.json"
    return json.loads(store.read_text()) if store.exists() else {}


def secret_times(state_dir: Path) -> dict[str, dict[str, str]]:
    """``{"owner/repo[:env]/NAME": {"created_at": ..., "updated_at": ...}}`` for every secret."""
    store = state_dir / "secret_times.json"
    return json.loads(store.read_text()) if store.exists() else {}


def seed_secret(
    state_dir: Path, target: str, value: str, when: str, visibility: str = "private"
) -> None:
    """A secret set before the demo began: ``target`` is ``owner/repo[:env]/NAME`` (or
    ``org:ORG/NAME`` with its ``visibility``), ``when`` an ISO time (``2026-08-09T09:30:00Z``);
    only the value's SHA-256 is kept, as for a set."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with _locked(state_dir):
        _store(state_dir, target, sha256(value), when, visibility)


def _store(
    state_dir: Path, target: str, fingerprint: str, when: str, visibility: str | None = None
) -> None:
    """Record a secret's fingerprint and times (an organization secret's visibility with them);
    the caller holds the lock."""
    target = _upper_name(target)
    store = stored_fingerprints(state_dir)
    store[target] = fingerprint
    (state_dir / "secrets.json").write_text(json.dumps(store, indent=2, sort_keys=True))
    times = secret_times(state_dir)
    created = times.get(target, {}).get("created_at", when)
    times[target] = {"created_at": created, "updated_at": when}
    if target.startswith("org:"):
        times[target]["visibility"] = visibility or "private"
    (state_dir / "secret_times.json").write_text(json.dumps(times, indent=2, sort_keys=True))


def _upper_name(target: str) -> str:
    """GitHub stores secret names upper-case, whatever case they were set in."""
    place, _, name = target.rpartition("/")
    return f"{place}/{name.upper()}"


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


@contextlib.contextmanager
def _locked(state_dir: Path) -> Iterator[None]:
    """Serialise concurrent fake gh processes, as consumers may run them in parallel."""
    with open(state_dir / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _record(state_dir: Path, argv: Sequence[str], stdin: bytes | None) -> None:
    line = json.dumps(
        {"argv": list(argv), "stdin_sha256": None if stdin is None else sha256(stdin)}
    )
    with _locked(state_dir), open(state_dir / "calls.jsonl", "a") as log:
        log.write(line + "\n")


def _option(args: list[str], *names: str) -> tuple[str | None, bool]:
    """Remove ``--name VALUE`` or ``--name=VALUE`` from args; (value, whether it was present)."""
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                value = args[index + 1]
                del args[index : index + 2]
                return value, True
            if arg.startswith(name + "=") and name.startswith("--"):
                del args[index]
                return arg[len(name) + 1 :], True
            if arg == name:
                del args[index]
                return None, True
    return None, False


def _http_error(state_dir: Path) -> tuple[int, str] | None:
    """``(status, message)`` from the ``http_error`` file, when there is one."""
    path = state_dir / "http_error"
    if not path.exists():
        return None
    status, _, message = path.read_text().strip().partition(" ")
    return int(status), message or "Error"


def _public_key_path(repo: str, env: str | None, org: str | None = None) -> str:
    """cli/cli pkg/cmd/secret/set/http.go getRepoPubKey / getEnvPubKey / getOrgPublicKey."""
    if org:
        return f"orgs/{org}/actions/secrets/public-key"
    if env:
        return f"repos/{repo}/environments/{env}/secrets/public-key"
    return f"repos/{repo}/actions/secrets/public-key"


def _secret_set(state_dir: Path, args: list[str]) -> tuple[int, bytes | None, str]:
    """``gh secret set NAME --repo OWNER/REPO [--env ENV]`` with the value on stdin."""
    if _option(list(args), "--body", "-b")[1]:
        return 1, None, "fake gh: --body puts the secret in argv; refused\n"
    repo, _ = _option(args, "--repo", "-R")
    env, _ = _option(args, "--env", "-e")
    org, _ = _option(args, "--org", "-o")
    visibility, _ = _option(args, "--visibility", "-v")
    repos, _ = _option(args, "--repos", "-r")
    if org:
        # set.go: --visibility defaults to private; --repos only with selected (and needed by it)
        visibility = visibility or "private"
        if (visibility == "selected") != bool(repos) or env or repo:
            return 1, None, "fake gh: usage: gh secret set NAME --org ORG --visibility V\n"
    elif len(args) != 1 or not repo or "/" not in repo:
        return 1, None, "fake gh: usage: gh secret set NAME --repo OWNER/REPO [--env ENV]\n"
    if len(args) != 1:
        return 1, None, "fake gh: usage: gh secret set NAME ...\n"
    data = sys.stdin.buffer.read()
    if (state_dir / "logged_out").exists():
        return 4, data, NO_TOKEN
    if (state_dir / "fail_set").exists():
        return 1, data, (state_dir / "fail_set").read_text()
    error = _http_error(state_dir)
    if error and error[0] in (401, 403, 404):
        # setRun: fmt.Errorf("failed to fetch public key: %w", err); api.HTTPError's text.
        url = API + _public_key_path(repo or "", env, org)
        said = f"failed to fetch public key: HTTP {error[0]}: {error[1]} ({url})\n"
        if error[0] == 401:
            said += "Try authenticating with:  gh auth login\n"
        return 1, data, said
    if error:
        put = API + _public_key_path(repo or "", env, org).replace("public-key", args[0])
        return (
            1,
            data,
            (
                "1 error occurred:\n"
                f'\t* failed to set secret "{args[0]}": HTTP {error[0]}: {error[1]} ({put})\n\n\n'
            ),
        )
    value = data.rstrip(b"\r\n")  # getBody: bytes.TrimRight(body, "\r\n")
    if not value:
        return 1, data, "fake gh: secret value cannot be empty\n"
    target = f"org:{org}/{args[0]}" if org else f"{repo}{':' + env if env else ''}/{args[0]}"
    with _locked(state_dir):
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        _store(state_dir, target, sha256(value), now, visibility)
    return 0, data, ""  # gh prints "✓ Set Actions secret ..." only when stdout is a terminal


def _listed(state_dir: Path, parts: list[str], query: str) -> dict[str, Any] | None:
    """The secrets list of a repository, an environment or an organization, a page of it; None:
    not that path. An organization's items carry their ``visibility`` (``actions/list-org-secrets``)."""
    if parts[0] == "orgs" and parts[2:] == ["actions", "secrets"]:
        place = f"org:{parts[1]}"
    elif parts[0] != "repos":
        return None
    elif parts[3:5] == ["actions", "secrets"] and len(parts) == 5:
        place = f"{parts[1]}/{parts[2]}"
    elif len(parts) == 6 and parts[3] == "environments" and parts[5] == "secrets":
        place = f"{parts[1]}/{parts[2]}:{unquote(parts[4])}"
    else:
        return None
    asked = parse_qs(query)
    per_page = min(_number(asked, "per_page", 30), 100)
    page = _number(asked, "page", 1)
    times = secret_times(state_dir)  # owner, repository and environment names: any case
    held = sorted((t.rpartition("/")[2], t) for t in stored_fingerprints(state_dir)
                  if t.rpartition("/")[0].lower() == place.lower())  # fmt: skip
    shown = held[(page - 1) * per_page : page * per_page]
    secrets = [{"name": name, **times.get(target, {})} for name, target in shown]
    return {"total_count": len(held), "secrets": secrets}


def _number(asked: dict[str, list[str]], name: str, default: int) -> int:
    """A positive paging parameter; GitHub takes a missing or unusable one as its default."""
    text = (asked.get(name) or [""])[0]
    return int(text) if text.isdigit() and int(text) > 0 else default


def _api(state_dir: Path, args: list[str]) -> tuple[int, str, str]:
    """``gh api [--hostname H] PATH`` for the reads rotui makes: a repository, a public key, and
    the secrets of a repository, environment or organization (names, dates and an organization
    secret's visibility; a value is never listed)."""
    _option(args, "--hostname")
    if len(args) != 1:
        return 1, "", "fake gh: usage: gh api [--hostname HOST] PATH\n"
    if (state_dir / "logged_out").exists():
        return 4, "", NO_TOKEN
    split = urlsplit(args[0])
    path, query = split.path.strip("/"), split.query
    error = _http_error(state_dir)
    if error and (error[0] in (401, 403, 404) or not path.endswith("public-key")):
        # pkg/cmd/api/api.go: the JSON body on stdout, "gh: MESSAGE (HTTP STATUS)" on stderr.
        body = {"message": error[1], "documentation_url": "https://docs.github.com/rest"}
        return 1, json.dumps(body), f"gh: {error[1]} (HTTP {error[0]})\n"
    parts = path.split("/")
    if path.endswith("/secrets/public-key"):
        return 0, json.dumps(PUBLIC_KEY), ""
    if len(parts) == 3 and parts[0] == "repos":
        return 0, json.dumps({"full_name": f"{parts[1]}/{parts[2]}", "private": True}), ""
    listed = _listed(state_dir, parts, query)
    if listed is not None:
        return 0, json.dumps(listed), ""
    body = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
    return 1, json.dumps(body), "gh: Not Found (HTTP 404)\n"


def _auth_status(state_dir: Path, args: list[str]) -> tuple[int, str, str]:
    """``gh auth status [--hostname HOST]``: the logged-in account goes to stdout (gh >= 2.40)."""
    host, _ = _option(args, "--hostname", "-h")
    _option(args, "--active", "-a")
    default = os.environ.get("GH_HOST") or "github.com"  # logged in to the default host only
    host = host or default
    if (state_dir / "logged_out").exists():
        return 1, "", NOT_LOGGED_IN
    if host != default:
        return 1, "", f"You are not logged into any accounts on {host}\n"
    if (_http_error(state_dir) or (0, ""))[0] == 401:
        return (
            1,
            "",
            (
                "github.com\n  X Failed to log in to github.com using token (GH_TOKEN)\n"
                "  - Active account: true\n"
                "  - The token in GH_TOKEN is invalid.\n"
            ),
        )
    return (
        0,
        (
            "github.com\n  ✓ Logged in to github.com account octocat (GH_TOKEN)\n"
            "  - Active account: true\n  - Git operations protocol: https\n"
        ),
        "",
    )


def main(argv: Sequence[str]) -> int:
    state = os.environ.get("FAKE_GH_DIR")
    if not state:
        sys.stderr.write("fake gh: FAKE_GH_DIR is not set\n")
        return 2
    state_dir = Path(state)
    state_dir.mkdir(parents=True, exist_ok=True)
    args = list(argv)
    stdin: bytes | None = None
    if args == ["--version"]:
        out = "gh version 2.63.0 (fake)\nhttps://github.com/cli/cli/releases/tag/v2.63.0\n"
        code, err = 0, ""
    elif args[:2] == ["auth", "status"]:
        code, out, err = _auth_status(state_dir, args[2:])
    elif args[:1] == ["api"]:
        code, out, err = _api(state_dir, args[1:])
    elif args[:2] == ["secret", "set"]:
        code, stdin, err = _secret_set(state_dir, args[2:])
        out = ""
    else:
        code, out, err = 1, "", f"fake gh: unsupported command: {shlex.join(args)}\n"
    _record(state_dir, argv, stdin)
    sys.stdout.write(out)
    sys.stderr.write(err)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
