"""Guided diagnoses for `rotui doctor` and the troubleshooting screen: live checks, plain answers.

Each flow checks something real (the API, the Admin API, the run journal, the consumers, the
host) and returns :class:`Diagnosis` objects: what was checked, the evidence, the likely cause and
the next steps. Nothing here writes state, the audit log or a consumer. Heavy imports (httpx, the
consumer adapters) happen inside the flows, so the CLI can import this package at start-up.

The modules:

- ``model``: :class:`Diagnosis`, its severity, :class:`Flow` and the text report;
- ``evidence``: helpers the flows share (proxies, validation results, Admin API records);
- ``environment``: `rotui doctor` with no flow (keyring, config, dirs, reachability, clock);
- ``key``: “my key stopped working”; ``explanations``: the cause and next steps of each status;
- ``old_key``: the old key still works; ``after_rotation``: the new key was not copied,
  consumers fail;
- ``usage``: unexpected usage or charges; ``workspace``: wrong workspace or lower limits;
- ``flows``: the FLOWS registry and :func:`run_flow`;
- ``doctor``: :func:`run_doctor` (the `rotui doctor` parser and command are the CLI's);
- ``deps``: :class:`TroubleshootDeps`, what the flows need (``rotui.services.Services`` has it).
"""

from __future__ import annotations

from rotui.core.troubleshoot.after_rotation import diagnose_consumers, forgot_new_key
from rotui.core.troubleshoot.doctor import run_doctor
from rotui.core.troubleshoot.environment import CLOCK_SKEW_LIMIT, check_environment
from rotui.core.troubleshoot.evidence import ADMIN_STATUS, PROXY_VARS, proxy_lines
from rotui.core.troubleshoot.explanations import EXPLAINED, INVALID_CAUSES, PROXY_TOPICS
from rotui.core.troubleshoot.flows import FLOWS, run_flow
from rotui.core.troubleshoot.key import diagnose_key
from rotui.core.troubleshoot.model import (
    BEARER_NOTE,
    BILLING_URL,
    LIMITS_URL,
    SEVERITY_LABELS,
    STATUS_URL,
    SUPPORT_URL,
    Diagnosis,
    Flow,
    FlowRunner,
    Severity,
    render_text,
)
from rotui.core.troubleshoot.old_key import PROPAGATION_MINUTES, diagnose_old_key_still_works
from rotui.core.troubleshoot.usage import SPIKE_FACTOR, USAGE_DAYS, diagnose_usage, usage_spike
from rotui.core.troubleshoot.workspace import diagnose_workspace

__all__ = [
    "ADMIN_STATUS",
    "BEARER_NOTE",
    "BILLING_URL",
    "CLOCK_SKEW_LIMIT",
    "EXPLAINED",
    "FLOWS",
    "INVALID_CAUSES",
    "LIMITS_URL",
    "PROPAGATION_MINUTES",
    "PROXY_TOPICS",
    "PROXY_VARS",
    "SEVERITY_LABELS",
    "SPIKE_FACTOR",
    "STATUS_URL",
    "SUPPORT_URL",
    "USAGE_DAYS",
    "Diagnosis",
    "Flow",
    "FlowRunner",
    "Severity",
    "check_environment",
    "diagnose_consumers",
    "diagnose_key",
    "diagnose_old_key_still_works",
    "diagnose_usage",
    "diagnose_workspace",
    "forgot_new_key",
    "proxy_lines",
    "render_text",
    "run_doctor",
    "run_flow",
    "usage_spike",
]
