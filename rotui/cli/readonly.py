"""``--read-only`` on the commands that write: they watch, print without storing, or refuse.

What each command does with ``--read-only`` (the README's "Read-only" table says the same):
``rotate NAME`` and ``revoke NAME`` open the wizard watching (no lock, no step, it follows the
journal); headless or ``--rollback`` they refuse with exit 2. ``validate`` checks and prints but
stores no result and writes no audit entry. ``holders`` scans and prints but writes no audit
entry. ``check --notify``, ``key set|delete`` and ``init`` refuse with exit 2. Reading commands
(``status``, ``check``, ``runs``, ``report``, ``audit``, ``doctor``, ``rotate --dry-run``) and
``import`` (it prints, or writes only the new file ``-o`` names) are unchanged.
"""

from __future__ import annotations

import argparse

from rotui.core.errors import UsageError


def refuse(args: argparse.Namespace, what: str, instead: str = "") -> None:
    """Exit 2 before anything is read or written when ``--read-only`` was given."""
    if getattr(args, "read_only", False):
        raise UsageError(
            f"--read-only: {what} would change something, so nothing was done",
            instead or "run it again without --read-only",
        )
