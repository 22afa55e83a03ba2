"""``rotui key set|delete [NAME] [--admin]``: store or remove a key in the keyring."""

from __future__ import annotations

import argparse

from rotui.cli.readonly import refuse
from rotui.cli.terminal import read_secret_input
from rotui.context import Context
from rotui.core.errors import UsageError


def run(args: argparse.Namespace, ctx: Context) -> int:
    from rotui.core.secret import check_admin_key, check_api_key

    refuse(args, f"`rotui key {args.key_command}` (it writes the keyring)")
    if args.admin == bool(args.name):
        raise UsageError("name a key or pass --admin", "e.g. `rotui key set ANTHROPIC_API_KEY`")
    store = ctx.secret_store()
    username, label = _which(args, ctx)
    if args.key_command == "delete":
        if store.delete_keyring(username):
            ctx.say(f"rotui: removed {label} from the keyring")
            return 0
        ctx.say(f"rotui: {label} was not in the keyring")
        return 1
    raw = read_secret_input(ctx, f"Paste {label} (input hidden): ")
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


def _which(args: argparse.Namespace, ctx: Context) -> tuple[str, str]:
    """The keyring username and the words for it: the Admin key, or a configured key."""
    from rotui.core.validation import ADMIN_USERNAME

    if args.admin:
        return ADMIN_USERNAME, "the Admin API key"
    config = ctx.load_config()
    key = config.key(args.name)
    if key is None:
        raise UsageError(
            f"unknown key {args.name!r}",
            "add it to the configuration first; configured keys: "
            + (", ".join(k.name for k in config.keys) or "none"),
        )
    if args.key_command == "set" and key.source != "keyring":
        ctx.say(
            f"rotui: warning: {key.name} is read from {key.source.split(':')[0]}:, not the "
            'keyring; the stored value will only be used if you set source = "keyring"'
        )
    return key.name, key.name
