"""Help: the key bindings of the screen you are on (after [keymap] remapping), and what they do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from rotui.ui.widgets.key_detail import KeyDetail

ABOUT = (
    "rotui shows every key's age, last validation and consumers. Validation by default lists models "
    "(GET /v1/models), which spends no tokens. Key values are never shown: only masked hints."
)
PALETTE = ("ctrl+p", "Commands", "Search every action, and each action for each key by name")
NOT_NOW = " (not available now)"
BELOW_THE_FOLD = (
    "The key's detail goes on below the fold (\"↓ more below\"): Tab moves into it, then ↓ or "
    "PgDn scrolls; another key's detail starts at its top."
)


def bindings_of(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """(keys, description, tooltip) of what a key does on ``screen`` now, as Textual dispatches it.

    The focused widget's bindings win over its containers', the screen's and the app's, so a key
    bound twice is listed once, as it acts. Only rotui's own bindings (they all have an id, the
    one ``[keymap]`` remaps) are listed: the screen's first, then the focused widget's, then the
    app's. A Textual widget's own binding (no id) hides none of them: Enter on a table selects
    the row, and what the screen does with the row is the screen's ``enter`` binding. An action the screen hides now (``check_action`` False) is left out; a greyed one
    (None) is listed, marked.
    """
    app = screen.app
    focused = screen.focused
    nodes: list[DOMNode] = list(focused.ancestors_with_self) if focused else [screen, app]
    taken: set[str] = set()
    rows: dict[tuple[int, str], tuple[int, list[str], Binding, bool]] = {}
    for node in nodes:
        rank = 0 if node is screen else 2 if node is app else 1
        bindings = node._bindings.copy()
        if app._keymap:
            bindings.apply_keymap(app._keymap)
        for key, binding in bindings:
            if key in taken or not binding.id:
                continue  # a widget's own binding (no id): the screen's says what the key does
            taken.add(key)
            if not binding.description:
                continue
            state = app._check_action_state(binding.action, node)
            if state is False:
                continue
            _rank, keys, _binding, _on = rows.setdefault(
                (id(node), binding.id), (rank, [], binding, bool(state))
            )
            keys.append(app.get_key_display(Binding(key, "")))
    listed = [
        (", ".join(keys), binding.description, (binding.tooltip or "") + ("" if on else NOT_NOW))
        for _rank, keys, binding, on in sorted(rows.values(), key=lambda row: row[0])
    ]
    if app.ENABLE_COMMAND_PALETTE:
        listed.append(PALETTE)
    return listed


class HelpScreen(ModalScreen[None]):
    """The bindings of the screen below, with their current keys."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close", tooltip="Close help")
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%; border: thick $primary; background: $surface; padding: 0 1; }
    HelpScreen #help-title { text-style: bold; }
    HelpScreen VerticalScroll { height: auto; max-height: 18; }
    """

    def __init__(
        self, rows: list[tuple[str, str, str]] | None = None, read_only: bool = False
    ) -> None:
        """``rows``: used only when there is no screen below to read the bindings from."""
        super().__init__()
        self.fallback_rows = rows or []
        self.read_only = read_only

    def below(self) -> Screen[object] | None:
        stack = self.app.screen_stack
        index = stack.index(self) if self in stack else len(stack)
        return stack[index - 1] if index > 0 else None

    def compose(self) -> ComposeResult:
        below = self.below()
        rows = bindings_of(below) if below is not None else self.fallback_rows
        width = max((len(k) for k, _d, _t in rows), default=4) + 2
        lines = [f"{key:<{width}}{description}: {tooltip}" for key, description, tooltip in rows]
        title = getattr(below, "HELP_TITLE", None) or getattr(below, "TITLE", None)
        with Vertical():
            yield Static(
                f"rotui help{f' · {title}' if title else ''} — Escape closes",
                id="help-title",
                markup=False,
            )
            if below is not None and below.query(KeyDetail):  # in sight: not below help's own fold
                yield Static(BELOW_THE_FOLD, id="help-fold", markup=False)
            with VerticalScroll():
                yield Static("\n".join(lines), id="help-keys", markup=False)
                if self.read_only:
                    yield Static(
                        "\nRead-only: validate, rotate and revoke are disabled here.", markup=False
                    )
                yield Static("\n" + ABOUT, markup=False)
