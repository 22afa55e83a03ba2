"""``rotui serve``: loopback by default, remote only when asked, and a page that really serves."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from rotui import serve as serve_mod
from rotui.cli import main
from rotui.core.errors import UsageError
from rotui.demo import fake_key

SECRET = fake_key("serve-secret")
RECENT = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=6)).isoformat()


# -- the host policy ------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "[::1]"])
def test_loopback_addresses_are_accepted(host: str) -> None:
    assert serve_mod.is_loopback(host)
    assert serve_mod.check_host(host, 8000, allow_remote=False) is None


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "localhost."])
def test_the_name_localhost_is_accepted(host: str) -> None:
    assert serve_mod.check_host(host, 8000, allow_remote=False) is None


@pytest.mark.parametrize(
    "host", ["0.0.0.0", "::", "192.0.2.1", "10.0.0.1", "2001:db8::1", "example.com", ""]
)
def test_non_loopback_hosts_are_refused_without_allow_remote(host: str) -> None:
    assert not serve_mod.is_loopback(host)
    with pytest.raises(UsageError) as caught:
        serve_mod.check_host(host, 8000, allow_remote=False)
    text = str(caught.value)
    assert caught.value.exit_code == 2
    assert f"refusing to serve on {host or 'every address'}" in text
    assert "guarded only by" in text
    assert "ssh -L 8000:127.0.0.1:8000" in text and "http://127.0.0.1:8000" in text
    assert "--allow-remote" in text


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "::"])
def test_allow_remote_proceeds_with_a_warning(host: str) -> None:
    warning = serve_mod.check_host(host, 8123, allow_remote=True)
    assert warning is not None
    assert "WARNING" in warning and "guarded only by" in warning
    assert f"anyone who can reach {host}:8123 and see the token can drive rotui" in warning


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "::"])
def test_the_cli_refuses_a_non_loopback_host(host: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--demo", "--host", host]) == 2
    err = capsys.readouterr().err
    assert f"rotui: refusing to serve on {host}:" in err
    assert "guarded only by" in err and "ssh -L 8000:127.0.0.1:8000" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("port", ["0", "65536", "-1", "http"])
def test_a_bad_port_is_an_argparse_error(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["serve", "--port", port])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "rotui serve: error: argument --port:" in err


def test_public_url_brackets_ipv6_and_never_names_the_wildcard() -> None:
    assert serve_mod.public_url("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert serve_mod.public_url("::1", 9000) == "http://[::1]:9000"
    assert serve_mod.public_url("[::1]", 9000) == "http://[::1]:9000"
    assert "0.0.0.0" not in serve_mod.public_url("0.0.0.0", 8000)


# -- the command textual-serve runs ---------------------------------------------------------------


def test_the_served_command_for_the_demo() -> None:
    argv = serve_mod.served_argv(python="/py", theme="nord", read_only=True, demo=True)
    assert argv == ["/py", "-m", "rotui", "--read-only", "--theme", "nord", "demo"]
    assert serve_mod.served_argv(python="/py", demo=True) == ["/py", "-m", "rotui", "demo"]


def test_the_served_command_quotes_paths(tmp_path: Path) -> None:
    config = tmp_path / "dir with spaces; rm -rf ~" / "rotui.toml"
    argv = serve_mod.served_argv(config=config, read_only=False)
    assert argv == [sys.executable, "-m", "rotui", "--config", str(config)]
    assert shlex.split(serve_mod.command_string(argv)) == argv


class FakeServer:
    """Stands in for textual_serve.server.Server: records what it was given, serves nothing."""

    made: ClassVar[list[FakeServer]] = []

    def __init__(self, command: str, **kwargs: Any) -> None:
        self.command = command
        self.kwargs = kwargs
        self.served = False
        FakeServer.made.append(self)

    def serve(self) -> None:
        self.served = True


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeServer]]:
    pytest.importorskip("textual_serve")
    FakeServer.made = []
    monkeypatch.setattr("textual_serve.server.Server", FakeServer)
    yield FakeServer


@pytest.fixture
def config_with_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "conf dir" / "rotui.toml"
    path.parent.mkdir()
    path.write_text(
        f"""
