"""The command line: ``rotui`` (the dashboard) and ``rotui status | validate | check | key |
init | rotate | revoke | runs | report | audit | doctor | demo | serve``.

Exit codes everywhere: 0 ok, 1 a check failed, 2 usage or configuration error. ``--json`` puts
one JSON document on stdout; messages and errors go to stderr. Heavy imports (httpx, keyring,
Textual) happen inside the commands that need them, so ``rotui status`` starts fast. What a
command runs against is :class:`rotui.context.Context`.

Over 400 lines, and ``build_parser`` over 60: the split into a package (parser, context,
rendering, one module per command) is issue 14's remaining part, left to its own change.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING, Any, TextIO, cast

from rotui import __version__
from rotui.context import Context, OutputClosed, _flush
from rotui.core.errors import RotuiError, UsageError
from rotui.paths import Paths

if TYPE_CHECKING:
    from rotui.core.validation import ValidationRun
    from rotui.services import Services


def _silence(stream: IO[str]) -> None:
    """Point a closed pipe's descriptor at /dev/null, so the final flush at exit is quiet too."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return  # not a file (a test's StringIO): nothing will flush it at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


EXIT_CLOSED_PIPE = 141  # 128 + SIGPIPE: what `yes | head -1` reports for `yes`


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rotui",
        description="Rotate, revoke and troubleshoot API keys (Anthropic first).",
    )
    parser.add_argument("--version", action="version", version=f"rotui {__version__}")
    _add_global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    _status_parser(sub)

    p = sub.add_parser("validate", help="check keys against the API and store the results")
    p.add_argument("names", nargs="*", metavar="NAME", help="keys to validate (default: all)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument(
        "--ping",
        action="store_true",
        help="send a 1-token message (billed) instead of listing models",
    )

    p = sub.add_parser(
        "check", help="for cron: exit 1 when a key is overdue or failed its last validation"
    )
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument(
        "--notify",
        action="store_true",
        help="send the summary to the [notify] urls when it changed since the last one",
    )

    p = sub.add_parser("key", help="store or remove a key in the keyring")
    keysub = p.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    k = keysub.add_parser("set", help="read a key from stdin (hidden on a terminal) and store it")
    k.add_argument("name", nargs="?", metavar="NAME")
    k.add_argument(
        "--admin",
        action="store_true",
        help='store the Admin API key (settings.admin_key = "keyring")',
    )
    k = keysub.add_parser("delete", help="remove a key from the keyring")
    k.add_argument("name", nargs="?", metavar="NAME")
    k.add_argument("--admin", action="store_true", help="remove the stored Admin API key")

    sub.add_parser("init", help="write a commented starter configuration (mode 0600)")

    p = sub.add_parser("rotate", help="rotate a key: the SOP as a resumable wizard (or --headless)")
    p.add_argument("name", metavar="NAME")
    p.add_argument(
        "--headless", action="store_true", help="no screen: the new key on stdin, a line per step"
    )
    p.add_argument(
        "--confirm-manual", action="store_true", help="confirm manual steps (each one is audited)"
    )
    p.add_argument(
        "--revoke",
        action="store_true",
        help="allow the revoke step (the typed confirmation, headless)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="check every credential and tool and print the plan; change nothing",
    )
    p.add_argument(
        "--rollback",
        action="store_true",
        help="put the current key back on every consumer and discard PENDING "
        "(an emergency revoke: rotui revoke NAME --rollback)",
    )
    p.add_argument(
        "--take-over",
        action="store_true",
        help="take over a run whose rotui was killed (its lock was never released)",
    )

    p.add_argument("--ack-holders", metavar="NAME", default="",
                   help="revoke although places outside the config hold the old key (type its name)")  # fmt: skip

    p = sub.add_parser("holders", help="where does this key live? every place holding it, by fingerprint")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser(
        "revoke", help="emergency revoke: revoke now or overlap (the screen, or --headless)"
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument(
        "--headless", action="store_true", help="no screen: the new key on stdin, a line per step"
    )
    p.add_argument(
        "--mode",
        choices=("now", "overlap"),
        help="now: deactivate first, accept downtime; overlap: fast rotation",
    )
    p.add_argument(
        "--confirm",
        default="",
        metavar="NAME",
        help="the key's name, typed: the headless confirmation",
    )
    p.add_argument(
        "--confirm-manual",
        action="store_true",
        help="confirm manual steps, incl. a Console revoke (audited)",
    )
    p.add_argument(
        "--exposed-at",
        metavar="TIME",
        help="when the key may have leaked, in UTC ('2026-11-26 14:30', ISO 8601) or relative "
        "('2h ago'), to flag usage after it",
    )
    p.add_argument(
        "--rollback",
        action="store_true",
        help="roll back an overlap emergency before its revoke: the old key back on every "
        "consumer, PENDING discarded (a revoke-now run cannot be rolled back)",
    )
    p.add_argument(
        "--take-over",
        action="store_true",
        help="take over a run whose rotui was killed (its lock was never released)",
    )

    p = sub.add_parser("runs", help="list rotation and emergency runs (ids for `rotui report`)")
    p.add_argument("names", nargs="*", metavar="NAME", help="only these keys")
    p.add_argument("--json", action="store_true", help="print one JSON document")

    _report_parser(sub)
    _audit_parser(sub)

    _doctor_parser(sub)
    p = sub.add_parser(
        "import", help="list the organisation's keys (Admin API) as a configuration fragment"
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to a NEW file FILE (mode 0600), not stdout"
    )

    p = sub.add_parser(
        "demo", help="run on the built-in demo inventory and a simulated API on loopback"
    )
    p.add_argument(
        "--headless",
        action="store_true",
        help="print status and validation instead of the dashboard",
    )
    follow = p.add_subparsers(
        dest="demo_command",
        metavar="COMMAND",
        title="on the demo another terminal runs (rotui demo --read-only follows it live)",
    )
    _status_parser(follow)
    _report_parser(follow)
    _audit_parser(follow)

    from rotui.serve import DEFAULT_HOST, DEFAULT_PORT, port_number

    p = sub.add_parser(
        "serve",
        help="the dashboard in a browser (textual-serve; loopback only, use an SSH tunnel)",
        description="Serve the dashboard as a web page with textual-serve (pip install "
        "'rotui[serve]'). The page has NO authentication, so it binds 127.0.0.1 and refuses "
        "other addresses unless --allow-remote is given; reach it from another machine with "
        f"`ssh -L {DEFAULT_PORT}:127.0.0.1:{DEFAULT_PORT} HOST`.",
    )
    p.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})"
    )
    p.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"port to listen on, 1-65535 (default: {DEFAULT_PORT})",
    )
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host: anyone who reaches it can drive rotui",
    )
    p.add_argument("--demo", action="store_true", help="serve `rotui demo` instead")
    p.add_argument(
        "--keep-token",
        action="store_true",
        help="keep the token when the last session closes (by default it expires then)",
    )
    p.add_argument(
        "--public-url",
        metavar="URL",
        help="the URL the browser uses, when it differs from http://HOST:PORT",
    )
    _accept_global_options_everywhere(sub)
    return parser


