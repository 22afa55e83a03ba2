"""The dashboard's keys: one declaration per action (key, footer label, help text), remappable by id.

The keys that move the focus (``/``, Enter and Esc in the filter, Tab and shift+Tab) are
``priority`` bindings: Textual runs those when the app routes the key (``App.on_event``), before
it routes the next one, so the keys typed right behind them go to the new focus. A plain binding
runs only once its key has bubbled back up to the app, and by then a burst's next keys were
already routed to the old focus (Textual 8.2.8, ``App.on_event`` then ``App._on_key``).
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

MUTATING = {"validate", "validate_all", "rotate", "revoke"}  # refused to a read-only observer
ON_A_KEY = {"validate", "rotate", "revoke", "troubleshoot"}  # offered only while a key is selected

DASHBOARD_BINDINGS: list[BindingType] = [
    Binding(
        "v",
        "validate",
        "Validate",
        id="validate",
        tooltip="Validate the selected key against the API (auth mode spends no tokens)",
    ),
    Binding(
        "V",
        "validate_all",
        "Validate all",
        id="validate_all",
        tooltip="Validate every key in the background; keep navigating",
    ),
    Binding(
        "r",
        "rotate",
        "Rotate",
        id="rotate",
        tooltip="Rotate the selected key (the SOP, step by step)",
    ),
    Binding("x", "revoke", "Revoke!", id="revoke", tooltip="Emergency revoke of the selected key"),
    Binding(
        "t",
        "troubleshoot",
        "Diagnose",
        id="troubleshoot",
        tooltip="Explain why the selected key fails and what to do",
    ),
    Binding(
        "a",
        "audit",
        "Audit",
        id="audit",
        tooltip="The audit log as a live timeline, newest first",
    ),
    Binding(
        "slash",
        "filter",
        "Filter",
        id="filter",
        tooltip="Filter the keys by any visible text",
        priority=True,  # typed in the filter, `/` is a slash (check_action)
    ),
    Binding("s", "sort", "Sort", id="sort", tooltip="Sort by due date, age, status or name"),
    Binding(
        "enter",
        "actions",
        "Actions…",
        id="actions",
        show=False,
        tooltip="Every action for the selected key, to pick from",
    ),
    Binding("j", "cursor_down", "Down", id="down", show=False, tooltip="Next key"),
    Binding("k", "cursor_up", "Up", id="up", show=False, tooltip="Previous key"),
    Binding(
        "escape",
        "clear_filter",
        "Clear filter",
        id="clear_filter",
        show=False,
        tooltip="Clear the filter",
        priority=True,
    ),
    Binding(
        "enter",
        "keep_filter",
        "Keep filter",
        id="keep_filter",
        show=False,
        tooltip="Keep the filter and go back to the keys",
        priority=True,  # only while the filter has the focus (check_action)
    ),
    Binding(
        "tab",
        "app.focus_next",
        "",  # as Textual's own Tab: not listed in help, where the detail's hint says it
        id="next_pane",
        show=False,
        tooltip="Move to the next pane: the table, the detail, the filter",
        priority=True,
    ),
    Binding(
        "shift+tab",
        "app.focus_previous",
        "",
        id="previous_pane",
        show=False,
        tooltip="Move to the previous pane",
        priority=True,
    ),
]
