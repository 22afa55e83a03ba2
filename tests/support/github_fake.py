"""A local HTTPS GitHub REST API on 127.0.0.1 that the real ``gh`` binary talks to.

Each repository and environment holds a real libsodium key pair, and every sealed box ``gh``
sends is opened with PyNaCl, so a test asserts the exact value GitHub would hold.

How the real ``gh`` reaches it (read in cli/cli at v2.23.0, Debian bookworm's ``gh``):

- ``GH_HOST=127.0.0.1:PORT``: ``internal/ghinstance/host.go`` ``OverridableDefault`` makes it the
  host of ``--repo OWNER/REPO``; any host that is not github.com is an Enterprise host, whose REST
  prefix is ``https://HOST/api/v3/`` (``ghinstance.RESTPrefix``).
- ``GH_ENTERPRISE_TOKEN`` (``internal/config`` ``AuthTokenFromEnv``) is the token for such a host,
  sent as ``Authorization: token TOKEN`` (``api/http_client.go`` ``AddAuthTokenHeader``).
- ``SSL_CERT_FILE``: Go's ``crypto/x509`` on Linux reads the trust roots from it, so gh trusts the
  test CA and nothing else.

Why not an HTTPS CONNECT proxy in front of api.github.com: it would have to forge a certificate for
api.github.com on the fly, and gh talks to several hosts; GH_HOST is what gh documents for a
GitHub Enterprise Server and works with Debian's gh 2.23 as with current releases. The
github.com-specific path (GH_TOKEN guidance, exit 4 without a token) is tested offline: gh stops
before any request when it has no token.

Endpoints and answers come from the GitHub REST docs (docs.github.com/en/rest/actions/secrets, API
version 2022-11-28) and from what ``gh secret set`` calls (cli/cli ``pkg/cmd/secret/set/http.go``):
``GET repos/{o}/{r}/actions/secrets/public-key`` or
``GET repos/{o}/{r}/environments/{env}/secrets/public-key``, then
``PUT repos/{o}/{r}/actions/secrets/{name}`` or ``PUT repos/{o}/{r}/environments/{env}/secrets/{name}``
with ``{"encrypted_value", "key_id"}``. Organization secrets: ``GET orgs/{org}/actions/secrets/
public-key`` and ``PUT orgs/{org}/actions/secrets/{name}`` with ``visibility`` (required: all,
private or selected) and, for selected, ``selected_repository_ids`` (github/rest-api-description
``actions/create-or-update-org-secret``), listed by ``GET orgs/{org}/actions/secrets``
(``actions/list-org-secrets``: ``{name, created_at, updated_at, visibility,
selected_repositories_url}`` each, paged as the repository list); gh maps repository names to those ids with the GraphQL
query ``MapRepositoryNames`` (``repo_000: repository(owner: "o", name: "r") { databaseId }``,
cli/cli ``api.GetRepoIDs``). ``gh auth status`` calls ``GET /api/v3/`` (``api`` package
``GetScopes``) and ``GET user`` through GraphQL or REST depending on the version; both are served.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from nacl.public import PrivateKey, SealedBox

# GitHub's error bodies: {"message", "documentation_url", "status"} (REST docs, "Client errors").
DOCS = "https://docs.github.com/rest"

# Secret naming rules, docs.github.com/en/actions/security-for-github-actions/security-guides/
# using-secrets-in-github-actions#naming-your-secrets; the texts are the ones GitHub shows
# ("Secret names must not start with GITHUB_.", quoted in actions/checkout#623 and
# ncipollo/release-action#424).
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def secret_name_problem(name: str) -> str | None:
    """GitHub's refusal for a secret name, or None when it is accepted."""
    if name.upper().startswith("GITHUB_"):
        return "Secret names must not start with GITHUB_."
    if name[:1].isdigit():
        return "Secret names must not start with a number."
    if not _NAME.match(name):
        return "Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_)."
    return None


