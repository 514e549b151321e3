"""The composer: send an event to a client, a room or everyone, and see its ack.

A dock of the main window.  It sends only through ``HubController.send_event`` (the hub
rules of the dashboard's ``POST /api/emit``), checks the JSON arguments as they are typed
(the error's line and column shown, Send disabled), offers the event names the journal
has seen, and keeps saved messages and the last sends in ``saved_messages``.
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QColor, QFontDatabase, QKeySequence, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QCheckBox,
    QCompleter,
    QDockWidget,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from server.dashboard.inspector_api import MAX_ACK_TIMEOUT_SECONDS

from .background import run_in_background
from .composer_args import Arguments, compact, parse_arguments, pretty
from .composer_emit import SendResult, Target
from .composer_history import MessageList
from .composer_targets import TargetPicker, api_target
from .connections_model import ConnectionsModel
from .controller import HubController
from .saved_messages import Message, MessageError, SavedMessages
from .shortcut_over_text import ShortcutOverText
from .window import MainWindow

DEFAULT_ACK_SECONDS = 5.0
RESULT_LINES = 2  # a longer answer is cut; its tooltip holds all of it
ACK_LINES = 5  # the ack's box; a longer ack scrolls
ERROR_STYLE = "color: #b3261e;"
ERROR_LINE = QColor("#fdecea")


class Composer(QWidget):
    """The form, its answer, and the saved and recent messages."""

    def __init__(self, controller: HubController, model: ConnectionsModel,
                 store: SavedMessages | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.store = SavedMessages.load() if store is None else store
        self.last_result: SendResult | None = None
        """What became of the last send, once its answer (or error) is in."""
        self._sending = False
        self._arguments = Arguments([])

        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(ERROR_STYLE)
        self.picker = TargetPicker(model, controller.manager)
        self.event_names = QStringListModel(self)
        self.event_name = self._make_event_name()
        self.args = QPlainTextEdit()
        self.args.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.args.setPlaceholderText('JSON: {"on": true}, or an array of arguments')
        self.args.setTabChangesFocus(True)  # Tab moves on; pretty-print does the indenting
        self.args_note = QLabel()
        self.args_note.setTextFormat(Qt.TextFormat.PlainText)
        self.pretty_button = QPushButton("Pretty-print")
        self.wait_ack = QCheckBox("Wait for ack")
        self.ack_timeout = self._make_ack_timeout()
        self.send_button = QPushButton("Send")
        self.result = self._make_result()
        self.ack_view = self._make_ack_view()
        self.save_name = QLineEdit()
        self.save_name.setPlaceholderText("Name to save this message as")
        self.save_button = QPushButton("Save")
        self.saved_list = MessageList(deletable=True)
        self.recent_list = MessageList(deletable=False)
        self.lists = QTabWidget()
        self.lists.addTab(self.saved_list, "Saved")
        self.lists.addTab(self.recent_list, "Recent")
        self._lay_out()
        self._connect()
        self._show_store()
        self._check_arguments()
        self.refresh_event_names()

    def _make_event_name(self) -> QLineEdit:
        """The event's name, completed from the names the journal has seen."""
        field = QLineEdit()
        field.setPlaceholderText("Event name")
        completer = QCompleter(self.event_names, field)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        field.setCompleter(completer)
        return field

    @staticmethod
    def _make_result() -> QLabel:
        """The last send's answer, in a room of fixed height: an answer coming or going
        must not move Send under the pointer."""
        result = QLabel()
        result.setWordWrap(True)
        result.setTextFormat(Qt.TextFormat.PlainText)  # errors quote client-chosen text
        result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        result.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # Nor widen the dock: a long client name is one word a wrap cannot break.
        result.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        result.setFixedHeight(result.fontMetrics().lineSpacing() * RESULT_LINES + 4)
        return result

    def _make_ack_view(self) -> QPlainTextEdit:
        """The ack, in a box whose room is kept while it is hidden (Send stays put)."""
        view = QPlainTextEdit()
        view.setReadOnly(True)
        view.setFont(self.args.font())
        margins = view.contentsMargins()
        view.setFixedHeight(view.fontMetrics().lineSpacing() * ACK_LINES
                            + round(2 * view.document().documentMargin())
                            + margins.top() + margins.bottom())
        policy = view.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        view.setSizePolicy(policy)
        view.hide()
        return view

    @staticmethod
    def _make_ack_timeout() -> QDoubleSpinBox:
        """Seconds to wait for the ack, within what the hub allows."""
        timeout = QDoubleSpinBox()
        timeout.setRange(0.1, MAX_ACK_TIMEOUT_SECONDS)
        timeout.setValue(DEFAULT_ACK_SECONDS)
        timeout.setDecimals(1)
        timeout.setSuffix(" s")
        return timeout

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.addRow("To", self.picker)
        form.addRow("Event", self.event_name)
        form.addRow("Arguments", self.args)
        note = QHBoxLayout()
        note.addWidget(self.args_note, 1)
        note.addWidget(self.pretty_button)
        form.addRow("", note)
        ack = QHBoxLayout()
        ack.addWidget(self.wait_ack)
        ack.addWidget(self.ack_timeout)
        ack.addStretch(1)
        ack.addWidget(self.send_button)
        form.addRow("", ack)
        save = QHBoxLayout()
        save.addWidget(self.save_name, 1)
        save.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addLayout(form)
        layout.addWidget(self.result)
        layout.addWidget(self.ack_view)
        layout.addLayout(save)
        layout.addWidget(self.lists, 1)
        chain = [self.picker.kind, self.picker.clients, self.picker.room, self.event_name,
                 self.args, self.pretty_button, self.wait_ack, self.ack_timeout,
                 self.send_button, self.save_name, self.save_button, self.lists]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _connect(self) -> None:
        self.picker.changed.connect(self._update_controls)
        self.picker.clientLeft.connect(
            lambda absence: self._show_line(f"{absence}: choose another client.", error=True))
        self.event_name.textChanged.connect(self._update_controls)
        self.event_name.textEdited.connect(self.refresh_event_names)
        self.args.textChanged.connect(self._check_arguments)
        self.pretty_button.clicked.connect(self.pretty_print)
        self.wait_ack.toggled.connect(self._update_controls)
        self.send_button.clicked.connect(self.send)
        self.save_button.clicked.connect(self.save_current)
        self.save_name.returnPressed.connect(self.save_current)
        self.controller.stateChanged.connect(self._update_controls)
        for messages in (self.saved_list, self.recent_list):
            messages.chosen.connect(self.load)
            messages.sendRequested.connect(self.resend)
        self.saved_list.deleteRequested.connect(self._delete)

    # -- the form ------------------------------------------------------------------------

    def refresh_event_names(self) -> None:
        """Offer the event names the journal has seen (only when they changed: a reset
        would close the completer's popup under the user's typing)."""
        names = self.controller.seen_event_names()
        if names != self.event_names.stringList():
            self.event_names.setStringList(names)

    def _check_arguments(self) -> None:
        self._arguments = parse_arguments(self.args.toPlainText())
        self.args_note.setText(self._arguments.describe())
        self.args_note.setStyleSheet("" if self._arguments.valid else ERROR_STYLE)
        self.pretty_button.setEnabled(self._arguments.valid)
        self._mark_error_line(None if self._arguments.valid else self._arguments.line)
        self._update_controls()

    def _mark_error_line(self, line: int | None) -> None:
        if line is None:
            self.args.setExtraSelections([])
            return
        mark = QTextEdit.ExtraSelection()
        mark.format.setBackground(ERROR_LINE)
        mark.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        mark.cursor = QTextCursor(self.args.document().findBlockByNumber(line - 1))
        self.args.setExtraSelections([mark])

    def pretty_print(self) -> None:
        text = pretty(self.args.toPlainText())
        if text is not None:
            self.args.setPlainText(text)

    def _send_problem(self) -> str | None:
        """Why Send is disabled, or None when it is not."""
        if self._sending:
            return "Waiting for the answer to the last send"
        if not self.controller.is_running:
            return "The server is not running"
        if self.picker.target() is None:
            return self.picker.missing()
        if not self.event_name.text().strip():
            return "Name the event"
        if not self._arguments.valid:
            return "The arguments are not valid JSON"
        return None

    def _update_controls(self) -> None:
        to_client = "sid" in (self.picker.target() or {})
        self.wait_ack.setEnabled(to_client)
        self.wait_ack.setToolTip("" if to_client else "Only a single client can ack")
        self.ack_timeout.setEnabled(to_client and self.wait_ack.isChecked())
        problem = self._send_problem()
        self.send_button.setEnabled(problem is None)
        self.send_button.setToolTip(problem or "Send the event")

    def current_message(self, name: str = "") -> Message | None:
        """What the form would send, as a message called ``name``; None if incomplete."""
        target = self.picker.target()
        if target is None or self._arguments.args is None or not self.event_name.text().strip():
            return None
        return Message(name, target, self.event_name.text().strip(), self._arguments.args)

    def load(self, message: Message) -> None:
        """Put ``message`` in the form."""
        self.picker.set_target(message.target)
        self.event_name.setText(message.event)
        self.args.setPlainText(pretty(compact(message.args)) or "")

    def compose_for(self, target: Target) -> None:
        """Preset the form for ``target`` (``{"sid": s}``, ``{"room": r}`` or
        ``{"all": True}``), as "send it an event" in the clients table asks."""
        self.picker.set_target(target)
        self.event_name.setFocus()

    # -- sending -------------------------------------------------------------------------

    def send(self) -> None:
        """Send what the form holds, if it can be sent."""
        message = self.current_message()
        if message is None or self._send_problem() is not None:
            return
        timeout = self.ack_timeout.value() if self.wait_ack.isEnabled() \
            and self.wait_ack.isChecked() else None
        run_in_background(self._send(message, timeout))

    def resend(self, message: Message) -> None:
        """A saved or recent message, again: shown in the form, then sent from it."""
        self.load(message)
        problem = self._send_problem()
        if problem is not None:
            self._show_line(f"Not sent: {problem}.", error=True)
            return
        self.send()

    async def _send(self, message: Message, ack_timeout: float | None) -> None:
        self._sending = True
        self._update_controls()
        self.ack_view.hide()
        self._show_line("Waiting for the ack…" if ack_timeout else "Sending…", error=False)
        try:
            result = await self.controller.send_event(
                api_target(message.target), message.event, message.args, ack_timeout)
        finally:
            self._sending = False
            self._update_controls()
        if result.ok or result.recipients:  # it went out (perhaps to nobody)
            self.store.remember(message)
            self._show_store()
        self._show_result(result)
        self.refresh_event_names()
        self.last_result = result

    def _show_result(self, result: SendResult) -> None:
        count = f"{result.recipients} client{'' if result.recipients == 1 else 's'}"
        if result.error is not None:
            sent = f"Sent to {count}, but" if result.recipients else "Not sent:"
            self._show_line(f"{sent} {result.error}.", error=True)
        elif result.ack is None:
            self._show_line(f"Sent to {count}.", error=False)
        else:
            self._show_line(f"Sent to {count}; its ack:", error=False)
            self.ack_view.setPlainText(pretty(compact(result.ack)) or "(an empty ack)")
            self.ack_view.show()

    def _show_line(self, text: str, *, error: bool) -> None:
        self.result.setText(text)
        self.result.setToolTip(text)
        self.result.setStyleSheet(ERROR_STYLE if error else "")

    # -- saved and recent messages -------------------------------------------------------

    def save_current(self) -> None:
        message = self.current_message(self.save_name.text().strip())
        if message is None:
            self._show_line("Not saved: the message is not complete.", error=True)
            return
        try:
            self.store.save(message)
        except MessageError as exc:
            self._show_line(f"Not saved: {exc}.", error=True)
            return
        self.save_name.clear()
        self._show_store()
        self._show_line(f"Saved as “{message.name}”.", error=False)

    def _delete(self, name: str) -> None:
        self.store.delete(name)
        self._show_store()

    def _show_store(self) -> None:
        self.saved_list.show_messages(self.store.saved)
        self.recent_list.show_messages(self.store.recent)
        self.lists.setTabText(0, f"Saved ({len(self.store.saved)})")
        self.lists.setTabText(1, f"Recent ({len(self.store.recent)})")
        self.notice.setText(self.store.problem or "")
        self.notice.setVisible(self.store.problem is not None)


