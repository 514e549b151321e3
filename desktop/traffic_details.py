"""The selected traffic entry: its payload as a collapsible JSON tree and as pretty text.

An event's payload is shown as its one argument, or as the list of its arguments when it
has several; an entry without one (a connect, a refusal) shows its own fields instead.
A payload cut by ``inspector_max_payload`` is no longer JSON: it is shown as the text
that was kept.  Everything here is a client's text, set as plain text only.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from server.inspector import Entry

from .traffic_model import kind_words, shown_time, who

MAX_TREE_ITEMS = 5_000
"""Tree rows built at most: a 256 KiB payload must not stall the window."""
EXPANDED_LEVELS = 2


def shown_data(entry: Entry) -> tuple[Any, str]:
    """What the panes show for ``entry``, and a caption saying what it is."""
    if entry.payload is None:
        fields = {key: value for key, value in entry.to_dict().items()
                  if value is not None and key != "args"}
        return fields, "the entry (no payload)"
    if entry.truncated:
        return entry.payload, f"payload cut to its first bytes (of {entry.size:,})"
    args = json.loads(entry.payload)
    if isinstance(args, list) and len(args) == 1:
        return args[0], "the event's argument"
    count = len(args) if isinstance(args, list) else 0
    return args, f"the event's {count} arguments"


def summary(entry: Entry) -> str:
    parts = [shown_time(entry), kind_words(entry), who(entry)]
    if entry.event:
        parts.append(entry.event)
    if entry.reason:
        parts.append(f"refused: {entry.reason}" if entry.refused_event else entry.reason)
    if entry.room:
        parts.append(f"room {entry.room}")
    if entry.recipients is not None:
        parts.append(f"{entry.recipients} recipient{'' if entry.recipients == 1 else 's'}")
    if entry.ack:
        parts.append("asked for an ack")
    if entry.payload is not None:
        parts.append(f"{entry.size:,} bytes")
    return "  ·  ".join(parts)


class JsonTree(QTreeWidget):
    """JSON data as a tree of key / value rows; objects and arrays fold."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(["Key", "Value"])
        self.setColumnWidth(0, 200)
        self.setUniformRowHeights(True)
        self._budget = 0

    def show_data(self, data: Any) -> None:
        self.clear()
        self._budget = MAX_TREE_ITEMS
        root = self.invisibleRootItem()
        if isinstance(data, dict | list):
            self._add_children(root, data, 0)
        else:
            self._add(root, "", data, 0)

    def _add_children(self, parent: QTreeWidgetItem, data: dict[str, Any] | list[Any],
                      level: int) -> None:
        pairs = data.items() if isinstance(data, dict) else (
            (f"[{number}]", value) for number, value in enumerate(data))
        for key, value in pairs:
            if self._budget <= 0:
                QTreeWidgetItem(parent, ["…", "(more not shown)"])
                return
            self._add(parent, str(key), value, level)

    def _add(self, parent: QTreeWidgetItem, key: str, value: Any, level: int) -> None:
        self._budget -= 1
        item = QTreeWidgetItem(parent, [key, _scalar_text(value)])
        if isinstance(value, dict | list):
            self._add_children(item, value, level + 1)
            item.setExpanded(level < EXPANDED_LEVELS)


def _scalar_text(value: Any) -> str:
    if isinstance(value, dict):
        return f"{{{len(value)} key{'' if len(value) == 1 else 's'}}}"
    if isinstance(value, list):
        return f"[{len(value)} item{'' if len(value) == 1 else 's'}]"
    return json.dumps(value, ensure_ascii=False)


class EntryDetails(QWidget):
    """A summary line, then the data as a tree and as text, with copy buttons."""

    message = Signal(str)
    """What was copied, to tell the user in passing (as the window's other copies do)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry: Entry | None = None
        self.summary = QLabel("Select an entry to see its payload.")
        self.summary.setWordWrap(True)
        self.caption = QLabel()
        for label in (self.summary, self.caption):
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.tree = JsonTree()
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.tabs = QTabWidget()
        self.tabs.addTab(self.tree, "Tree")
        self.tabs.addTab(self.text, "Text")
        self.copy_data = QPushButton("Copy payload")
        self.copy_data.clicked.connect(
            lambda: self._copy(self.text.toPlainText(), "the payload"))
        self.copy_entry = QPushButton("Copy entry as JSON")
        self.copy_entry.clicked.connect(lambda: self._copy(
            self.entry.to_json().decode() if self.entry else "", "the entry as JSON"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.caption, 1)
        buttons.addWidget(self.copy_data)
        buttons.addWidget(self.copy_entry)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        self.show_entry(None)

    def show_entry(self, entry: Entry | None) -> None:
        self.entry = entry
        for button in (self.copy_data, self.copy_entry):
            button.setEnabled(entry is not None)
        if entry is None:
            self.summary.setText("Select an entry to see its payload.")
            self.caption.clear()
            self.tree.clear()
            self.text.clear()
            return
        data, caption = shown_data(entry)
        self.summary.setText(summary(entry))
        self.caption.setText(f"Shown: {caption}")
        self.tree.show_data(data)
        self.text.setPlainText(data if isinstance(data, str) and entry.truncated
                               else json.dumps(data, indent=2, ensure_ascii=False))

    def _copy(self, text: str, what: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.message.emit(f"Copied {what} ({len(text):,} characters)")