@dataclass
class Vault:
    """One place secrets live (a repository or one of its environments), with its key pair."""

    key: PrivateKey = field(default_factory=PrivateKey.generate)
    key_id: str = ""
    # name: (value, created_at, updated_at)
    values: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # GitHub's key ids are long decimal strings (REST docs example "012345678912345678").
        self.key_id = str(int.from_bytes(bytes(self.key.public_key)[:7], "big"))

    def public_key(self) -> dict[str, str]:
        return {"key_id": self.key_id, "key": base64.b64encode(bytes(self.key.public_key)).decode()}

    def open(self, encrypted_value: str) -> str:
        """Open the sealed box as GitHub does; ValueError when it is not one for this key."""
        try:
            return SealedBox(self.key).decrypt(base64.b64decode(encrypted_value)).decode()
        except Exception as exc:
            raise ValueError("cannot open the sealed box") from exc


@dataclass
class Token:
    login: str
    secrets_access: bool = True  # False: a token without the Secrets permission (403)


@dataclass
class Repo:
    id: int
    vault: Vault = field(default_factory=Vault)
    environments: dict[str, Vault] = field(default_factory=dict)


@dataclass
class Org:
    vault: Vault = field(default_factory=Vault)
    # name: (visibility, selected repository ids)
    access: dict[str, tuple[str, tuple[int, ...]]] = field(default_factory=dict)


_REPOSITORY_ALIAS = re.compile(r'(\w+): repository\(owner: "([^"]*)", name: "([^"]*)"\)')


