"""Everything Textual: the dashboard and its screens. Logic lives in ``rotui.core``."""
