"""Services: Heroku apps each token sees, Infisical projects, GitHub secret names and dates.

Values read from Heroku and Infisical are wrapped in :class:`~rotui.core.secret.Secret` as the
answer is parsed, go to the matcher and are dropped; the tokens are added to each request at the
last moment (:class:`~rotui.core.consumers.http.BearerAuth`), so no local variable holds a value
or a token in plain. GitHub values cannot be read, so only names and update times are listed.

- Heroku Platform API (heroku/platform-api ``schema.json``, "App List": ``GET /apps``, paged by
  ``Range: id ..; max=1000``; "Config Vars Info for App": ``GET /apps/{app_id_or_name}/config-vars``).
- Infisical (Infisical/infisical ``backend/src/server/routes/v1/project-router.ts``:
  ``GET /api/v1/workspace/:workspaceId`` answers ``{workspace: {environments: [{name, slug}]}}``;
  ``routes/v3/secret-router.ts``: ``GET /api/v3/secrets/raw?workspaceId&environment&secretPath
  &recursive=true`` answers ``{secrets: [{secretKey, secretValue, secretPath, ...}], imports}``).
- GitHub through the consumer's gh: ``gh api repos/O/R/actions/secrets`` and
  ``repos/O/R/environments/ENV/secrets`` (docs.github.com/en/rest/actions/secrets: ``{total_count,
  secrets: [{name, created_at, updated_at}]}``, paged by ``per_page``, 30 unless asked, 100 at most).
  Organization secrets: ``gh api orgs/ORG/actions/secrets`` (github/rest-api-description,
  operation ``actions/list-org-secrets``: ``{total_count, secrets: [organization-actions-secret]}``,
  each ``{name, created_at, updated_at, visibility: all|private|selected,
  selected_repositories_url}``, paged by ``per_page`` and ``page``; an organization holds up to
  1,000, so they are read 100 a page as ``gh secret list --org`` does: cli/cli
  ``pkg/cmd/secret/list/list.go`` ``getOrgSecrets`` asks ``orgs/ORG/actions/secrets?per_page=100``
  and follows the pages).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from rotui.core.consumers.http import BearerAuth
from rotui.core.secret import Secret

HEROKU_ACCEPT = "application/vnd.heroku+json; version=3"
MAX_APPS = 1000
PAGE_TIMEOUT = 30.0

ReadToken = Callable[[str, str], Awaitable[Secret]]
Value = Callable[[str, str, str, Secret], None]  # (source, where, var, value): matched, dropped


class SourceProblem(Exception):
    """One source could not be read; the scan goes on with the others."""


@dataclass(frozen=True)
class GithubSecret:
    repo: str  # "" for an organization secret
    env: str
    name: str
    updated_at: dt.datetime | None
    org: str = ""  # an organization secret's organization
    visibility: str = ""  # an organization secret's: all, private or selected


ORG_PAGES = 10  # 100 a page: the 1,000 secrets an organization may hold


async def heroku(
    http: httpx.AsyncClient, api_url: str, token: Secret, value: Value, tick: Callable[[int], None]
) -> int:
    """Every config var of every app ``token`` sees; returns how many apps were read."""
    api = api_url.rstrip("/")
    auth = BearerAuth(token)
    headers = {"Accept": HEROKU_ACCEPT, "Range": f"id ..; max={MAX_APPS}"}
    apps = await _get_json(http, f"{api}/apps", headers, "Heroku", auth)
    if not isinstance(apps, list):
        raise SourceProblem("Heroku: the app list is not a list")
    headers.pop("Range")
    tick(len(apps))
    count = 0
    for app in apps[:MAX_APPS]:
        name = app.get("name") if isinstance(app, dict) else None
        if not isinstance(name, str):
            continue
        url = f"{api}/apps/{quote(name, safe='')}/config-vars"
        config = _wrapped(await _get_json(http, url, headers, "Heroku", auth))
        count += 1
        for var, secret in config.items():
            value("heroku", f"app {name}", var, secret)
        del config
    return count


def _wrapped(config: Any) -> dict[str, Secret]:
    """A config-var map with every value wrapped at once, so no local holds one in plain."""
    if not isinstance(config, dict):
        return {}
    return {str(var): Secret(text) for var, text in config.items() if isinstance(text, str)}


async def infisical(
    http: httpx.AsyncClient,
    api_url: str,
    token: Secret,
    project: str,
    value: Value,
    tick: Callable[[int], None],
) -> int:
    """Every secret of every environment and folder of one project; returns environments read."""
    api = api_url.rstrip("/")
    auth = BearerAuth(token)
    said = _infisical_said(project)
    info = await _get_json(
        http, f"{api}/api/v1/workspace/{quote(project, safe='')}", {}, "Infisical", auth,
        explain=said,
    )  # fmt: skip
    environments = (
        info.get("workspace", {}).get("environments", []) if isinstance(info, dict) else []
    )
    slugs = [
        e["slug"] for e in environments if isinstance(e, dict) and isinstance(e.get("slug"), str)
    ]
    tick(len(slugs))
    for slug in slugs:
        params = {
            "workspaceId": project,
            "environment": slug,
            "secretPath": "/",
            "recursive": "true",
        }
        url = f"{api}/api/v3/secrets/raw"
        found = _secret_values(
            await _get_json(http, url, {}, "Infisical", auth, params, explain=said)
        )
        for path, name, secret in found:
            value("infisical", f"{project}/{slug}{path}", name, secret)
        del found
    return len(slugs)


def _infisical_said(project: str) -> Callable[[int, bytes], str | None]:
    """What Infisical's refusal means for ``project``, in one line naming it; None: not known."""

    def explain(status: int, raw: bytes) -> str | None:
        from rotui.core.consumers.http import problem_of
        from rotui.core.consumers.infisical import denies_read, project_refused

        problem = problem_of(raw)
        refused = project_refused(status, problem, project)
        if refused is not None:
            return f"Infisical: {refused}"
        if status == 401 or (status == 403 and problem.kind == "TokenError"):
            return f"Infisical: the token for project {project} was refused (HTTP {status})"
        if status == 403 and denies_read(problem):
            return f"Infisical: the token may not read secret values in project {project}"
        return None

    return explain