def _page(listed: list[dict[str, Any]], query: str) -> dict[str, Any]:
    """One page of a secrets list, by ``per_page`` (30 unless asked, 100 at most) and ``page``."""
    asked = dict(part.partition("=")[::2] for part in query.split("&") if part)
    size = min(int(asked.get("per_page") or 30), 100)
    first = (int(asked.get("page") or 1) - 1) * size
    return {"total_count": len(listed), "secrets": listed[first : first + size]}


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GithubFake:
    """The fake; a context manager that serves HTTPS on 127.0.0.1 with its own CA."""

    def __init__(self, certs_dir: Path) -> None:
        self.tokens: dict[str, Token] = {}
        self.repos: dict[str, Repo] = {}
        self.orgs: dict[str, Org] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path) in order
        self._lock = threading.Lock()
        self.ca_file, self._cert_file, self._key_file = make_certs(certs_dir)
        self._server: ThreadingHTTPServer | None = None

    def add_token(self, token: str, login: str = "octocat", *, secrets_access: bool = True) -> None:
        self.tokens[token] = Token(login, secrets_access)

    def add_repo(self, full_name: str, environments: tuple[str, ...] = ()) -> Repo:
        repo = Repo(id=1000 + len(self.repos))
        for env in environments:
            repo.environments[env] = Vault()
        self.repos[full_name.lower()] = repo
        return repo

    def add_org(self, name: str) -> Org:
        org = Org()
        self.orgs[name.lower()] = org
        return org

    def org_secret(self, org: str, name: str) -> tuple[str, str, tuple[int, ...]] | None:
        """(value, visibility, selected repository ids) of an organization secret, or None."""
        holder = self.orgs[org.lower()]
        held = holder.vault.values.get(name.upper())
        if held is None:
            return None
        return (held[0], *holder.access[name.upper()])

    def secret(self, full_name: str, name: str, env: str | None = None) -> str | None:
        """The decrypted value GitHub would hold, or None."""
        repo = self.repos[full_name.lower()]
        vault = repo.environments[env] if env else repo.vault
        held = vault.values.get(name.upper())
        return held[0] if held else None

    def writes(self) -> int:
        return sum(1 for method, _ in self.requests if method == "PUT")

    @property
    def host(self) -> str:
        assert self._server is not None
        return f"127.0.0.1:{self._server.server_address[1]}"

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    def __enter__(self) -> GithubFake:
        fake = self

        class Handler(_Handler):
            github = fake

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self._cert_file, self._key_file)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    # The routes: (status, body) for one request.

    def handle(self, method: str, path: str, auth: str | None, body: bytes) -> tuple[int, Any]:
        with self._lock:
            self.requests.append((method, path))
            return self._route(method, path, auth, body)

    def _route(self, method: str, path: str, auth: str | None, body: bytes) -> tuple[int, Any]:
        path, _, query = path.partition("?")
        if path.startswith("/api/v3"):
            path = path[len("/api/v3") :]
        if path.rstrip("/") == "/api/graphql":
            token = self._token(auth)
            if isinstance(token, tuple):
                return token
            return 200, self._graphql(token, body)
        token = self._token(auth)
        if isinstance(token, tuple):
            return token
        parts = [part for part in path.split("/") if part]
        if method == "GET" and parts in ([], ["user"]):
            # GET /user: docs.github.com/en/rest/users/users#get-the-authenticated-user
            return 200, {"login": token.login, "id": 1, "type": "User"}
        if len(parts) >= 4 and parts[0] == "orgs" and parts[2:4] == ["actions", "secrets"]:
            return self._org_secrets(method, parts[1], parts[4:], token, body, query)
        if len(parts) < 3 or parts[0] != "repos":
            return 404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"}
        full_name = f"{parts[1]}/{parts[2]}".lower()
        repo = self.repos.get(full_name)
        if repo is None:
            return 404, {
                "message": "Not Found",
                "documentation_url": "https://docs.github.com/rest/repos/repos#get-a-repository",
                "status": "404",
            }
        rest = parts[3:]
        if method == "GET" and not rest:
            return 200, {
                "id": repo.id,
                "name": parts[2],
                "full_name": f"{parts[1]}/{parts[2]}",
                "private": True,
                "permissions": {"admin": True, "push": True, "pull": True},
            }
        vault: Vault | None
        if rest[:2] == ["actions", "secrets"]:
            vault, rest = repo.vault, rest[2:]
        elif len(rest) >= 3 and rest[0] == "environments" and rest[2] == "secrets":
            vault, rest = repo.environments.get(rest[1]), rest[3:]
            if vault is None:
                return 404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"}
        else:
            return 404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"}
        if not token.secrets_access:
            # A fine-grained token or GitHub App without the "Secrets" repository permission.
            return 403, {
                "message": "Resource not accessible by integration",
                "documentation_url": "https://docs.github.com/rest/actions/secrets#get-a-repository-public-key",
                "status": "403",
            }
        if method == "GET" and rest == ["public-key"]:
            return 200, vault.public_key()
        if method == "GET" and not rest:
            # List secrets: names and dates only, never values.
            listed = [
                {"name": name, "created_at": created, "updated_at": updated}
                for name, (_, created, updated) in sorted(vault.values.items())
            ]
            return 200, _page(listed, query)
        if method == "PUT" and len(rest) == 1:
            return self._put(vault, rest[0], body)
        return 404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"}

    def _graphql(self, token: Token, body: bytes) -> Any:
        """``viewer { login }`` for gh auth status; ``MapRepositoryNames`` for --repos."""
        try:
            query = str(json.loads(body).get("query", ""))
        except (ValueError, AttributeError):
            query = ""
        aliases = _REPOSITORY_ALIAS.findall(query)
        if not aliases:
            return {"data": {"viewer": {"login": token.login}}}
        data: dict[str, Any] = {}
        errors = []
        for alias, owner, name in aliases:
            repo = self.repos.get(f"{owner}/{name}".lower())
            data[alias] = {"databaseId": repo.id} if repo else None
            if repo is None:
                errors.append(
                    {
                        "type": "NOT_FOUND",
                        "path": [alias],
                        "message": f"Could not resolve to a Repository with the name '{owner}/{name}'.",
                    }
                )
        return {"data": data, "errors": errors} if errors else {"data": data}

    def _org_secrets(
        self, method: str, org_name: str, rest: list[str], token: Token, body: bytes, query: str
    ) -> tuple[int, Any]:
        org = self.orgs.get(org_name.lower())
        if org is None:
            return 404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"}
        if not token.secrets_access:
            return 403, {
                "message": "Resource not accessible by integration",
                "documentation_url": "https://docs.github.com/rest/actions/secrets#get-an-organization-public-key",
                "status": "403",
            }
        if method == "GET" and rest == ["public-key"]:
            return 200, org.vault.public_key()
        if method == "GET" and not rest:
            # actions/list-org-secrets (github/rest-api-description): organization-actions-secret
            # items; selected_repositories_url only where the visibility is "selected"
            listed = []
            for name, (_, created, updated) in sorted(org.vault.values.items()):
                visibility = org.access.get(name, ("private", ()))[0]
                item = {"name": name, "created_at": created, "updated_at": updated,
                        "visibility": visibility}  # fmt: skip
                if visibility == "selected":
                    item["selected_repositories_url"] = (
                        f"https://api.github.com/orgs/{org_name}/actions/secrets/{name}/repositories"
                    )
                listed.append(item)
            return 200, _page(listed, query)
        if method != "PUT" or len(rest) != 1:
            return 404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"}
        try:
            payload = json.loads(body)
            visibility = payload["visibility"]
            selected = tuple(int(i) for i in payload.get("selected_repository_ids") or ())
        except (ValueError, KeyError, TypeError):
            return 422, {"message": "Invalid request.", "documentation_url": DOCS, "status": "422"}
        if visibility not in ("all", "private", "selected"):
            return 422, {"message": "Invalid request.", "documentation_url": DOCS, "status": "422"}
        status, answer = self._put(org.vault, rest[0], body)
        if status < 300:
            org.access[rest[0].upper()] = (visibility, selected if visibility == "selected" else ())
        return status, answer

    def _token(self, auth: str | None) -> Token | tuple[int, Any]:
        if not auth:
            return 401, {
                "message": "Requires authentication",
                "documentation_url": DOCS,
                "status": "401",
            }
        scheme, _, value = auth.partition(" ")
        token = self.tokens.get(value.strip()) if scheme.lower() in ("token", "bearer") else None
        if token is None:
            return 401, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}
        return token

    def _put(self, vault: Vault, name: str, body: bytes) -> tuple[int, Any]:
        """Create (201) or update (204) a secret: docs.github.com/en/rest/actions/secrets."""
        problem = secret_name_problem(name)
        if problem:
            return 422, {"message": problem, "documentation_url": DOCS, "status": "422"}
        try:
            payload = json.loads(body)
            key_id, sealed = payload["key_id"], payload["encrypted_value"]
        except (ValueError, KeyError, TypeError):
            return 422, {"message": "Invalid request.", "documentation_url": DOCS, "status": "422"}
        if key_id != vault.key_id:
            return 422, {"message": "Bad key_id", "documentation_url": DOCS, "status": "422"}
        try:
            value = vault.open(sealed)
        except ValueError:
            return 422, {
                "message": "Invalid encrypted_value",
                "documentation_url": DOCS,
                "status": "422",
            }
        upper = name.upper()  # secret names are case-insensitive; GitHub shows them upper-case
        now = _now()
        created = vault.values[upper][1] if upper in vault.values else now
        status = 204 if upper in vault.values else 201
        vault.values[upper] = (value, created, now)
        # 201 carries an empty JSON object, 204 nothing (REST docs' examples); gh 2.23 parses a
        # 201's body, so an empty 201 would fail it with "unexpected end of JSON input".
        return status, ({} if status == 201 else None)


