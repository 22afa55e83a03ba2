"""An ``ArgumentParser`` that fills in a subcommand's arguments only when that subcommand is used.

``rotui status`` builds the whole command line on every start; adding every option of every
command (some eighty ``add_argument`` calls) cost more than the status itself reads. Here each
subcommand's parser holds a ``pending`` function instead, run the moment the subcommand is chosen,
before it parses a word: what it accepts, its help and its errors are the same as if it had been
filled in at the start. The doctor's description is read when its help is shown.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from _typeshed import SupportsWrite


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` with a deferred description and deferred arguments."""

    describe: Callable[[], str] | None = None
    pending: Callable[[Parser], None] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register("action", "parsers", LazySubParsers)

    def fill(self) -> None:
        """Add the arguments this parser was promised, once."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending(self)

    def error(self, message: str) -> NoReturn:
        """One line, as every other error of rotui: what is wrong and where the usage is (exit 2).

        argparse's own first prints the whole usage block, two to six lines at 80 columns, above
        the line that says what is wrong. The words quoted from the command line are shown
        escaped, and a key among them masked: an argument is outside text, and may be a key.
        The help it points at is named as this rotui is typed (``.venv/bin/rotui`` after ``make
        demo``, where a bare ``rotui`` is "command not found"), as the demo's other hints are.
        """
        from rotui.core.safetext import one_line
        from rotui.core.secret.value import redact
        from rotui.demo.hints import rotui_command

        said = one_line(redact(message))
        name, _, rest = self.prog.partition(" ")
        helped = " ".join(filter(None, [rotui_command(), rest])) if name == "rotui" else self.prog
        self.exit(2, f"{self.prog}: error: {said} (see `{helped} --help`)\n")

    def format_help(self) -> str:
        if self.describe is not None:
            self.description = self.describe()
        return super().format_help()

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        """Usage, help and errors as any output: an argument error echoes what was typed, and a
        key given as an argument (``rotui key set sk-ant-…``) shows as its hint, not its value."""
        from rotui.core.safetext import printable

        super()._print_message(printable(message), file)


class LazySubParsers(argparse._SubParsersAction):  # type: ignore[type-arg]
    """Subcommands whose parsers are filled in when chosen (argparse's own, otherwise)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        chosen = self._name_parser_map.get(values[0]) if values else None
        if isinstance(chosen, Parser):
            chosen.fill()
        super().__call__(parser, namespace, values, option_string)
        extra = getattr(namespace, argparse._UNRECOGNIZED_ARGS_ATTR, None)
        if extra and chosen is not None:  # said with the usage of the command that was run
            chosen.error(f"unrecognized arguments: {' '.join(extra)}")
