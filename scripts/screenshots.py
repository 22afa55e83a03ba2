"""Regenerate screenshots/*.svg from the demo (fake keys, frozen clock): `make screenshots`."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
from pathlib import Path

from rotui.core import rotation
from rotui.demo import frozen_demo
from rotui.services import Services
from rotui.ui.app import make_app

WHEN = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)

# Run ids carry random letters; a fixed one keeps regenerated pictures byte-identical.
rotation.new_run_id = lambda key, now: f"{now:%Y%m%dT%H%M%SZ}-demo01"
OUT = Path(__file__).resolve().parent.parent / "screenshots"


SHOTS: list[tuple[str, tuple[int, int], tuple[str, ...], bool]] = [
    ("dashboard-120x36", (120, 36), (), False),
    ("dashboard-80x24", (80, 24), (), False),
    ("dashboard-filtered-80x24", (80, 24), ("slash", *"staging", "enter"), False),
    ("help-80x24", (80, 24), ("question_mark",), False),
    ("audit-120x36", (120, 36), ("a",), False),
    ("emergency-120x36", (120, 36), ("j", "x"), False),
    ("troubleshoot-120x36", (120, 36), ("j", "t", "enter"), False),
    ("read-only-120x36", (120, 36), (), True),
]


async def capture_wizard(services: Services) -> str:
    """The wizard mid-run: the new key pasted from the demo's Console, propagated, verifying."""
    app = make_app(services, demo=True, rotate="ANTHROPIC_API_KEY")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        await pilot.click("#demo-console")
        await pilot.press("enter")
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        await pilot.pause()
        return app.export_screenshot(title="rotui — rotate-wizard-120x36")


async def capture(
    services: Services, size: tuple[int, int], keys: tuple[str, ...], read_only: bool, title: str
) -> str:
    app = make_app(services, demo=True, read_only=read_only)
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
            await pilot.pause(0.3)
            await app.workers.wait_for_complete()
            await pilot.pause()
        return app.export_screenshot(title=title)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        default=OUT,
        help="where to write the SVGs (default: the committed screenshots/)",
    )
    out: Path = parser.parse_args(argv).out

    def wrote(name: str) -> str:
        return f"wrote screenshots/{name}.svg" if out == OUT else f"wrote {out / name}.svg"

    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, size, keys, read_only in SHOTS:
            with frozen_demo(Path(tmp) / name, WHEN) as (services, _sim):
                svg = asyncio.run(capture(services, size, keys, read_only, f"rotui — {name}"))
            (out / f"{name}.svg").write_text(svg)
            print(wrote(name))
        with frozen_demo(Path(tmp) / "wizard", WHEN) as (services, _sim):
            (out / "rotate-wizard-120x36.svg").write_text(asyncio.run(capture_wizard(services)))
            print(wrote("rotate-wizard-120x36"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