def _status_parser(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "status", help="age, freshness and last validation of every key (no network)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON document")


def _report_parser(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser("report", help="an incident report of a run, in Markdown")
    p.add_argument("run_id", metavar="RUN_ID", help="a run id, as `rotui runs` lists them")
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (mode 0600) instead of stdout"
    )


def _audit_parser(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser("audit", help="print the audit log and check its hash chain")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument(
        "--verify", action="store_true", help="only check the chain (exit 1 when broken)"
    )
    p.add_argument("--key", metavar="NAME", help="only this key's entries")


def _add_global_options(parser: argparse.ArgumentParser, after: bool = False) -> None:
    """--config, --read-only and --theme; ``after``: on a subcommand, where a value given before
    the subcommand must survive (SUPPRESS leaves the attribute alone unless the option is used)."""
    default: dict[str, Any] = {"default": argparse.SUPPRESS} if after else {}
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="configuration file (default: $ROTUI_CONFIG, then the user config dir)",
        **default,
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="dashboard as an observer: follow another rotui, change nothing",
        **default,
    )
    parser.add_argument(
        "--theme",
        metavar="NAME",
        help="a Textual theme for the dashboard (default: settings.theme)",
        **default,
    )


def _accept_global_options_everywhere(sub: argparse._SubParsersAction[Any]) -> None:
    """``rotui status --config F`` as well as ``rotui --config F status``, at every depth."""
    for parser in set(sub.choices.values()):
        _add_global_options(parser, after=True)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _accept_global_options_everywhere(action)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = Context(paths=Paths.default(), config_arg=args.config)
    return run(args, ctx, parser)


def run(
    args: argparse.Namespace, ctx: Context, parser: argparse.ArgumentParser | None = None
) -> int:
    """Run one command, turning every expected failure into a message and an exit code."""
    commands: dict[str, Callable[[argparse.Namespace, Context], int]] = {
        "status": cmd_status,
        "validate": cmd_validate,
        "check": cmd_check,
        "key": cmd_key,
        "init": cmd_init,
        "demo": cmd_demo,
        "rotate": cmd_rotate,
        "doctor": cmd_doctor,
        "revoke": cmd_revoke_checked,
        "report": cmd_report,
        "runs": cmd_runs,
        "audit": cmd_audit,
        "serve": cmd_serve,
        "holders": cmd_holders,
        "import": cmd_import,
    }
    from rotui import hangup

    try:
        try:
            hangup.install()  # the full-screen app installs its own when it starts
            if not args.command:
                return cmd_dashboard(args, ctx)
            return commands[args.command](args, ctx)
        except hangup.Hangup as hung:
            ctx.say(
                f"rotui: {hangup.describe(hung.signum)}: stopped; every step so far is journaled"
                + (
                    f" and the lock of {', '.join(hung.keys)} released; run the same command "
                    "to resume"
                    if hung.keys
                    else ""
                )
            )
            return hung.exit_code
        except RotuiError as exc:
            ctx.say(f"rotui: {exc}")
            return exc.exit_code
        except KeyboardInterrupt:
            ctx.say("rotui: interrupted")
            return 130  # the shell's convention for SIGINT
        except OutputClosed:
            raise
        except Exception as exc:  # last resort: a message and a redacted log, never a traceback
            return _internal_error(exc, ctx)
        finally:
            _flush(ctx.stdout)  # what is still buffered meets a closed pipe here, not at exit
    except OutputClosed as closed:
        _silence(closed.stream)
        return EXIT_CLOSED_PIPE