class ComposerDock(QDockWidget):
    """The composer as a dock of the main window, hidden until asked for."""

    def __init__(self, controller: HubController, model: ConnectionsModel,
                 parent: QWidget | None = None) -> None:
        super().__init__("Composer", parent)
        self.setObjectName("composer")
        self.composer = Composer(controller, model, parent=self)
        self.setWidget(self.composer)
        self.toggleViewAction().setShortcut(QKeySequence("Ctrl+E"))
        self.visibilityChanged.connect(self._shown)

    def _shown(self, visible: bool) -> None:
        """Opened: fresh event names, and the keyboard in its first field."""
        if visible:
            self.composer.refresh_event_names()
            self.composer.picker.kind.setFocus()

    def compose_for(self, target: Target) -> None:
        """Show the composer preset for ``target``."""
        self.show()
        self.raise_()
        self.composer.compose_for(target)


def _view_menu(window: QMainWindow) -> QMenu:
    """The window's View menu, made if no one has made it yet."""
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text() == "&View":
            return menu
    return window.menuBar().addMenu("&View")


def install_composer(window: MainWindow) -> ComposerDock:
    """Add the composer to ``window`` as a dock (hidden), shown by View → Composer and by
    the window's "Send it an event…" on a client."""
    dock = ComposerDock(window.controller, window.model, window)
    window.add_dock(dock)
    dock.hide()
    window.composeRequested.connect(dock.compose_for)
    _view_menu(window).addAction(dock.toggleViewAction())
    ShortcutOverText(window, dock.toggleViewAction().shortcut())
    return dock