[[keys]]
name = "PROD"
source = "env:SERVE_TEST_KEY"
created = {RECENT}
"""
    )
    monkeypatch.setenv("SERVE_TEST_KEY", SECRET)
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "{config}", "--read-only", "--theme", "nord", "serve"],
        ["serve", "--config", "{config}", "--read-only", "--theme", "nord"],
    ],
    ids=["global-options-before", "options-after-serve"],
)
def test_serve_passes_config_theme_and_read_only_but_no_secret(
    argv: list[str],
    fake_server: type[FakeServer],
    config_with_secret: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([a.replace("{config}", str(config_with_secret)) for a in argv]) == 0
    (server,) = fake_server.made
    assert server.served
    words = shlex.split(server.command)
    assert words[:3] == [sys.executable, "-m", "rotui"]
    assert words[3:] == ["--config", str(config_with_secret), "--read-only", "--theme", "nord"]
    assert SECRET not in server.command
    assert server.kwargs["host"] == "127.0.0.1" and server.kwargs["port"] == 8000
    assert server.kwargs["public_url"] == "http://127.0.0.1:8000"
    err = capsys.readouterr().err
    assert "open http://127.0.0.1:8000" in err and "ssh -L 8000:127.0.0.1:8000" in err
    assert SECRET not in err


def test_serve_without_read_only_and_with_the_demo(
    fake_server: type[FakeServer], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--demo", "--port", "8765", "--host", "::1"]) == 0
    (server,) = fake_server.made
    assert shlex.split(server.command)[3:] == ["demo"]
    assert server.kwargs["host"] == "::1" and server.kwargs["port"] == 8765
    assert server.kwargs["public_url"] == "http://[::1]:8765"


def test_allow_remote_warns_on_stderr(
    fake_server: type[FakeServer], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--demo", "--host", "192.0.2.1", "--allow-remote"]) == 0
    err = capsys.readouterr().err
    assert "WARNING" in err and "guarded only by" in err
    assert "anyone who can reach 192.0.2.1:8000 and see the token can drive rotui" in err
    (server,) = fake_server.made
    assert server.kwargs["host"] == "192.0.2.1"


def test_serve_reports_a_missing_config_before_serving(
    fake_server: type[FakeServer], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve"]) == 2
    assert "no configuration found" in capsys.readouterr().err
    assert fake_server.made == []


def test_missing_extra_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "textual_serve", None)
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    assert main(["serve", "--demo"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'rotui[serve]'" in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


# -- end to end: a real server on loopback --------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _non_loopback_address() -> str | None:
    """This host's address on its default route, if it has one (a UDP connect sends nothing)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("192.0.2.1", 9))
            address = str(sock.getsockname()[0])
    except OSError:
        return None
    return None if serve_mod.is_loopback(address) or address == "0.0.0.0" else address


async def _first_screen(url: str, origin: str, cookies: dict[str, str]) -> bytes:
    """Open the page's websocket like the browser does and read until the demo has drawn."""
    import aiohttp

    got = b""
    async with (
        aiohttp.ClientSession(trust_env=False, cookies=cookies) as session,
        session.ws_connect(f"{url}?width=100&height=30", headers={"Origin": origin}) as ws,
    ):
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(60):
                async for message in ws:
                    if message.type == aiohttp.WSMsgType.BINARY:
                        got += message.data
                    elif message.type == aiohttp.WSMsgType.TEXT:
                        got += message.data.encode()
                    if b"DEMO" in got:
                        break
    return got