def _internal_error(exc: BaseException, ctx: Context) -> int:
    import traceback

    from rotui.core.fsio import atomic_write
    from rotui.core.secret import redact

    stamp = ctx.clock().strftime("%Y%m%dT%H%M%S.%fZ")
    where = ctx.paths.log_dir / f"crash-{stamp}-{os.getpid()}.log"
    text = redact("".join(traceback.format_exception(exc)))
    try:
        atomic_write(where, text.encode())
        detail = f"details in {where}"
    except RotuiError:
        detail = "and the crash log could not be written"
    ctx.say(f"rotui: internal error ({type(exc).__name__}); {detail}. Please report it.")
    return 1


def _status_rows(ctx: Context) -> list[dict[str, Any]]:
    from rotui.state import result_summary

    services = ctx.services()
    snap = services.snapshot()
    for warning in snap.warnings:
        ctx.say(f"rotui: warning: {warning}")
    return [
        {
            "name": row.name,
            "environment": row.key.environment,
            "workspace": row.key.workspace,
            "created": row.created.isoformat() if row.created else None,
            "age_days": row.age.age_days,
            "due": row.age.due.isoformat() if row.age.due else None,
            "due_in_days": row.age.due_in_days,
            "freshness": str(row.age.freshness),
            "last_validation": result_summary(row.last),
            "consumers": len(row.key.consumers),
        }
        for row in services.rows(snap)
    ]


def _ago(iso: str, now: dt.datetime) -> str:
    seconds = max((now - dt.datetime.fromisoformat(iso)).total_seconds(), 0)
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return "just now"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


FRESHNESS_WORDS = {
    "fresh": "fresh",
    "due_soon": "due soon",
    "overdue": "OVERDUE",
    "unknown": "unknown",
}


def cmd_status(args: argparse.Namespace, ctx: Context) -> int:
    rows = _status_rows(ctx)
    if args.json:  # one key per line: json's C encoder (indent= is pure Python: 10,000 keys)
        head = json.dumps(ctx.clock().isoformat())
        body = ",\n    ".join(json.dumps(row, ensure_ascii=False) for row in rows)
        ctx.out(f'{{\n  "generated_at": {head},\n  "keys": [' + (f"\n    {body}\n  ]\n}}" if rows else "]\n}"))
        return 0
    if not rows:
        ctx.say("rotui: no keys configured yet; add a [[keys]] table to the configuration")
        return 0
    now = ctx.clock()
    table = []
    for row in rows:
        last = row["last_validation"]
        table.append(
            [
                row["name"],
                row["environment"] or "-",
                row["workspace"],
                "?" if row["age_days"] is None else f"{row['age_days']}d",
                "?" if row["due_in_days"] is None else f"{row['due_in_days']}d",
                FRESHNESS_WORDS[row["freshness"]],
                f"{last['status']} {_ago(last['checked_at'], now)}" if last else "never",
                str(row["consumers"]),
            ]
        )
    ctx.out(
        _table(
            ["NAME", "ENV", "WORKSPACE", "AGE", "DUE IN", "FRESHNESS", "LAST CHECK", "CONSUMERS"],
            table,
        )
    )
    return 0


def cmd_validate(args: argparse.Namespace, ctx: Context) -> int:
    import asyncio

    from rotui.core.model import ValidationMode

    services = ctx.services()
    if not services.config.keys:
        ctx.say("rotui: no keys configured; nothing to validate")
        return 0
    services.keys(args.names)  # unknown names are a usage error before any network call
    mode = ValidationMode.PING if args.ping else None
    run = asyncio.run(services.validate(args.names, mode=mode))
    for warning in run.warnings:
        ctx.say(f"rotui: warning: {warning}")
    _report_keyring_trouble(run, ctx)
    if args.json:
        _print_json_results(ctx, run)
    else:
        rows = [
            [
                r.key,
                str(r.status),
                str(r.http_status or "-"),
                f"{r.latency_ms:.0f} ms" if r.latency_ms is not None else "-",
                r.hint or "-",
                (r.message or "")[:80],
            ]
            for r in run.results
        ]
        ctx.out(_table(["NAME", "STATUS", "HTTP", "LATENCY", "KEY", "DETAIL"], rows))
    return 0 if run.all_valid else 1


