"""Child driver for figure 3: start an app headless, wait for its first painted table, exit.

``python -m benchmarks.paint rotui CONFIG ROOT`` starts the dashboard on CONFIG with files under
ROOT; ``python -m benchmarks.paint minimal ROWS`` starts a bare Textual app with a ROWS-row
DataTable. Both paint at 120×36 the same way, so the parent can compare wall time and peak RSS.
``minimal-tty ROWS`` runs the same bare app in the terminal it is started in (figure 7, tmux).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable

SIZE = (120, 36)
COLUMNS = ("Key", "Env/workspace", "Age", "Due", "Last check", "Sync")


class MinimalTable(App[int]):
    """The reference: one DataTable with rows shaped like the dashboard's, nothing else."""

    def __init__(self, rows: int) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.add_rows(
            (
                f"BENCH_KEY_{i:04d}",
                f"prod/ws{i % 7}",
                f"{i % 140}d ✓ fresh",
                "2027-01-01",
                "– never",
                "—/4",
            )
            for i in range(self.rows)
        )


async def painted_then_exit(pilot: Pilot[Any]) -> None:
    """Wait until the first refresh has been composited, then leave with the table's row count."""
    await pilot.pause()
    pilot.app.exit(pilot.app.screen.query_one(DataTable).row_count)


def rotui_app(config_path: Path, root: Path) -> App[Any]:
    from rotui.config import load_config
    from rotui.core.secret import MemoryKeyring, SecretStore
    from rotui.paths import Paths
    from rotui.services import Services
    from rotui.ui.app import make_app

    # As `rotui` does: the parsed config is cached in the user's cache dir (here the run's
    # isolated XDG_CACHE_HOME, filled by the warm-up), while state starts empty under ROOT.
    services = Services(
        config=load_config(config_path, cache_dir=Paths.default().cache_dir),
        paths=Paths.under(root),
        store=SecretStore(MemoryKeyring(), environ={}),
        environ={},
        trust_env=False,
    )
    return make_app(services)


def main(argv: list[str]) -> int:
    app: App[Any]
    expected: int | None = None
    if argv[:1] == ["rotui"] and len(argv) == 3:
        app = rotui_app(Path(argv[1]), Path(argv[2]))
    elif argv[:1] == ["minimal-tty"] and len(argv) == 2:  # figure 7: in a real terminal
        MinimalTable(int(argv[1])).run()
        return 0
    elif argv[:1] == ["minimal"] and len(argv) == 2:
        expected = int(argv[1])
        app = MinimalTable(expected)
    else:
        print("usage: python -m benchmarks.paint rotui CONFIG ROOT | minimal ROWS", file=sys.stderr)
        return 2
    rows = app.run(headless=True, size=SIZE, auto_pilot=painted_then_exit)
    print(rows)
    return 0 if isinstance(rows, int) and rows > 0 and expected in (None, rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
