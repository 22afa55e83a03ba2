"""One module per command, each with ``run(args, ctx) -> exit code``; :mod:`rotui.cli.registry`
imports one only when its command runs, and none imports another."""
