"""What the demo tells an operator to type: commands that work as typed, and act on the demo.

``make demo`` starts ``.venv/bin/rotui``, which is not on PATH: a hint naming plain ``rotui``
ends in "command not found" (:func:`rotui_command` names the rotui actually running). And the
next steps rotui's checks give (``rotui validate NAME``, ``rotui rotate NAME``, ``rotui runs``)
act on the operator's own configuration: :func:`demo_hints` says them the demo's way instead,
its key on the screen (``r on the dashboard``) or its reader (``… demo runs``).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from pathlib import Path

# A command in a hint: `rotui VERB ...` between backticks (the form every hint uses).
COMMAND = re.compile(r"`rotui(?: ([^`]*))?`")
# Verbs the demo does on its screen, and what to press there.
ON_SCREEN = {
    "validate": "v on the dashboard",
    "rotate": "r on the dashboard",
    "revoke": "x on the dashboard",
    "doctor": "t on the dashboard",
}
# Verbs a `rotui demo VERB` reads on the running demo's files.
READERS = ("status", "runs", "report", "audit")
# What only the demo's driver can do: an observer is told whose screen it is on.
_DRIVERS = re.compile(r"\b([vrx] on the dashboard|b in the rotation wizard)\b")
_TWICE = re.compile(r"\b(\w on the dashboard)(?:,? or \1\b|, \1\b| \(\1\))")


def rotui_command(argv0: str | None = None, path: str | None = None) -> str:
    """This rotui as another terminal types it: ``rotui`` when that is the one on PATH, else the
    path it was started with, made absolute (``~/…`` when under the home directory), or
    ``python -m rotui`` with this interpreter."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    if not argv0 or Path(argv0).name == "__main__.py":
        return f"{_quoted(sys.executable)} -m rotui"
    started = os.path.abspath(argv0) if os.sep in argv0 else shutil.which(argv0, path=path)
    if started is None:
        return "rotui"
    found = shutil.which("rotui", path=path)
    if found is not None and os.path.realpath(found) == os.path.realpath(started):
        return "rotui"
    return _quoted(started)


def _quoted(path: str) -> str:
    home = os.path.expanduser("~")
    if home not in ("", "/", "~") and path.startswith(home + os.sep):
        rest = path[len(home) + 1 :]
        if shlex.quote(rest) == rest:
            return "~/" + rest  # the shell expands a leading ~ left unquoted
    return shlex.quote(path)


def _in_demo(words: list[str], command: str) -> str | None:
    """How the demo does `rotui WORDS`: on its screen or with its reader (None: it cannot)."""
    verb = words[0] if words else ""
    if verb == "demo" or verb in READERS:
        rest = words[1:] if verb == "demo" else words
        return "`" + " ".join([command, "demo", *rest]) + "`"
    if verb in ("rotate", "revoke") and "--rollback" in words:
        return "b in the rotation wizard"
    if verb == "doctor" and "--flow" in words[:-1]:
        return f"t on the dashboard, then {_flow_title(words[words.index('--flow') + 1])}"
    if verb in ON_SCREEN and not [w for w in words[2:] if w.startswith("-")]:
        return ON_SCREEN[verb]
    return None  # `rotui validate … --ping`, `rotui key set …`: the demo has no way to do it


class DemoHints:
    """A hint as the demo gives it: each `rotui …` the demo's way, in ``command``'s words.

    An ``observer`` (``rotui demo --read-only``) cannot validate, rotate or revoke: those keys
    are the followed demo's, and the hint says so. A command the demo cannot do is said as the
    operator would type it on their own configuration; :meth:`doable` tells a next step that
    needs one, so a list of steps can leave it out (walk s14 2.1).
    """

    def __init__(self, command: str, *, observer: bool = False) -> None:
        self.command, self.observer = command, observer

    def _demo_way(self, match: re.Match[str]) -> str:
        words = (match.group(1) or "").split()
        done = _in_demo(words, self.command)
        return done or f"`{self.command} {' '.join(words)}` (with your own configuration)"

    def __call__(self, text: str) -> str:
        said = _TWICE.sub(r"\1", COMMAND.sub(self._demo_way, text))
        return _DRIVERS.sub(r"\1 of the demo you follow", said) if self.observer else said

    def doable(self, step: str) -> bool:
        """Whether the demo can do every command ``step`` names."""
        return all(
            _in_demo((m.group(1) or "").split(), self.command) for m in COMMAND.finditer(step)
        )


def demo_hints(command: str, *, observer: bool = False) -> DemoHints:
    """The demo's :class:`DemoHints` for the rotui started as ``command``."""
    return DemoHints(command, observer=observer)


def _flow_title(flow_id: str) -> str:
    """“Title” of a troubleshooting flow, as the troubleshoot screen lists it."""
    from rotui.core.troubleshoot import FLOWS

    flow = FLOWS.get(flow_id)
    return f"“{flow.title}”" if flow else f"the {flow_id} check"