def test_serve_demo_end_to_end(child_env: dict[str, str], tmp_path: Path) -> None:
    pytest.importorskip("textual_serve")
    port = _free_port()
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rotui", "serve", "--demo", "--port", str(port)],
            stdout=stdout,
            stderr=stderr,
            env=child_env,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        refused = None
        deadline = time.monotonic() + 20
        with httpx.Client(trust_env=False, timeout=5) as client:
            while refused is None and proc.poll() is None and time.monotonic() < deadline:
                try:
                    refused = client.get(f"{base}/")  # no token: the page is not served
                except httpx.TransportError:
                    time.sleep(0.2)
            assert refused is not None, f"no answer on port {port}: {err.read_text()}"
            assert refused.status_code == 403 and "token" in refused.text
            printed = re.search(rf"open ({re.escape(base)}/\?token=[\w-]+)", err.read_text())
            assert printed, err.read_text()
            wrong_host = client.get(printed[1], headers={"Host": f"rebound.example:{port}"})
            assert wrong_host.status_code == 403  # a DNS-rebound name is not this server
            first = client.get(printed[1])  # the token, traded for a cookie and a clean URL
            assert first.status_code == 303 and first.headers["location"] == "/"
            assert "HttpOnly" in first.headers["set-cookie"]
            assert "SameSite=Strict" in first.headers["set-cookie"]
            page = client.get(f"{base}/")
            cookies = dict(client.cookies)
        assert page.status_code == 200
        assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page.text
        assert "textual" in page.text.lower()

        other = _non_loopback_address()
        if other is not None:
            with pytest.raises(OSError):
                socket.create_connection((other, port), timeout=2).close()

        import aiohttp

        ws_url = f"ws://127.0.0.1:{port}/ws"
        with pytest.raises(aiohttp.WSServerHandshakeError):  # another site's page
            asyncio.run(_first_screen(ws_url, "https://evil.example", cookies))
        with pytest.raises(aiohttp.WSServerHandshakeError):  # this origin, but no token
            asyncio.run(_first_screen(ws_url, base, {}))
        screen = asyncio.run(_first_screen(ws_url, base, cookies))
        assert b"DEMO" in screen
        assert SECRET.encode() not in screen
    finally:
        proc.terminate()
        try:
            code = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
    messages = err.read_text()
    assert code == 0, messages
    assert "Traceback" not in messages and "Traceback" not in out.read_text()
    assert f"open http://127.0.0.1:{port}/?token=" in messages
    assert f"ssh -L {port}:127.0.0.1:{port}" in messages
    assert "rotui serve: stopped" in messages


# -- the guard in front of the page ---------------------------------------------------------------

GUARD = serve_mod.Guard("http://127.0.0.1:8000", 8000, loopback=True, token="t0ken")


@pytest.mark.parametrize(
    ("path", "host", "origin", "token", "cookie", "refused_for"),
    [
        ("/", "127.0.0.1:8000", None, "t0ken", None, None),
        ("/", "localhost:8000", None, None, "t0ken", None),
        ("/ws", "127.0.0.1:8000", "http://127.0.0.1:8000", None, "t0ken", None),
        ("/ws", "[::1]:8000", "http://localhost:8000", None, "t0ken", None),
        ("/", "127.0.0.1:8000", None, None, None, "no valid token"),
        ("/", "127.0.0.1:8000", None, "t0ke", None, "no valid token"),
        ("/static/js/textual.js", "127.0.0.1:8000", None, None, None, "no valid token"),
        ("/", "evil.example:8000", None, "t0ken", None, "unknown Host"),  # DNS rebinding
        ("/", "127.0.0.1:9999", None, "t0ken", None, "unknown Host"),
        ("/ws", "127.0.0.1:8000", "https://evil.example", None, "t0ken", "origin"),
        ("/ws", "127.0.0.1:8000", None, None, "t0ken", "origin"),  # browsers always send one
        ("/ws", "127.0.0.1:8000", "null", None, "t0ken", "origin"),  # a sandboxed frame
    ],
)
def test_the_guard(path, host, origin, token, cookie, refused_for) -> None:
    refusal = GUARD.refusal(path, host, origin, token, cookie)
    if refused_for is None:
        assert refusal is None
    else:
        assert refusal is not None and refused_for in refusal


def test_a_remote_guard_accepts_only_its_public_host() -> None:
    guard = serve_mod.Guard("http://bastion.internal:8000", 8000, loopback=False, token="x")
    assert guard.refusal("/", "bastion.internal:8000", None, "x", None) is None
    assert guard.refusal("/", "127.0.0.1:8000", None, "x", None) is not None
    assert guard.url("http://bastion.internal:8000") == "http://bastion.internal:8000/?token=x"


def test_every_serve_run_has_its_own_token() -> None:
    first = serve_mod.Guard("http://127.0.0.1:8000", 8000, loopback=True)
    second = serve_mod.Guard("http://127.0.0.1:8000", 8000, loopback=True)
    assert first.token != second.token and len(first.token) >= 32


def test_localhost_binds_the_loopback_literal(
    fake_server: type[FakeServer], capsys: pytest.CaptureFixture[str]
) -> None:
    """'localhost.' would be resolved through DNS, not /etc/hosts: bind 127.0.0.1 itself."""
    for name in ("localhost", "localhost."):
        FakeServer.made = []
        assert main(["serve", "--demo", "--host", name]) == 0
        (server,) = fake_server.made
        assert server.kwargs["host"] == "127.0.0.1"
