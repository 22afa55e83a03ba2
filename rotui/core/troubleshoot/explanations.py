"""What each validation outcome means and what to do next: the words of “my key stopped working”.

Data only, one entry per topic (a status, or a network error's kind): the cause as a template
(``{name}``, ``{host}``, ``{code}`` ...), the next steps, and the severity. :mod:`.key` picks the
topic and fills the template.
"""

from __future__ import annotations

from rotui.core.model import CONSOLE_KEYS_URL
from rotui.core.troubleshoot.model import (
    BILLING_URL,
    LIMITS_URL,
    STATUS_URL,
    Severity,
)

EXPLAINED: dict[str, tuple[str, list[str], Severity]] = {
    "no_credit": (
        "Billing, not the key: the organization has no credit left or a billing problem (HTTP "
        "{code}). Billing is the organization's, so its other keys should fail the same way.",
        [
            f"Open Plans & Billing in the Console ({BILLING_URL}): add credit or fix the payment method",
            "No rotation is needed: the key itself is fine",
            "Then check again: `rotui validate {name}`",
        ],
        "problem",
    ),
    "forbidden": (
        "The key authenticates but lacks permission (403): the workspace's settings, the "
        "organization's access, or a model or feature the key's workspace may not use.",
        [
            f"Check the key's workspace at {CONSOLE_KEYS_URL}; it is configured as “{{workspace}}”",
            "`rotui doctor {name} --flow workspace` compares it with its environment's keys",
            "In the wrong workspace: create a key in the right one and replace this one with it "
            "through the emergency revoke (`rotui revoke {name}`, x on the dashboard; choose overlap): "
            "a rotation refuses a key that does not answer valid",
        ],
        "problem",
    ),
    "rate_limited": (
        "Rate limited (429 with retry-after {after:g} s): too many requests or tokens per minute "
        "for the key's workspace or usage tier. It clears by itself.",
        [
            "Wait {after:g} s and retry; clients should honour retry-after",
            "If it persists: lower the concurrency of the clients sharing the workspace, or ask "
            f"for higher limits ({LIMITS_URL})",
            "A sharp jump in traffic can hit acceleration limits: ramp up gradually",
        ],
        "warning",
    ),
    "rate_limited_retried": (
        "Rate limited, and not for a moment: still 429 after {attempts} attempts, each waiting "
        "the retry-after the API gave ({after:g} s the last time). Something keeps the key's "
        "workspace or organization at its requests- or tokens-per-minute limit: other clients "
        "sharing it, a client retrying in a loop, or a limit lower than the traffic. Waiting "
        "{after:g} s alone did not clear it.",
        [
            "Find what sends the traffic: `rotui doctor {name} --flow usage` shows each key's "
            "tokens; the anthropic-ratelimit-*-remaining values above say which limit is spent",
            "Lower the concurrency of the clients sharing the workspace, or stop the one that "
            f"loops; or ask for higher limits ({LIMITS_URL})",
            "A sharp jump in traffic can hit acceleration limits: ramp up gradually",
            "Once the traffic is down, check again: `rotui validate {name}`",
        ],
        "problem",
    ),
    "spend_cap": (
        "A spend cap, not a rate limit (429 without retry-after): the usage tier's monthly spend "
        "cap or a workspace spend limit was reached. It keeps failing until access resumes or "
        "the limit is raised.",
        [
            f"Check the limits in the Console ({LIMITS_URL}): raise the workspace spend limit or "
            "move up a usage tier",
            "Do not retry in a loop: it does not clear by itself",
            "`rotui doctor {name} --flow usage` shows which keys spent the tokens",
        ],
        "problem",
    ),
    "spend_limit": (
        "A spend limit, not the key (HTTP {code}{coded}): {which}. Every key under that limit "
        "fails the same way until access resumes or the limit is raised.",
        [
            f"Check the limits in the Console ({LIMITS_URL}): raise or remove the spend limit, "
            "or move up a usage tier",
            "No rotation is needed: the key itself is fine; retrying does not help",
            "`rotui doctor {name} --flow usage` shows which keys spent the tokens",
        ],
        "problem",
    ),
    "workspace_required": (
        "The key is identity-linked (organization scope): it can act in more than one workspace, "
        "so the API requires the anthropic-workspace-id header and answered 400 without it. "
        "The key itself is fine, and this is not a spend limit.",
        [
            'Name the workspace this key acts in: workspace = "wrkspc_…" for {name} in the '
            "configuration (a workspace name also works when settings.admin_key is set)",
            f"Find the workspace id in the Console ({CONSOLE_KEYS_URL}, Workspaces)",
            "Then check again: `rotui validate {name}`",
        ],
        "problem",
    ),
    "overloaded": (
        "The provider's side, not the key: the API is overloaded for everyone (529).",
        ["Retry later with backoff (rotui tried {attempts} times)", f"Check {STATUS_URL}"],
        "warning",
    ),
    "server_error": (
        "The provider's side, not the key: a server error (HTTP {code}).",
        ["Retry later with backoff (rotui tried {attempts} times)", f"Check {STATUS_URL}"],
        "warning",
    ),
    "html": (
        "Something other than the Anthropic API answered: an HTML page or broken JSON usually "
        "comes from a proxy, captive portal or gateway (a login or block page).",
        [
            "Open {base} in a browser on this machine: a login or block page means the network "
            "intercepts the traffic",
            "Check the proxy environment above, or set NO_PROXY for the API's host",
        ],
        "problem",
    ),
    "http_400": (
        "The API refused the request (400) for a reason rotui does not recognise: with an auth "
        "check this is rarely the key; settings.api_version may not be one the API knows. The "
        "API's own message is above.",
        ["Check settings.api_version and base_url", f"Check the limits ({LIMITS_URL})"],
        "problem",
    ),
    "http_404": (
        "Nothing is at that address on {base} (404): base_url is probably wrong (it must not end "
        "in /v1); a disabled key is also reported to answer 404.",
        ["Check base_url: {base}", f"Find the key by its hint {{hint}} at {CONSOLE_KEYS_URL}"],
        "problem",
    ),
    "dns": (
        "The host name {host} did not resolve (DNS): this machine is offline, its DNS fails, "
        "base_url has a typo, or the network resolves names only through a proxy.",
        [
            "Check the host name in base_url (or $ANTHROPIC_BASE_URL): {host}",
            "Try `getent hosts {host}` (or `nslookup {host}`) on this machine",
            "Behind a corporate proxy, set HTTPS_PROXY (see the proxy environment above)",
        ],
        "problem",
    ),
    "connect": (
        "Nothing accepted the connection at {hostport} (refused): a wrong base_url or port, a "
        "local proxy or gateway that is not running, or a firewall.",
        [
            "Check base_url: {base}",
            "If a local gateway or proxy should listen there, start it",
            "Check the proxy environment above: a dead proxy refuses every connection",
        ],
        "problem",
    ),
    "proxy": (
        "The proxy refused the connection or the tunnel: a wrong proxy address, or a proxy that "
        "needs authentication or blocks {host}.",
        [
            "Check HTTPS_PROXY / HTTP_PROXY (shown above without credentials)",
            "Add {host} to NO_PROXY if it must be reached directly",
        ],
        "problem",
    ),
    "tls": (
        "The TLS handshake failed: usually a TLS-inspecting (corporate) proxy whose certificate "
        "authority this machine does not trust, or a clock far off.",
        [
            "Install the proxy's CA certificate and point SSL_CERT_FILE at the bundle",
            "Check the clock: `rotui doctor` compares it with the API's",
        ],
        "problem",
    ),
    "timeout": (
        "No answer within {timeout:g} s: a slow or blocked network, a proxy holding the "
        "connection, or a firewall dropping packets.",
        [
            "Retry; if the network is slow, raise settings.timeout_seconds",
            "Check the proxy environment above",
        ],
        "problem",
    ),
    "reset": (
        "The connection closed in the middle of the answer: a proxy, firewall or load balancer "
        "cut it, or the network dropped.",
        ["Retry", "If it keeps happening, check the proxy or firewall between here and {host}"],
        "problem",
    ),
    "local": (
        "The request could not be built: the stored key or settings.api_version holds "
        "characters an HTTP header cannot carry.",
        ["Store the key again as one clean line: `rotui key set {name}`"],
        "problem",
    ),
    "network": (
        "The API could not be reached at {host}.",
        ["Check the network and the proxy environment above", "Retry"],
        "problem",
    ),
}

PROXY_TOPICS = frozenset({"html", "dns", "connect", "proxy", "tls", "timeout", "reset", "network"})
INVALID_CAUSES = {
    "inactive": "The key was deactivated (Admin API status inactive): someone revoked it in the "
    "Console or through the Admin API.",
    "archived": "The key was deleted in the Console (Admin API status archived); a deleted key "
    "cannot be restored.",
    "expired": "The key expired (Admin API status expired).",
    "active": "The Admin API lists the key as active, yet the API refuses it: the value rotui "
    "holds differs from the real key (mistyped, cut short), or a gateway refuses the header.",
    "": "The API refused the key (401): it was revoked, deleted or expired, or the value is "
    "mistyped or was pasted with whitespace, or it was sent with the wrong header.",
}


SPEND_LIMITS = {
    # SDK 2.14.0 types/shared/enforced_spend_limit_reached_error.py and
    # contract_spend_limit_reached_error.py; the customer's own limit is a 400 without a code
    "enforced_spend_limit_reached": "the organization crossed its usage tier's monthly spend cap",
    "contract_spend_limit_reached": "the organization reached its contract's spend limit",
    "": "a spend limit you set for the organization or the workspace was reached",
}
