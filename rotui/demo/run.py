"""``rotui demo``: the dashboard (or a headless tour) on the demo inventory, torn down after."""

from __future__ import annotations

import argparse
import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rotui.demo import demo_console, demo_environ, demo_environment
from rotui.demo.hints import demo_hints, rotui_command
from rotui.demo.pairing import (
    announced,
    demo_home,
    demo_root,
    find_running_demo,
    follow_context,
    followed_ended,
    pairing_hint,
    still_followed,
)

if TYPE_CHECKING:
    from rotui.context import Context
    from rotui.demo.pairing import RunningDemo

Command = Callable[[argparse.Namespace, "Context"], int]


def run_demo(
    ctx: Context,
    headless: bool,
    read_only: bool = False,
    theme: str | None = None,
    *,
    status: Command,
    validate: Command,
) -> int:
    """``rotui demo``: the dashboard (or, headless, status and validation) on the demo inventory.

    The dashboard's demo keeps its files under :func:`demo_home` and announces itself there, so
    ``rotui demo --read-only`` in another terminal follows it (and starts a demo of its own,
    read-only, when none runs). Headless, it runs the CLI's ``status`` and ``validate``, passed in
    by the CLI (the demo never imports the CLI that starts it).
    """
    import shutil

    from rotui.context import Context

    if read_only and not headless:
        if _follow(ctx, theme):
            return 0
        ctx.say("rotui demo: no demo is running to follow; this one is your own, read-only")
    with contextlib.ExitStack() as stack:
        root = None
        if not headless:
            root = demo_root(demo_home())
            stack.callback(shutil.rmtree, root, ignore_errors=True)
            if not read_only:  # the dashboard says how to pair, in a toast (not on exit)
                stack.enter_context(announced(root))
        config, paths, store, sim = stack.enter_context(demo_environment(root=root))
        demo_ctx = Context(
            paths=paths,
            config=config,
            store=store,
            stdout=ctx.stdout,
            stderr=ctx.stderr,
            clock=ctx.clock,
            environ=demo_environ(paths),
            trust_env=False,
        )
        demo_ctx.services().console = demo_console(sim, ctx.clock().date())
        demo_ctx.services().hints = demo_hints(rotui_command())
        if not headless:
            from rotui.ui.app import make_app

            make_app(
                demo_ctx.services(),
                read_only=read_only,
                demo=True,
                theme=theme,
                pairing=pairing_hint(),
            ).run()
            return 0
        ctx.say(
            f"rotui demo: simulated Anthropic API at {sim.base_url}; temporary files in {paths.config_dir.parent}"
        )
        _headless_tour(ctx, demo_ctx, status, validate)
    return 0


def _follow(ctx: Context, theme: str | None) -> bool:
    """``rotui demo --read-only`` with a demo running: its dashboard, read-only. False: none runs."""
    running = find_running_demo()
    if running is None:
        return False
    from rotui.ui.app import make_app

    observer = follow_context(ctx, running)  # the files of the demo it names, no other's
    observer.services().hints = demo_hints(rotui_command(), observer=True)
    ctx.say(f"rotui demo: following the demo of process {running.pid} (read-only)")
    app = make_app(observer.services(), read_only=True, demo=True, theme=theme)
    stop = watch_followed(app, running)
    try:
        app.run()
    finally:
        stop.set()
    return True


def watch_followed(app: Any, running: RunningDemo, interval: float = 0.2) -> threading.Event:
    """Leave the observer's app, saying why, as soon as the demo it follows ends: its files go
    then, and a dashboard left open would show every key reset to "never"."""

    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(interval):
            if still_followed(running):
                continue
            try:  # RuntimeError: the app is not running yet (tried again) or any more
                app.call_from_thread(app.exit, message=followed_ended(running))
                return
            except RuntimeError:
                continue

    threading.Thread(target=watch, name="rotui-follow", daemon=True).start()
    return stop


def _headless_tour(ctx: Context, demo_ctx: Context, status: Command, validate: Command) -> None:
    """``rotui demo --headless``: status, validation against the simulated API, status again."""
    ctx.say("rotui demo: before validation")
    status(argparse.Namespace(json=False), demo_ctx)
    ctx.say("\nrotui demo: validating every key against the simulated API")
    validate(argparse.Namespace(names=[], json=False, ping=False, read_only=False), demo_ctx)
    ctx.say("\nrotui demo: after validation")
    status(argparse.Namespace(json=False), demo_ctx)