def _print_json_results(ctx: Context, run: ValidationRun) -> None:
    """``{"all_valid": ..., "results": [...]}`` written result by result, never built whole."""
    write = ctx.write
    write(f'{{\n  "all_valid": {json.dumps(run.all_valid)},\n  "results": [')
    for index, r in enumerate(run.results):
        item = {
            **r.to_dict(),
            "remote": run.remote[r.key].to_dict() if r.key in run.remote else None,
        }
        body = json.dumps(item, indent=2).replace("\n", "\n    ")
        write(("\n    " if index == 0 else ",\n    ") + body)
    write("\n  ]\n}\n" if run.results else "]\n}\n")


def _report_keyring_trouble(run: ValidationRun, ctx: Context) -> None:
    """Say once, not per key, when the keyring itself is the problem."""
    seen = set()
    for result in run.results:
        for title in ("keyring unavailable", "the keyring did not answer"):
            if result.message.startswith(title) and title not in seen:
                seen.add(title)
                ctx.say(f"rotui: {result.message}")


def cmd_check(args: argparse.Namespace, ctx: Context) -> int:
    if args.notify and not ctx.load_config().notify_urls:
        raise UsageError(
            "--notify needs [notify] urls", 'e.g. [notify] urls = ["env:ROTUI_NOTIFY_URL"]'
        )
    rows = _status_rows(ctx)
    problems = []
    for row in rows:
        last = row["last_validation"]
        if row["freshness"] == "overdue":
            problems.append(
                {"name": row["name"], "problem": "overdue", "detail": f"due {row['due']}"}
            )
        if last and last["status"] != "valid":
            problems.append(
                {"name": row["name"], "problem": "failed_validation", "detail": last["status"]}
            )
    if args.json:
        ctx.out(
            json.dumps({"ok": not problems, "checked": len(rows), "problems": problems}, indent=2)
        )
    elif problems:
        for p in problems:
            ctx.out(f"{p['name']}: {p['problem'].replace('_', ' ')} ({p['detail']})")
    else:
        ctx.out(f"ok: {len(rows)} keys, none overdue, none failing")
    if args.notify:
        _notify_check(ctx)
    return 1 if problems else 0


def _notify_check(ctx: Context) -> None:
    """``check --notify``: a failed notification is reported and audited, never an exit code."""
    import asyncio

    from rotui.core.notify import notify_check

    services = _reporting(ctx)
    notifier = services.notifier()
    assert notifier is not None  # cmd_check refused --notify without urls
    where = ctx.paths.state_dir / "notify.json"
    done = asyncio.run(notify_check(notifier, services.rows(), where, ctx.clock().isoformat()))
    ctx.say(
        {
            "sent": "rotui: notification sent",
            "unchanged": "rotui: no notification: nothing changed since the last one",
            "failed": "rotui: warning: the notification was not delivered; it is tried again "
            "on the next check",
        }[done]
    )


def _reporting(ctx: Context) -> Services:
    """The services, with a failed notification reported on stderr (not under a full screen)."""
    services = ctx.services()
    services.notices = lambda text: ctx.say(f"rotui: warning: {text}")
    return services


def _read_secret_input(ctx: Context, prompt: str) -> str:
    """The key from a hidden prompt on a terminal, else from piped stdin."""
    if ctx.stdin is None or ctx.stdin.closed:
        raise UsageError("no input", "pipe the key on stdin, or run this in a terminal to paste it")
    try:
        if ctx.stdin.isatty():
            import getpass

            return getpass.getpass(prompt, stream=cast(TextIO, ctx.stderr))
        return ctx.stdin.read(65536)
    except EOFError:
        raise UsageError("no key given", "the input ended before a key was pasted") from None
    except UnicodeDecodeError:
        raise UsageError(
            "not an API key", "the input is not text; paste the key as shown in the Console"
        ) from None


def cmd_key(args: argparse.Namespace, ctx: Context) -> int:
    from rotui.core.secret import check_admin_key, check_api_key
    from rotui.core.validation import ADMIN_USERNAME

    if args.admin == bool(args.name):
        raise UsageError("name a key or pass --admin", "e.g. `rotui key set ANTHROPIC_API_KEY`")
    store = ctx.secret_store()
    if args.admin:
        username, label = ADMIN_USERNAME, "the Admin API key"
    else:
        config = ctx.load_config()
        key = config.key(args.name)
        if key is None:
            raise UsageError(
                f"unknown key {args.name!r}",
                "add it to the configuration first; configured keys: "
                + (", ".join(k.name for k in config.keys) or "none"),
            )
        username, label = key.name, key.name
        if args.key_command == "set" and key.source != "keyring":
            ctx.say(
                f"rotui: warning: {key.name} is read from {key.source.split(':')[0]}:, not the "
                'keyring; the stored value will only be used if you set source = "keyring"'
            )
    if args.key_command == "delete":
        if store.delete_keyring(username):
            ctx.say(f"rotui: removed {label} from the keyring")
            return 0
        ctx.say(f"rotui: {label} was not in the keyring")
        return 1
    raw = _read_secret_input(ctx, f"Paste {label} (input hidden): ")
    if args.admin:
        secret = check_admin_key(raw)
    else:
        checked = check_api_key(raw)
        for warning in checked.warnings:
            ctx.say(f"rotui: warning: {warning}")
        secret = checked.secret
    store.set_keyring(username, secret)
    ctx.say(f"rotui: stored {secret.hint} as {label} in the keyring")
    return 0


