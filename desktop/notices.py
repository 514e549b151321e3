"""What the app tells a user once: a setting it set aside, and that it lives in the tray."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from server.config import Settings

from .startup_settings import SettingProblem

RUNNING_IN_TRAY = (
    "socketio-tray is running",
    "It keeps serving from the tray, also when its window is closed: click the tray icon "
    "for the window, right-click it for Settings and Quit.")
HIDDEN_TO_TRAY = (
    "socketio-tray is still running",
    "The window was closed, the hub keeps serving. Click the tray icon to bring the "
    "window back; Quit is in its menu.")


class SettingsProblemBox(QMessageBox):
    """The settings that were set aside at launch, and the two ways on from here."""

    def __init__(self, problems: list[SettingProblem], settings: Settings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("socketio-tray: a setting is invalid")
        several = len(problems) > 1
        self.setText(f"{'These settings are' if several else 'This setting is'} invalid, "
                     f"so the app started without {'them' if several else 'it'}:")
        files = sorted({p.source for p in problems if not p.from_command_line})
        unchanged = (f"\n\n{' and '.join(files)} stays as it is until you save the settings."
                     if files else "")
        self.setInformativeText("\n".join(
            f"• {p.describe()}.\n   In use instead: {getattr(settings, p.name)!r}."
            for p in problems) + unchanged)
        self.edit_settings = self.addButton("Edit settings",
                                            QMessageBox.ButtonRole.AcceptRole)
        self.use_defaults = self.addButton(
            f"Use defaults for {'these settings' if several else 'this setting'}",
            QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.edit_settings)
