"""What each consumer kind accepts in the config: checked at load time, so a typo exits 2.

Pure data and checks (no httpx), because every CLI start loads the config.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rotui.core.errors import ConfigError
from rotui.core.model import Consumer, ConsumerKind

_SOURCE = re.compile(r"^(keyring|env:[A-Za-z_][A-Za-z0-9_]*|command:.+)$")
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")  # a GitHub login
_REPO_NAME = re.compile(r"^(?:[A-Za-z0-9_.-]+/)?[A-Za-z0-9_.-]+$")  # NAME or OWNER/NAME
# gh secret set --visibility (cli/cli pkg/cmd/secret/shared: All, Private, Selected)
ORG_VISIBILITIES = ("all", "private", "selected")


@dataclass(frozen=True)
class Field:
    kind: str  # "str" | "int" | "argv" | "url" | "source" | "repo" | "var" | "scalar" | "names"
    required: bool = False
    default: Any = None


COMMON = {
    "name": Field("str", required=True),
    "kind": Field("str", required=True),
    "order": Field("int", default=0),
    "verify_url": Field("url"),
    "verify_json": Field("str"),
    "verify_equals": Field("scalar"),
    "verify_command": Field("argv"),
    # Variables a child (command, gh, verify_command) gets beyond the allow-list; see
    # rotui.core.consumers.base.child_environ.
    "pass_env": Field("names"),
}

KIND_FIELDS: dict[ConsumerKind, dict[str, Field]] = {
    ConsumerKind.HEROKU: {
        "app": Field("str", required=True),
        "var": Field("var"),
        "token": Field("source", default="env:HEROKU_API_KEY"),
        "api_url": Field("url", default="https://api.heroku.com"),
    },
    ConsumerKind.GITHUB: {
        "repo": Field("repo"),  # a repository secret (with env: an environment's) ...
        "org": Field("str"),  # ... or an organization secret: one of the two
        "visibility": Field("str"),  # with org: all, private or selected (then repos)
        "repos": Field("argv"),
        "var": Field("var"),
        "env": Field("str"),
        "gh": Field("str", default="gh"),
    },
    ConsumerKind.INFISICAL: {
        "project_id": Field("str", required=True),
        "environment": Field("str", required=True),
        "path": Field("str", default="/"),
        "secret": Field("var"),
        "token": Field("source", default="env:INFISICAL_TOKEN"),
        # A machine identity's universal auth (both or neither): rotui logs in for a token.
        "client_id": Field("source"),
        "client_secret": Field("source"),
        "api_url": Field("url", default="https://app.infisical.com"),
    },
    ConsumerKind.ENV_FILE: {
        "path": Field("str", required=True),
        "var": Field("var"),
        # Explicit exceptions to the env-file's neighbour checks (see env_file.py): refused unless set.
        "allow_symlink": Field("scalar"),
        "allow_other_owner": Field("scalar"),
        "allow_shared_dir": Field("scalar"),
    },
    ConsumerKind.COMMAND: {
        "run": Field("argv", required=True),
        "env_var": Field("var"),
    },
    ConsumerKind.MANUAL: {
        "instructions": Field("str", required=True),
    },
}


@dataclass(frozen=True)
class ConsumerSpec:
    """A consumer with its kind-specific fields checked and defaults applied."""

    name: str
    kind: ConsumerKind
    order: int
    var: str  # the variable or secret name the key is written to
    fields: Mapping[str, Any]
    verify_url: str | None = None
    verify_json: str | None = None
    verify_equals: str | None = None
    verify_command: tuple[str, ...] | None = None

    @property
    def verifiable(self) -> bool:
        """Whether rotui can check this consumer by itself (else the operator confirms)."""
        return bool(self.verify_url or self.verify_command)


def github_secret_name_problem(name: str) -> str | None:
    """Why GitHub would refuse ``name`` as an Actions secret name, or None.

    GitHub's rules (docs.github.com/en/actions/security-for-github-actions/security-guides/
    using-secrets-in-github-actions#naming-your-secrets): only alphanumerics or underscores, no
    spaces, not starting with GITHUB_ or a number; names are case-insensitive.
    """
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        return "only letters, digits and _ are allowed"
    if name.upper().startswith("GITHUB_"):
        return "GitHub reserves names that start with GITHUB_"
    if name[0].isdigit():
        return "it must not start with a number"
    return None


def _fail(path: str, where: str, message: str) -> ConfigError:
    return ConfigError(f"{path}: invalid configuration", f"{where}: {message}")


def _shown(value: str, limit: int = 60) -> str:
    """A value for a one-line message: never a key (a key pasted here is redacted), never long."""
    from rotui.core.secret import redact

    text = repr(redact(value))
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _check(value: Any, spec: Field, path: str, where: str) -> Any:
    if spec.kind in ("str", "var", "repo", "url", "source"):
        if not isinstance(value, str) or not value.strip():
            raise _fail(path, where, "expected a non-empty string")
        if spec.kind == "var" and not _VAR.match(value):
            raise _fail(path, where, f"{_shown(value)} is not a variable name (letters, digits, _)")
        if spec.kind == "repo" and not _REPO.match(value):
            raise _fail(path, where, f"{_shown(value)} is not OWNER/REPO")
        if spec.kind == "url" and not value.startswith(("http://", "https://")):
            raise _fail(path, where, "expected an http:// or https:// URL")
        if spec.kind == "source" and not _SOURCE.match(value):
            raise _fail(path, where, 'expected "keyring", "env:VAR" or "command:PROGRAM ARGS..."')
        return value
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or not -1000 <= value <= 1000:
            raise _fail(path, where, "expected an integer from -1000 to 1000")
        return value
    if spec.kind == "argv":
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(part, str) and part for part in value)
        ):
            raise _fail(path, where, 'expected a non-empty array of strings, e.g. ["prog", "arg"]')
        return tuple(value)
    if spec.kind == "names":
        if not isinstance(value, list) or not all(
            isinstance(part, str) and _VAR.match(part) for part in value
        ):
            raise _fail(path, where, 'expected an array of variable names, e.g. ["AWS_PROFILE"]')
        return tuple(value)
    if spec.kind == "scalar":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        raise _fail(path, where, "expected a string, number or boolean")
    raise AssertionError(spec.kind)  # pragma: no cover


def _github_problem(checked: Mapping[str, Any], var: str, where: str) -> tuple[str, str] | None:
    """(dotted field, message) for a GitHub consumer the gh call would refuse or get wrong.

    ``gh secret set --org`` without ``--visibility`` makes the secret private (its flag default,
    cli/cli ``pkg/cmd/secret/set/set.go``), dropping what it was shared with: so it is required.
    """
    problem = github_secret_name_problem(var)
    if problem:
        key_where = where.rsplit(".consumers", 1)[0] + ".name"
        origin = (
            "" if "var" in checked else f" (the key's name, {key_where}; set var to choose another)"
        )
        return f"{where}.var", f"{_shown(var)} is not a GitHub secret name{origin}: {problem}"
    org, visibility, repos = checked.get("org"), checked.get("visibility"), checked.get("repos")
    if "repo" in checked and org is not None:
        return f"{where}.org", "set repo (a repository secret) or org, not both"
    if "repo" not in checked and org is None:
        return f"{where}.repo", "missing; kind github needs repo (OWNER/REPO) or org"
    if org is None:
        extra = next((name for name in ("visibility", "repos") if name in checked), None)
        return (f"{where}.{extra}", "only for an organization secret (org)") if extra else None
    if not _OWNER.match(org):
        return f"{where}.org", f"{_shown(org)} is not a GitHub organization name"
    if "env" in checked:
        return f"{where}.env", "environments belong to a repository: use repo, not org"
    if visibility not in ORG_VISIBILITIES:
        return (
            f"{where}.visibility",
            "all, private or selected is required with org (gh would make the secret private)",
        )
    if (visibility == "selected") != bool(repos):
        return f"{where}.repos", "repos (the repositories' names) go with visibility selected"
    bad = next((r for r in repos or () if not _REPO_NAME.match(r)), None)
    if bad is not None:
        return f"{where}.repos", f"{_shown(bad)} is not a repository name"
    return None


def consumer_spec(consumer: Consumer, key_name: str, where: str, path: str) -> ConsumerSpec:
    """Check one consumer's fields; ``where`` is its dotted path, e.g. ``keys[0].consumers[1]``."""
    allowed = {**COMMON, **KIND_FIELDS[consumer.kind]}
    values = dict(consumer.fields)
    for name in values:
        if name not in allowed and name not in ("name", "kind"):
            raise _fail(
                path,
                f"{where}.{name}",
                f"unknown field for kind {consumer.kind}; allowed: {', '.join(sorted(allowed))}",
            )
    checked: dict[str, Any] = {}
    for name, spec in allowed.items():
        if name in ("name", "kind"):
            continue
        if name in values:
            checked[name] = _check(values[name], spec, path, f"{where}.{name}")
        elif spec.required:
            raise _fail(path, f"{where}.{name}", f"missing; kind {consumer.kind} needs it")
        elif spec.default is not None:
            checked[name] = spec.default
    if ("verify_json" in checked or "verify_equals" in checked) and "verify_url" not in checked:
        raise _fail(path, f"{where}.verify_json", "needs verify_url")
    if ("client_id" in checked) != ("client_secret" in checked):
        given, other = ("client_id", "client_secret")[:: 1 if "client_id" in checked else -1]
        raise _fail(path, f"{where}.{given}", f"needs {other} too (universal auth uses both)")
    var = checked.get("var") or checked.get("secret") or checked.get("env_var") or key_name
    if consumer.kind is ConsumerKind.GITHUB:
        found = _github_problem(checked, var, where)
        if found:
            raise _fail(path, *found)
    return ConsumerSpec(
        name=consumer.name,
        kind=consumer.kind,
        order=checked.pop("order", 0),
        var=var,
        fields=checked,
        verify_url=checked.get("verify_url"),
        verify_json=checked.get("verify_json"),
        verify_equals=checked.get("verify_equals"),
        verify_command=checked.get("verify_command"),
    )
