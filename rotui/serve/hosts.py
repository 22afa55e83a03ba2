"""Where ``rotui serve`` may listen: loopback unless allowed, and the URL a browser uses."""

from __future__ import annotations

from rotui.core.errors import UsageError

WILDCARD_HOSTS = {"0.0.0.0", "::", ""}


def bare_host(host: str) -> str:
    """``[::1]`` as ``::1``: brackets are URL syntax, not part of the address."""
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        return host[1:-1]
    return host


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or the name ``localhost``; nothing else (0.0.0.0 and :: are everywhere)."""
    import ipaddress

    bare = bare_host(host)
    if bare.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(bare).is_loopback
    except ValueError:
        return False


def tunnel_hint(port: int) -> str:
    return (
        f"from your machine run `ssh -L {port}:127.0.0.1:{port} HOST`, "
        f"then open http://127.0.0.1:{port}"
    )


def check_host(host: str, port: int, allow_remote: bool) -> str | None:
    """Refuse a non-loopback host unless allowed; when allowed, return the warning to print."""
    if is_loopback(host):
        return None
    shown = bare_host(host) or "every address"
    if not allow_remote:
        raise UsageError(
            f"refusing to serve on {shown}",
            "it is not a loopback address, and the page is plain HTTP guarded only by a token in "
            "its URL, so anyone who can reach it and see that traffic could drive rotui. Serve on "
            f"127.0.0.1 (the default) and {tunnel_hint(port)}; or pass --allow-remote if you really "
            "mean it",
        )
    return (
        f"rotui serve: WARNING: serving on {shown}:{port}, which is not loopback. The page is "
        "plain HTTP (no TLS) guarded only by the token in its URL: anyone who can reach "
        f"{shown}:{port} and see the token can drive rotui, including rotating and revoking "
        "keys. Prefer 127.0.0.1 and an SSH tunnel."
    )


def public_url(host: str, port: int) -> str:
    """The URL the page uses for its websocket and static files: ``http://HOST:PORT``."""
    bare = bare_host(host)
    if bare in WILDCARD_HOSTS:  # a browser cannot connect to the wildcard address itself
        import socket

        bare = socket.gethostname()
    if ":" in bare:
        bare = f"[{bare}]"
    return f"http://{bare}:{port}"
