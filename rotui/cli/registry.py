"""Every command: its name, help and arguments, and the module that runs it, imported lazily.

The parser reads this table on every start; a command's module (and what it imports: httpx,
keyring, Textual, the troubleshooting flows) is imported by :func:`load` only when it runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from rotui.cli import arguments
from rotui.context import Context

Runner = Callable[[argparse.Namespace, Context], int]


@dataclass(frozen=True)
class Command:
    """One ``rotui COMMAND``; ``run(args, ctx) -> exit code`` lives in ``rotui.cli.commands``."""

    name: str
    help: str
    add_arguments: arguments.AddArguments
    module: str
    reads: tuple[str, ...] = ()  # commands run on another's files (``rotui demo audit``)


COMMANDS = (
    Command("status", "age, freshness and last validation of every key (no network)",
            arguments.status, "status"),
    Command("validate", "check keys against the API and store the results",
            arguments.validate, "validate"),
    Command("check", "for cron: exit 1 when a key is overdue or failed its last validation",
            arguments.check, "check"),
    Command("key", "store or remove a key in the keyring", arguments.key, "key"),
    Command("init", "write a commented starter configuration (mode 0600)", arguments.none,
            "init"),
    Command("rotate", "rotate a key: the SOP as a resumable wizard (or --headless)",
            arguments.rotate, "rotate"),
    Command("holders", "where does this key live? every place holding it, by fingerprint",
            arguments.holders, "holders"),
    Command("revoke", "emergency revoke: revoke now or overlap (the screen, or --headless)",
            arguments.revoke, "revoke"),
    Command("runs", "list rotation and emergency runs (the ids `report` takes)",
            arguments.runs, "runs"),
    Command("report", "an incident report of a run, in Markdown", arguments.report, "report"),
    Command("audit", "print the audit log and check its hash chain", arguments.audit, "audit"),
    Command("doctor", "diagnose a key or the environment (exit 0 healthy, 1 a problem found)",
            arguments.doctor, "doctor"),
    Command("import", "list the organisation's keys (Admin API) as a configuration fragment",
            arguments.import_, "import_"),
    Command("demo", "run on the built-in demo inventory and a simulated API on loopback",
            arguments.demo, "demo", reads=("status", "runs", "report", "audit")),
    Command("serve",
            "the dashboard in a browser (textual-serve; loopback only, use an SSH tunnel)",
            arguments.serve, "serve"),
)  # fmt: skip
BY_NAME = {command.name: command for command in COMMANDS}
DASHBOARD = "dashboard"  # `rotui` without a command: not a subcommand, but run the same way


def load(name: str) -> Runner:
    """The ``run`` of command ``name`` (or of the dashboard), importing its module now."""
    module = DASHBOARD if name == DASHBOARD else BY_NAME[name].module
    # __import__, not importlib.import_module: `python -X importtime` logs only the former.
    runner: Runner = __import__(f"rotui.cli.commands.{module}", fromlist=["run"]).run
    return runner