def cmd_init(args: argparse.Namespace, ctx: Context) -> int:
    from rotui.config import resolve_config_path, write_starter_config

    path, _origin = resolve_config_path(ctx.config_arg, ctx.environ)
    write_starter_config(path)
    ctx.say(
        f"rotui: wrote {path} (mode 0600); edit it, then `rotui key set NAME` and `rotui validate`"
    )
    return 0


def _doctor_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``rotui doctor [NAME] [--json] [--flow ID]``, its help built from the flows it offers."""
    from rotui.core.troubleshoot.flows import FLOWS

    p = sub.add_parser(
        "doctor",
        help="diagnose a key or the environment (exit 0 healthy, 1 a problem found)",
        description="Without --flow: the environment (keyring, config, state dir, clock, "
        "reachability), plus “my key stopped working” for NAME. Flows: "
        + "; ".join(f"{f.id}: {f.title}" for f in FLOWS.values()),
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="the key to diagnose")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument(
        "--flow", choices=list(FLOWS), metavar="ID", help="one flow: " + ", ".join(FLOWS)
    )


def cmd_doctor(args: argparse.Namespace, ctx: Context) -> int:
    """``rotui doctor``: run the diagnoses, print the report on stdout, return its exit code."""
    import asyncio

    from rotui.core.troubleshoot import run_doctor

    code, text = asyncio.run(run_doctor(ctx.services(), args.name, args.json, args.flow))
    ctx.out(text)
    return code


def cmd_rotate(args: argparse.Namespace, ctx: Context) -> int:
    import asyncio

    services = ctx.services()
    services.keys([args.name])  # an unknown name is a usage error before anything else
    if args.dry_run:
        return asyncio.run(_dry_run(services, args.name, ctx))
    if args.rollback:
        return asyncio.run(_rollback(services, args.name, ctx, "rotation", args.take_over))
    if not args.headless:
        from rotui.ui.app import make_app

        app = make_app(services, rotate=args.name, theme=args.theme, notices=ctx.warnings)
        _need_terminal(ctx, "add --headless to rotate from a script")
        app.run()
        return 0
    from rotui.core.headless import HeadlessOptions, drive

    def read_key() -> str:
        return _read_secret_input(ctx, f"Paste the new key for {args.name} (input hidden): ")

    async def go() -> int:
        _reporting(ctx)
        async with services.rotation(args.name, take_over=args.take_over) as rotation:
            from rotui.core.holders.gate import HolderGate

            options = HeadlessOptions(confirm_manual=args.confirm_manual, revoke=args.revoke,
                                      holders=HolderGate(rotation, services.config, ctx.environ),
                                      ack_holders=args.ack_holders)  # fmt: skip
            return await drive(rotation, read_key, options, ctx.out)

    return asyncio.run(go())


async def _dry_run(services: Services, name: str, ctx: Context) -> int:
    from rotui.core.runs import STEP_TITLES

    # The dry run writes nothing: no lock, so it answers even while another rotui drives the key.
    async with services.rotation(name, lock=False) as rotation:
        checks = await rotation.preflight()
        steps = rotation.steps_for_kind()
        active = services.runs().active(name)
    ctx.out(f"plan for {name}" + (f" (resuming run {active.run_id})" if active else ""))
    for number, step in enumerate(steps, start=1):
        ctx.out(f"  {number}. {STEP_TITLES[step]}")
    ready = True
    ctx.out("checks:")
    for what, problems in checks:
        ready = ready and not problems
        ctx.out(
            f"  {'✓' if not problems else '✗'} {what}" + "".join(f"\n      {p}" for p in problems)
        )
    ctx.out("nothing was changed" + ("" if ready else "; fix the ✗ items before rotating"))
    return 0 if ready else 1


ROLLBACK_COMMANDS = {"rotation": "rotate", "emergency": "revoke"}
RUN_WORDS = {"rotation": "rotation", "emergency": "emergency revoke"}
RUN_ARTICLES = {"rotation": "a", "emergency": "an"}


async def _rollback(
    services: Services, name: str, ctx: Context, kind: str, take_over: bool = False
) -> int:
    """``rotate --rollback`` for a rotation, ``revoke --rollback`` for an emergency revoke."""
    from rotui.core.rotation import rollback_refusal, run_mode

    active = services.runs().active(name)
    if active is None:
        raise UsageError(f"no {RUN_WORDS[kind]} of {name} in progress", "nothing to roll back")
    if active.kind != kind:
        raise UsageError(
            f"{name} has {RUN_ARTICLES[active.kind]} {RUN_WORDS[active.kind]} in progress, "
            f"not {RUN_ARTICLES[kind]} {RUN_WORDS[kind]}",
            f"roll back run {active.run_id} with "
            f"`rotui {ROLLBACK_COMMANDS[active.kind]} {name} --rollback`",
        )
    refusal = rollback_refusal(active)
    if refusal is not None:  # before taking the lock: nothing to wait for
        raise UsageError(
            f"run {active.run_id} of {name} cannot be rolled back",
            f"{refusal} (`rotui {ROLLBACK_COMMANDS[kind]} {name}` resumes it)",
        )
    mode = run_mode(active)
    async with services.rotation(name, kind=kind, mode=mode, take_over=take_over) as rotation:
        rotation.open()
        manual = await rotation.rollback()
        restored = [n for n, r in rotation._run().consumers.items() if r.value is not None]
    ctx.out(
        f"rolled back run {active.run_id}: the old key is back on every consumer rotui wrote"
        + (f" ({', '.join(sorted(restored))})" if restored else " (it had written none)")
        + "; PENDING discarded"
    )
    for line in manual:
        ctx.out(f"  restore by hand: {line}")
    if kind == "emergency":
        ctx.say(
            f"rotui: warning: the old key of {name} is still active, and it may have leaked; "
            f"revoke it as soon as you can (rotui revoke {name})"
        )
    return 0


def _exposed(value: str | None, now: dt.datetime) -> dt.datetime | None:
    if value is None:
        return None
    from rotui.core.timeparse import parse_exposure

    return parse_exposure(value, now, what="--exposed-at")


def cmd_revoke(args: argparse.Namespace, ctx: Context) -> int:
    import asyncio

    services = ctx.services()
    services.keys([args.name])
    exposed = _exposed(args.exposed_at, services.clock())
    if args.rollback:
        return asyncio.run(_rollback(services, args.name, ctx, "emergency", args.take_over))
    active = services.runs().active(args.name)
    if not args.headless:
        from rotui.ui.app import make_app

        app = make_app(
            services,
            emergency=args.name,
            theme=args.theme,
            exposed_at=exposed,
            notices=ctx.warnings,
        )
        _need_terminal(ctx, "add --headless to run the emergency from a script")
        app.run()
        return 0
    if active is not None and active.kind != "emergency":
        from rotui.core.rotation.policy import Verdict, start_conflict

        verdict = start_conflict(active, "emergency", args.mode or "now")
        if verdict.verdict is Verdict.REFUSE:
            raise UsageError(verdict.title, verdict.message)
        active = None  # it wrote nothing: the emergency supersedes it when it starts (audited)
    if active is None and not args.mode:
        raise UsageError(
            "choose --mode now or --mode overlap",
            "now: revoke first, accept downtime; overlap: new key, propagate, verify, then revoke",
        )
    mode = active.mode if active is not None else args.mode
    from rotui.core.headless import HeadlessOptions, drive

    def read_key() -> str:
        return _read_secret_input(ctx, f"Paste the new key for {args.name} (input hidden): ")

    async def go() -> int:
        _reporting(ctx)
        async with services.rotation(
            args.name, kind="emergency", mode=mode, exposed_at=exposed, take_over=args.take_over
        ) as rotation:
            rotation.open()
            usage = await _usage_lines(rotation, exposed)
            for line in usage:
                ctx.out(line)
            from rotui.core.holders.gate import HolderGate

            # An overlap emergency revokes the old key after propagation: the places that still
            # hold it are shown first, and the typed --confirm NAME acknowledges them (audited).
            gate = HolderGate(rotation, services.config, ctx.environ) if mode == "overlap" else None
            options = HeadlessOptions(
                confirm_manual=args.confirm_manual,
                confirm=args.confirm,
                holders=gate,
                ack_holders=args.confirm,
            )
            return await drive(rotation, read_key, options, ctx.out)

    return asyncio.run(go())


async def _usage_lines(rotation: Any, exposed: dt.datetime | None) -> list[str]:
    """The old key's tokens over the last 24 h and 7 days, hour by hour, flagged after exposure."""
    from rotui.core.errors import RotuiError
    from rotui.core.usage import SHOWN_HOURS

    try:
        summary = await rotation.old_key_usage_window(exposed)
    except RotuiError as exc:
        return [f"! usage not available: {exc}"]
    if summary is None:
        return ["  usage: needs the Admin API (settings.admin_key)"]
    lines = [f"  old key usage: {summary.headline()}"]
    days = summary.by_day()
    for day in sorted(days):
        lines.append(f"    {day.isoformat()}  {days[day]:>12,}")
    flagged = summary.flagged
    if summary.exposed_at is not None:
        lines.append(f"  {summary.exposure_line()}")
    hours = sorted(flagged)
    for hour in hours[:SHOWN_HOURS]:
        lines.append(
            f"    {hour:%Y-%m-%d %H:00}  {flagged[hour]:>12,} ← after the suspected exposure"
        )
    if len(hours) > SHOWN_HOURS:
        rest = sum(flagged[h] for h in hours[SHOWN_HOURS:])
        lines.append(f"    … {len(hours) - SHOWN_HOURS} more hour(s)  {rest:>12,}")
    return lines


