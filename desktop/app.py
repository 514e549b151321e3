"""The desktop app: wires the controller, model, window and tray, and owns the one way out.

Every way to quit (tray Quit, window Quit, closing the window without a tray, SIGINT,
SIGTERM) only sets one event.  ``DesktopApp.run()`` waits for it, then disconnects
every client, stops uvicorn and returns: the Qt loop is never stopped under a pending
coroutine (which is what ``QApplication.quit()`` would do).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from server.config import APP_NAME, Settings, config_file_path
from server.logging_config import ROOT_LOGGERS, install_log_filters, log_loop_error
from server.runtime.runner import tune_gc
from server.runtime.signals import quit_on_signals

from . import LOGGER_NAME
from .actions import AppActions
from .autostart import Autostart, for_this_platform, set_start_at_login
from .background import run_in_background
from .composer import install_composer
from .connections_model import ConnectionsModel
from .controller import HubController, State
from .icons import state_icon
from .known_devices import KnownDevices, known_devices_path
from .log_panel import QtLogHandler
from .loop import new_event_loop
from .notices import HIDDEN_TO_TRAY, RUNNING_IN_TRAY, SettingsProblemBox
from .notifications import Notifier
from .plots_panel import make_plots_panel
from .preferences import load_notifications
from .qt_application import application
from .settings_dialog import SettingsDialog
from .single_instance import SingleInstance, instance_name
from .startup_settings import SettingProblem, option_text
from .tray import TrayIcon
from .window import MainWindow

logger = logging.getLogger(LOGGER_NAME)


class DesktopApp(QObject):
    """The tray app around one ``HubController``; ``await run()`` is its whole life.

    ``problems`` are the settings set aside at launch (``startup_settings``), shown in a
    dialog; ``first_run`` (by default: no config file yet) shows the window at once, unless
    ``hidden`` (started at login): then only the tray shows.  ``autostart``: the platform's
    start-at-login entry (tests give one in a temporary directory).
    """

    def __init__(self, settings: Settings, *, tray_available: bool | None = None,
                 problems: Sequence[SettingProblem] = (), first_run: bool | None = None,
                 hidden: bool = False, autostart: Autostart | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        if tray_available is None:
            tray_available = QSystemTrayIcon.isSystemTrayAvailable()
        # Read before the hub starts: starting writes the file (the dashboard token).
        self.first_run = not config_file_path().exists() if first_run is None else first_run
        self.problems = list(problems)
        self.hidden = hidden
        self.autostart = for_this_platform() if autostart is None else autostart
        self.problem_box: SettingsProblemBox | None = None
        self._told_hidden = False
        self.controller = HubController(settings, self)
        self.model = ConnectionsModel(self.controller.clients, self)
        self.actions = AppActions(self)
        self.window = MainWindow(self.controller, self.model, self.actions,
                                 hide_on_close=tray_available)
        self.composer = install_composer(self.window)
        self.window.add_tab(make_plots_panel(self.controller), "&Plots")
        self.tray = TrayIcon(self.actions, self) if tray_available else None
        self.notifier = (Notifier(self.controller, self.tray, KnownDevices(known_devices_path()),
                                  load_notifications(), self)
                         if self.tray is not None else None)
        self.settings_dialog: SettingsDialog | None = None
        self.log_handler = QtLogHandler()
        install_log_filters(self.log_handler)
        self.log_handler.line.connect(self.window.log_panel.appendPlainText)
        self._quit_requested = asyncio.Event()

        self.actions.show_window.triggered.connect(self.window.bring_forward)
        self.actions.open_dashboard.triggered.connect(self.open_dashboard)
        self.actions.copy_address.triggered.connect(self.copy_address)
        self.actions.start_stop.triggered.connect(self.toggle_server)
        self.actions.settings.triggered.connect(self.open_settings)
        self.actions.quit.triggered.connect(self.request_quit)
        self.window.hiddenToTray.connect(self._on_hidden_to_tray)
        self.controller.stateChanged.connect(self._on_state)
        if self.tray is not None:
            self.tray.start_at_login.triggered.connect(self.toggle_start_at_login)
            self.tray.menu.aboutToShow.connect(self._show_start_at_login)
        for signal in (self.model.rowsInserted, self.model.rowsRemoved):
            signal.connect(self._update_tray)
        self._show_start_at_login()

    async def run(self) -> int:
        """Show the app, serve until asked to quit, shut down cleanly; the exit status."""
        for name in ROOT_LOGGERS:
            logging.getLogger(name).addHandler(self.log_handler)
        try:
            with quit_on_signals(asyncio.get_running_loop(), self.request_quit):
                if self.tray is not None:
                    self.tray.show()
                else:
                    logger.info("no system tray here: the window holds every command")
                    if not self.hidden:
                        self.window.bring_forward()
                self._welcome()
                await self.controller.start()
                tune_gc()
                await self._quit_requested.wait()
                await self._shutdown()
        finally:
            for name in ROOT_LOGGERS:
                logging.getLogger(name).removeHandler(self.log_handler)
        return 0

    def request_quit(self) -> None:
        """The one way to quit: ``run()`` takes it from here."""
        self._quit_requested.set()

    async def _shutdown(self) -> None:
        """Disconnect every client, stop the server, take the app off the screen."""
        logger.info("quitting")
        await self.controller.stop()
        self.model.detach()
        if self.notifier is not None:
            self.notifier.close()
        if self.tray is not None:
            self.tray.hide()
        for dialog in (self.settings_dialog, self.problem_box):
            if dialog is not None:
                dialog.reject()
        self.window.hide()

    def _welcome(self) -> None:
        """First run: the window, and a word that the app lives in the tray; settings set
        aside at launch: which, and why.  Started hidden: only what was set aside shows."""
        if self.hidden:
            logger.info("started hidden: %s", "in the tray" if self.tray is not None else
                        f"no tray here, launch {APP_NAME} again to show the window")
        if (self.first_run and not self.hidden) or self.problems:
            self.window.bring_forward()
        if self.first_run and not self.hidden and self.tray is not None:
            self.tray.notify(*RUNNING_IN_TRAY)
        if not self.problems:
            return
        for problem in self.problems:
            logger.warning("setting set aside: %s", problem.describe())
        box = SettingsProblemBox(self.problems, self.controller.settings, self.window)
        box.edit_settings.clicked.connect(self.open_settings)
        box.finished.connect(lambda _result: self._forget_problem_box(box))
        self.problem_box = box
        box.open()

    def _forget_problem_box(self, box: SettingsProblemBox) -> None:
        if self.problem_box is box:
            self.problem_box = None
        box.deleteLater()

    def _on_hidden_to_tray(self) -> None:
        """The first time the window is closed, say that the app has not quit."""
        if self.tray is not None and not self._told_hidden:
            self._told_hidden = True
            self.tray.notify(*HIDDEN_TO_TRAY)

    def on_second_launch(self, show: bool) -> None:
        """Another launch of the app handed over to this one: come forward, unless it was
        started hidden (at login, over an app already running)."""
        if not show:
            logger.info("the app was launched again hidden: it keeps running as it is")
            return
        logger.info("the app was launched again: showing this window")
        self.window.bring_forward()

    # -- commands ------------------------------------------------------------------------

    def toggle_server(self) -> None:
        if self.controller.state is State.RUNNING:
            run_in_background(self.controller.stop())
        else:
            run_in_background(self.controller.restart())

    def open_dashboard(self) -> None:
        url = self.controller.dashboard_url()
        if url is not None:
            QDesktopServices.openUrl(QUrl(url))

    def toggle_start_at_login(self, wanted: bool) -> None:
        """The tray's checkbox: write or remove the entry; the checkbox then shows what
        the platform holds, also when it refused."""
        try:
            set_start_at_login(self.autostart, wanted)
        except OSError as exc:
            logger.warning("start at login could not be changed (%s): %s",
                           self.autostart.location, exc)
        self._show_start_at_login()

    def _show_start_at_login(self) -> None:
        if self.tray is not None:
            self.tray.start_at_login.setChecked(self.autostart.is_enabled())

    def copy_address(self) -> None:
        url = self.controller.lan_url
        if url is not None:
            self.window.copy_text(url)

    def open_settings(self) -> None:
        """The settings dialog, not blocking the loop; saving it applies the settings."""
        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            return
        self.window.bring_forward()
        notifications = self.notifier.preferences if self.notifier is not None else None
        dialog = SettingsDialog(self.controller, self.window, autostart=self.autostart,
                                notifications=notifications)
        dialog.accepted.connect(lambda: self._apply_settings(dialog))
        dialog.finished.connect(lambda _result: self._forget_dialog(dialog))
        self.settings_dialog = dialog
        dialog.open()

    def _apply_settings(self, dialog: SettingsDialog) -> None:
        if self.notifier is not None and dialog.notifications is not None:
            self.notifier.preferences = dialog.notifications
        self._show_start_at_login()
        if dialog.settings is not None:
            logger.info("settings saved")
            run_in_background(self.controller.apply(dialog.settings))

    def _forget_dialog(self, dialog: SettingsDialog) -> None:
        if self.settings_dialog is dialog:
            self.settings_dialog = None
        dialog.deleteLater()

    # -- keeping the tray and actions in step ----------------------------------------------

    def _on_state(self, state: State) -> None:
        self.actions.update_for(state)
        self.actions.show_lan_address(self.controller.lan_url, self.controller.lan_problem())
        self.model.set_clustered(self.controller.clustered)
        self._update_tray()

    def _update_tray(self) -> None:
        if self.tray is not None:
            self.tray.update_for(self.controller, self.model.rowCount())


def _log_uncaught(kind: type[BaseException], error: BaseException,
                  trace: TracebackType | None) -> None:
    """A Qt slot that raises is logged; the app and the server carry on."""
    logger.error("unhandled exception in the GUI", exc_info=(kind, error, trace))


def run_gui(settings: Settings, problems: Sequence[SettingProblem] = (),
            command_line: Mapping[str, Any] | None = None,
            starting: QWidget | None = None, hidden: bool = False) -> int:
    """The tray app on one Qt + asyncio loop; 0 also when it handed over to a running one.

    ``command_line``: the settings given as options, which a running app does not take;
    ``starting``: the first run's "starting…" note, closed once the window is built;
    ``hidden``: started at login, no window.
    """
    app = application()
    app.setQuitOnLastWindowClosed(False)
    QGuiApplication.setWindowIcon(state_icon(State.RUNNING))

    instance = SingleInstance(instance_name())
    if not instance.claim(show=not hidden):
        print(f"{APP_NAME} is already running" + (" in the tray." if hidden else
                                                  ": its window was brought forward."))
        if command_line:
            given = ", ".join(option_text(name, value) for name, value in command_line.items())
            print(f"{APP_NAME}: the running app keeps its own settings, {given} was not "
                  "applied: change it in its Settings…, or quit it and launch again.",
                  file=sys.stderr)
        return 0
    loop = new_event_loop(app)
    asyncio.set_event_loop(loop)
    loop.set_exception_handler(log_loop_error)
    sys.excepthook = _log_uncaught
    try:
        desktop = DesktopApp(settings, problems=problems, hidden=hidden)
        if starting is not None:
            starting.close()
        instance.launchedAgain.connect(desktop.on_second_launch)
        return loop.run_until_complete(desktop.run())
    finally:
        sys.excepthook = sys.__excepthook__
        instance.release()
        loop.close()
        asyncio.set_event_loop(None)
