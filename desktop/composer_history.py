"""The composer's saved messages and recent sends as lists, each row sendable in one click."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from .composer_args import compact
from .connections_model import NO_NAME
from .saved_messages import Message

PREVIEW_CHARACTERS = 300


def target_text(target: dict[str, object]) -> str:
    if "room" in target:
        return f"room {target['room']}"
    if "sid" in target:
        return str(target.get("name") or NO_NAME)
    return "everyone"


def summary(message: Message) -> str:
    """“name: event → whom” (no name for a recent send)."""
    line = f"{message.event} → {target_text(message.target)}"
    return f"{message.name}: {line}" if message.name else line


class ElidedLabel(QLabel):
    """One line of plain text cut with "…" to the width the layout gives it: it asks for
    no width of its own, so a long client name cannot push the buttons beside it away."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full_text = text
        self.setTextFormat(Qt.TextFormat.PlainText)  # names and events are anybody's text
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.setText(self.fontMetrics().elidedText(
            self.full_text, Qt.TextElideMode.ElideRight, self.width()))


class MessageRow(QWidget):
    """One message: what it is, a Send button and, for a saved one, a Delete button."""

    def __init__(self, message: Message, deletable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = ElidedLabel(summary(message))
        self.send = QToolButton()
        self.send.setText("Send")
        self.send.setToolTip("Send this message again now")
        self.delete = QToolButton()
        self.delete.setText("Delete")
        self.delete.setVisible(deletable)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 1, 4, 1)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.send)
        layout.addWidget(self.delete)
        arguments = compact(message.args)[:PREVIEW_CHARACTERS] or "(no arguments)"
        self.setToolTip(f"{self.label.full_text}\n{arguments}")


class MessageList(QListWidget):
    """Messages, newest or first saved on top; a click on a row puts it in the form."""

    chosen = Signal(object)
    """A ``Message`` the user clicked: to show in the form."""
    sendRequested = Signal(object)
    """A ``Message`` whose Send button was clicked."""
    deleteRequested = Signal(str)
    """The name of a saved message whose Delete button was clicked."""

    def __init__(self, deletable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._deletable = deletable
        self._messages: list[Message] = []
        # Rows fit the list's width (their labels give way): no sideways scrolling.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemClicked.connect(lambda item: self.chosen.emit(self._messages[self.row(item)]))

    def show_messages(self, messages: Sequence[Message]) -> None:
        self.clear()
        self._messages = list(messages)
        for message in self._messages:
            row = MessageRow(message, self._deletable)
            row.send.clicked.connect(lambda _=False, m=message: self.sendRequested.emit(m))
            row.delete.clicked.connect(
                lambda _=False, m=message: self.deleteRequested.emit(m.name))
            item = QListWidgetItem(self)
            item.setSizeHint(row.sizeHint())
            self.setItemWidget(item, row)

    def row_widget(self, row: int) -> MessageRow:
        widget = self.itemWidget(self.item(row))
        assert isinstance(widget, MessageRow)
        return widget