def cmd_runs(args: argparse.Namespace, ctx: Context) -> int:
    """Every run, newest first: id, key, kind, mode, status, step, started, who."""
    from rotui.core.runs import RunStore

    store = RunStore(ctx.paths.state_dir)
    runs = [r for r in reversed(store.all()) if not args.names or r.key in args.names]
    unknown = sorted(set(args.names) - {r.key for r in store.all()})
    if unknown and not runs:
        configured = {k.name for k in ctx.load_config().keys}
        missing = [n for n in unknown if n not in configured]
        if missing:
            raise UsageError(f"no key named {missing[0]!r} in the config", "`rotui status` lists them")
    rows = [
        {
            "run_id": r.run_id,
            "key": r.key,
            "kind": r.kind,
            "mode": r.mode,
            "status": str(r.status),
            "step": r.current_step() if r.status == "active" else None,
            "started": r.started_at,
            "updated": r.updated_at,
            "actor": r.actor,
        }
        for r in runs
    ]
    if args.json:
        ctx.out(json.dumps({"runs": rows, "damaged": store.damaged}, indent=2))
        return 0
    for name in store.damaged:
        ctx.say(f"rotui: warning: run file {name} is damaged and was skipped")
    if not rows:
        ctx.out("no runs" + (f" of {', '.join(args.names)}" if args.names else "") + " yet")
        return 0
    table = [
        [
            str(r["run_id"]),
            str(r["key"]),
            str(r["kind"]),
            str(r["mode"]),
            str(r["status"]),
            str(r["step"] or "-"),
            str(r["started"])[:16].replace("T", " "),
            str(r["actor"]),
        ]
        for r in rows
    ]
    ctx.out(_table(["RUN", "KEY", "KIND", "MODE", "STATUS", "STEP", "STARTED", "BY"], table))
    return 0


