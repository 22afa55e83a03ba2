"""The command line: ``rotui`` alone opens the dashboard; the commands are

- ``status``: age, freshness and last validation of every key (no network)
- ``validate``: check keys against the API and store the results
- ``check``: for cron, exit 1 when a key is overdue or failed its last validation
- ``key set|delete``: store or remove a key in the keyring
- ``init``: write a commented starter configuration
- ``rotate``: rotate a key, the SOP as a resumable wizard (or ``--headless``)
- ``holders``: every place holding a key, by fingerprint
- ``revoke``: emergency revoke, now or overlap (the screen, or ``--headless``)
- ``runs``: list rotation and emergency runs
- ``report``: an incident report of a run, in Markdown
- ``audit``: print the audit log and check its hash chain
- ``doctor``: diagnose a key or the environment
- ``import``: the organisation's keys (Admin API) as a configuration fragment
- ``demo``: the built-in demo inventory on a simulated API (``demo status|runs|report|audit`` read
  a running demo's files)
- ``serve``: the dashboard in a browser, through textual-serve

Exit codes everywhere: 0 ok, 1 a check failed, 2 usage or configuration error. ``--json`` puts
one JSON document on stdout; messages and errors go to stderr.

The package: :mod:`~rotui.cli.entry` (``main``: parse, run, one error handler),
:mod:`~rotui.cli.parser` and :mod:`~rotui.cli.arguments` (each command's arguments, added
only to the command chosen: :mod:`~rotui.cli.lazyparse`),
:mod:`~rotui.cli.registry` (name, help, arguments and implementation module of each command),
one module per command in :mod:`rotui.cli.commands`, imported only when that command runs (so
``rotui status`` imports neither httpx, keyring, Textual nor any other command), and the
helpers they share (:mod:`~rotui.cli.render`, :mod:`~rotui.cli.terminal`,
:mod:`~rotui.cli.overview`, :mod:`~rotui.cli.rollback`). What a command runs against is
:class:`rotui.context.Context`, which lives below the CLI because the demo and ``serve`` use it too.
"""

from rotui.cli.entry import main, run
from rotui.cli.parser import build_parser
from rotui.context import Context

__all__ = ["Context", "build_parser", "main", "run"]
