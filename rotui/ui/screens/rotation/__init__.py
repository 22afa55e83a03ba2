"""The rotation wizard: the screen, its keys, and the dialogs that end a run (revoke, roll back)."""

from rotui.ui.screens.rotation.screen import RotationWizardScreen

__all__ = ["RotationWizardScreen"]
