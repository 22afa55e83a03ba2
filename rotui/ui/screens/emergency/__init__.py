"""Emergency revoke, first screen: the screen, and its parts (the exposure field, the fold line)."""

from rotui.ui.screens.emergency.screen import EmergencyScreen

__all__ = ["EmergencyScreen"]