def cmd_report(args: argparse.Namespace, ctx: Context) -> int:
    from rotui.core.audit import AuditLog
    from rotui.core.report import incident_report
    from rotui.core.runs import RunStore

    store = RunStore(ctx.paths.state_dir)
    if not _known_run(store, args.run_id):
        recent = [r.run_id for r in reversed(store.all())][:3]
        raise UsageError(
            f"no run {args.run_id!r}",
            (f"recent runs: {', '.join(recent)}" if recent else "no run has been recorded yet")
            + f"; `rotui runs` lists them all (kept in {store.dir})",
        )
    run = store.load(args.run_id)
    text = incident_report(run, AuditLog(ctx.paths.data_dir).entries())
    if args.output:
        _write_private(args.output, text)
        ctx.say(f"rotui: wrote {args.output}")
    else:
        ctx.out(text)
    return 0


def cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    """Every key of the organisation as a commented TOML fragment; configured ones skipped."""
    import asyncio

    from rotui.core.inventory import build_fragment, configured_ids
    from rotui.core.validation import read_admin_key

    services = ctx.services()
    config = services.config
    if not config.settings.admin_key:
        raise UsageError(
            "rotui import needs the Admin API",
            'set settings.admin_key (e.g. admin_key = "env:ANTHROPIC_ADMIN_KEY")',
        )
    known = configured_ids(config, services.snapshot().remote)

    async def go() -> tuple[str, Any]:
        admin = await read_admin_key(config.settings, services.store)
        assert admin is not None  # admin_key is set: read_admin_key raises when it gives nothing
        http, client = services.client()
        async with http:  # the Admin API at settings.admin_base_url, as every Admin call
            return await build_fragment(client, admin, config, known, ctx.clock())

    text, plan = asyncio.run(go())
    for remote, name in plan.skipped:
        ctx.say(f"rotui: skipped {remote.name or '(unnamed)'} ({remote.id}): configured as {name}")
    if args.output:
        _write_private(args.output, text, new=True)
        ctx.say(f"rotui: wrote {len(plan.keys)} key(s) to {args.output}")
    else:
        ctx.out(text.rstrip("\n"))
    return 0


def _write_private(path: str, text: str, new: bool = False) -> None:
    """Write a report 0600, never through a symlink and never into a FIFO, device or other's file.

    ``O_NOFOLLOW`` refuses a link planted at the name; the file is checked, made 0600 and only
    then emptied, so an existing looser file does not keep its mode. The directory is the
    operator's and left as it is. ``new``: an existing name (a link included) is refused, never
    overwritten.
    """
    import errno
    import stat

    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | (os.O_EXCL if new else 0), 0o600)
    except FileExistsError:
        raise UsageError(f"{path} already exists", "not overwriting it; name a new file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UsageError(
                f"cannot write {path}",
                "it is a symbolic link; rotui does not write a report through one",
            ) from None
        raise UsageError(f"cannot write {path}", exc.strerror or str(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"cannot write {path}", "it is not a regular file")
        if info.st_uid != os.geteuid():
            raise UsageError(f"cannot write {path}", "it belongs to another user")
        os.fchmod(fd, 0o600)
        os.ftruncate(fd, 0)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "w") as handle:
            fd = -1
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}", exc.strerror or str(exc)) from None
    finally:
        if fd >= 0:
            os.close(fd)


