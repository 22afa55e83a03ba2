"""The Anthropic HTTP client: key validation, the Admin API and the usage report.

Every HTTP outcome is turned into a domain result in one place (``outcomes.classify``), so
callers see ``ValidationResult`` and ``RotuiError``, never ``httpx``. The parts:
``transport`` sends one request (the key added last, a bound per API, retries), ``outcomes``
classifies what came back, ``records`` parses Admin API key objects and says where a key lives,
and ``client`` is :class:`AnthropicClient`, which callers use. The names below are re-exported so
``from rotui.core.anthropic import ...`` keeps working.
"""

from rotui.core.anthropic.client import USAGE_BUCKET_LIMITS, AnthropicClient
from rotui.core.anthropic.outcomes import (
    CREDIT_CODES,
    CREDIT_MESSAGE,
    RATELIMIT_PREFIXES,
    SPEND_LIMIT_CODES,
    SPEND_LIMIT_MESSAGE,
    WORKSPACE_REQUIRED_MESSAGE,
    Outcome,
    admin_error,
    classify,
    classify_error,
    describe_transport_error,
    parse_retry_after,
    utcnow,
)
from rotui.core.anthropic.records import (
    DEFAULT_WORKSPACE,
    WORKSPACE_ID_PREFIX,
    WorkspaceDirectory,
    describe_workspace,
    in_configured_workspace,
    is_workspace_name,
    match_remote,
    remote_key,
    same_workspace,
    workspace_required_message,
)
from rotui.core.anthropic.transport import (
    INITIAL_BACKOFF,
    MAX_BACKOFF,
    MAX_RETRY_AFTER,
    NEVER_RETRIED,
    WORKSPACE_HEADER,
    Clock,
    Sleep,
)

__all__ = [
    "CREDIT_CODES",
    "CREDIT_MESSAGE",
    "DEFAULT_WORKSPACE",
    "INITIAL_BACKOFF",
    "MAX_BACKOFF",
    "MAX_RETRY_AFTER",
    "NEVER_RETRIED",
    "RATELIMIT_PREFIXES",
    "SPEND_LIMIT_CODES",
    "SPEND_LIMIT_MESSAGE",
    "USAGE_BUCKET_LIMITS",
    "WORKSPACE_HEADER",
    "WORKSPACE_ID_PREFIX",
    "WORKSPACE_REQUIRED_MESSAGE",
    "AnthropicClient",
    "Clock",
    "Outcome",
    "Sleep",
    "WorkspaceDirectory",
    "admin_error",
    "classify",
    "classify_error",
    "describe_transport_error",
    "describe_workspace",
    "in_configured_workspace",
    "is_workspace_name",
    "match_remote",
    "parse_retry_after",
    "remote_key",
    "same_workspace",
    "utcnow",
    "workspace_required_message",
]