class _Handler(BaseHTTPRequestHandler):
    github: GithubFake
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, document = self.github.handle(
            self.command, self.path, self.headers.get("Authorization"), body
        )
        data = b"" if document is None else json.dumps(document).encode()
        self.send_response(status)
        if document is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        if status < 400 or status == 403:
            # gh auth status reads the classic token's scopes from this header.
            self.send_header("X-OAuth-Scopes", "repo, read:org, workflow")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = _serve

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return


def make_certs(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost; (ca, cert, key)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rotui test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = (
        directory / "ca.pem",
        directory / "server.pem",
        directory / "server.key",
    )
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_file, cert_file, key_file


def gh_environ(fake: GithubFake, config_dir: Path, token: str | None, path: str) -> dict[str, str]:
    """The environment a real gh needs to reach the fake, with ``token`` as its Enterprise token."""
    env = {
        "PATH": path,
        "HOME": str(config_dir.parent),
        "GH_CONFIG_DIR": str(config_dir),
        "GH_HOST": fake.host,
        "SSL_CERT_FILE": str(fake.ca_file),
        "GH_NO_UPDATE_NOTIFIER": "1",
        "GH_PROMPT_DISABLED": "1",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    if token is not None:
        env["GH_ENTERPRISE_TOKEN"] = token
    return env