def _known_run(store: Any, run_id: str) -> bool:
    """A run id names a file in the runs directory, never a path elsewhere."""
    if not run_id or run_id.startswith(".") or "/" in run_id or os.sep in run_id:
        return False
    return bool(store.path(run_id).is_file())


def cmd_audit(args: argparse.Namespace, ctx: Context) -> int:
    from rotui.core.audit import AuditLog

    log = AuditLog(ctx.paths.data_dir)
    if args.key:
        _check_audited_key(args.key, ctx, [e.key for e in log.entries()])
    report = log.verify()
    if args.verify and not args.json:
        ctx.out(f"audit {report.summary}")
        return 0 if report.ok else 1
    entries = [e for e in log.entries() if not args.key or e.key == args.key]
    if args.json:
        document = {
            "chain": {
                "ok": report.ok,
                "entries": report.entries,
                "line": report.line,
                "problem": report.problem,
                "kind": report.kind,
                "legacy": report.legacy,
            },
            "entries": [{**e.body(), "hash": e.hash} for e in entries],
        }
        ctx.out(json.dumps(document, indent=2))
    else:
        for entry in entries:
            context = " ".join(f"{k}={v}" for k, v in entry.context.items())
            ctx.out(
                f"{entry.ts:%Y-%m-%d %H:%M:%S} {entry.actor} {entry.action} {entry.key or '-'} {context}".rstrip()
            )
        ctx.say(f"rotui: {report.summary}")
    return 0 if report.ok else 1


def _check_audited_key(name: str, ctx: Context, audited: list[str | None]) -> None:
    """``audit --key NAME``: a usage error unless NAME is configured (or in the log already)."""
    if name in audited:
        return  # a key since removed from the configuration keeps its history
    configured = [k.name for k in ctx.load_config().keys]
    if name not in configured:
        raise UsageError(
            f"unknown key {name!r}",
            "configured keys: " + (", ".join(configured) or "none"),
        )


def _need_terminal(ctx: Context, instead: str) -> None:
    """The full-screen UI needs a terminal on stdin and stdout; without one it would hang.

    A driver named in ``TEXTUAL_DRIVER`` (textual-serve's web driver, per browser tab) brings
    its own screen and input, so it needs none.
    """
    if ctx.environ.get("TEXTUAL_DRIVER"):
        return
    if ctx.stdin is None or not ctx.stdin.isatty() or not ctx.stdout.isatty():
        raise UsageError(
            "no terminal",
            f"the full-screen UI needs a terminal on stdin and stdout; {instead}",
        )


def _check_confirm(args: argparse.Namespace) -> None:
    """A typed confirmation that names another key is refused, and said so, before anything."""
    if args.confirm and args.confirm != args.name:
        raise UsageError(
            f"--confirm {args.confirm} does not match the key's name {args.name}",
            f"type the name of the key to revoke: --confirm {args.name}",
        )


def cmd_revoke_checked(args: argparse.Namespace, ctx: Context) -> int:
    """``rotui revoke``: the confirmation checked here, the rest in :func:`cmd_revoke`."""
    _check_confirm(args)
    return cmd_revoke(args, ctx)


def cmd_holders(args: argparse.Namespace, ctx: Context) -> int:
    from rotui.cli_holders import run_holders

    return run_holders(args.names, args.json, ctx)


def cmd_dashboard(args: argparse.Namespace, ctx: Context) -> int:
    """``rotui``: the full-screen dashboard on the configured inventory."""
    from rotui.ui.app import make_app

    app = make_app(ctx.services(), read_only=args.read_only, theme=args.theme, notices=ctx.warnings)
    _need_terminal(ctx, "use `rotui status` (or `--json`) in scripts, or `rotui serve` for a browser")
    app.run()
    return 0


def cmd_demo(args: argparse.Namespace, ctx: Context) -> int:
    from rotui.demo import follow_context, run_demo

    if getattr(args, "demo_command", None):  # `rotui demo audit`: on the running demo's files
        commands = {"status": cmd_status, "report": cmd_report, "audit": cmd_audit}
        return commands[args.demo_command](args, follow_context(ctx))
    if not args.headless:
        _need_terminal(ctx, "use `rotui demo --headless`")
    return run_demo(
        ctx,
        headless=args.headless,
        read_only=args.read_only,
        theme=args.theme,
        status=cmd_status,
        validate=cmd_validate,
    )


def cmd_serve(args: argparse.Namespace, ctx: Context) -> int:
    """``rotui serve``: the dashboard (or the demo) in a browser, on loopback unless allowed."""
    from rotui.serve import serve

    return serve(args, ctx)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
