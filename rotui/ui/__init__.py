"""Everything Textual: the dashboard and its screens. Logic lives in ``rotui.core``."""

from rotui.ui.widgets import secret_input as _secret_input  # noqa: F401  (masks Paste reprs early)
