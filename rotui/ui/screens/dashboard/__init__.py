"""The main screen: the key table, its keys, and the per-key actions of the command palette."""

from rotui.ui.screens.dashboard.screen import DashboardScreen

__all__ = ["DashboardScreen"]
