"""The wizard's keys: one declaration per action (key, footer label, help text), remappable by id."""

from __future__ import annotations

from textual.binding import Binding, BindingType

WIZARD_BINDINGS: list[BindingType] = [
    Binding(
        "escape,q",
        "close",
        "Back",
        id="wizard.close",
        tooltip=(
            "Back to the dashboard; a started run is kept and resumes here; "
            "just looking starts no run"
        ),
    ),
    Binding(
        "c",
        "confirm_consumer",
        "Confirm",
        id="wizard.confirm",
        tooltip="Confirm the selected consumer (manual or not verifiable); audited",
    ),
    Binding(
        "enter",
        "consumer_detail",
        "Detail",
        id="wizard.detail",
        show=False,
        tooltip="The selected consumer's whole detail (the table cuts it at 80 columns)",
    ),
    Binding(
        "s",
        "skip_consumer",
        "Skip…",
        id="wizard.skip",
        tooltip="Skip the selected consumer, with a reason; audited",
    ),
    Binding(
        "R",
        "retry",
        "Retry",
        id="wizard.retry",
        tooltip="Run the current step again; propagation redoes only what failed",
    ),
    Binding(
        "u",
        "source_updated",
        "Source updated",
        id="wizard.source",
        tooltip="Confirm the key's own env:/command: source gives the new key",
    ),
    Binding(
        "X",
        "revoke",
        "Revoke…",
        id="wizard.revoke",
        tooltip="Revoke the old key: typed confirmation",
    ),
    Binding(
        "b",
        "rollback",
        "Roll back…",
        id="wizard.rollback",
        tooltip="Put the current key back on every consumer; discard PENDING",
    ),
    Binding(
        "e",
        "emergency",
        "Emergency…",
        id="wizard.emergency",
        tooltip="The current key failed: open the emergency revoke for this key instead",
    ),
]
