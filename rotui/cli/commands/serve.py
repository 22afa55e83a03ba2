"""``rotui serve``: the dashboard (or the demo) in a browser, on loopback unless allowed.

The server lives in :mod:`rotui.serve`; this starts it.
"""

from __future__ import annotations

import argparse

from rotui.context import Context


def run(args: argparse.Namespace, ctx: Context) -> int:
    from rotui.serve import serve

    return serve(args, ctx)