def _secret_values(body: Any) -> list[tuple[str, str, Secret]]:
    """(folder, name, value) of each secret in an answer, every value wrapped at once."""
    secrets = body.get("secrets", []) if isinstance(body, dict) else []
    return [
        (str(item.get("secretPath") or "/"), str(item.get("secretKey", "")), Secret(text))
        for item in secrets
        if isinstance(item, dict) and isinstance(text := item.get("secretValue"), str)
    ]


async def _get_json(
    http: httpx.AsyncClient,
    url: str,
    headers: Mapping[str, str],
    what: str,
    auth: BearerAuth,
    params: Mapping[str, str] | None = None,
    *,
    explain: Callable[[int, bytes], str | None] | None = None,
) -> Any:
    try:
        response = await http.get(
            url, headers=dict(headers), params=params, auth=auth, timeout=PAGE_TIMEOUT
        )
    except httpx.HTTPError as exc:
        raise SourceProblem(
            f"{what}: {type(exc).__name__} reaching {httpx.URL(url).host}"
        ) from None
    if response.status_code not in (200, 206):
        said = explain(response.status_code, response.content) if explain else None
        raise SourceProblem(
            said or f"{what}: HTTP {response.status_code} for {httpx.URL(url).path}"
        )
    try:
        return response.json()
    except ValueError:
        raise SourceProblem(f"{what}: the answer to {httpx.URL(url).path} is not JSON") from None


async def github(
    gh: str, repo: str, envs: Iterable[str], environ: Mapping[str, str], timeout: float
) -> list[GithubSecret]:
    """Secret names and update times of a repository and the given environments, via ``gh api``."""
    found: list[GithubSecret] = []
    # per_page=100: one page holds them all (GitHub keeps at most 100 secrets per repository
    # and per environment; the default page of 30 would miss the rest)
    places = [("", f"repos/{repo}/actions/secrets?per_page=100")] + [
        (env, f"repos/{repo}/environments/{quote(env, safe='')}/secrets?per_page=100")
        for env in envs
    ]
    for env, path in places:
        body = await _gh_api(gh, path, environ, timeout)
        for item in body.get("secrets", []) if isinstance(body, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                found.append(GithubSecret(repo, env, item["name"], _when(item.get("updated_at"))))
    return found


async def github_org(
    gh: str, org: str, environ: Mapping[str, str], timeout: float
) -> list[GithubSecret]:
    """An organization's Actions secrets: names, update times and visibility, every page."""
    found: list[GithubSecret] = []
    base = f"orgs/{quote(org, safe='')}/actions/secrets?per_page=100"
    for page in range(1, ORG_PAGES + 1):
        body = await _gh_api(gh, base + (f"&page={page}" if page > 1 else ""), environ, timeout)
        items = body.get("secrets") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise SourceProblem(f"GitHub: gh api orgs/{org}/actions/secrets gave no secret list")
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                visibility = item.get("visibility")
                found.append(
                    GithubSecret(
                        "", "", item["name"], _when(item.get("updated_at")), org,
                        visibility if isinstance(visibility, str) else "",
                    )
                )  # fmt: skip
        total = body.get("total_count")
        if len(items) < 100 or (isinstance(total, int) and len(found) >= total):
            break
    return found


async def _gh_api(gh: str, path: str, environ: Mapping[str, str], timeout: float) -> Any:
    said = path.split("?", 1)[0]  # a problem names the place, not the paging
    try:
        child = await asyncio.create_subprocess_exec(
            gh,
            "api",
            path,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(environ),
        )
    except OSError as exc:
        raise SourceProblem(f"GitHub: {gh} could not run ({exc.strerror or exc})") from None
    try:
        out, err = await asyncio.wait_for(child.communicate(), timeout)
    except TimeoutError:
        child.kill()
        await child.wait()
        raise SourceProblem(f"GitHub: gh api {said} took over {timeout:g} s") from None
    if child.returncode != 0:
        from rotui.core.secret import redact

        reason = redact(
            err.decode("utf-8", "replace").strip().splitlines()[-1:][0] if err.strip() else ""
        )
        raise SourceProblem(
            f"GitHub: gh api {said} failed ({reason or f'exit {child.returncode}'})"
        )
    try:
        return json.loads(out)
    except ValueError:
        raise SourceProblem(f"GitHub: gh api {said} did not answer JSON") from None


def _when(text: Any) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
