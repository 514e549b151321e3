"""The settings dialog's fields, checked as typed against ``server.config.Settings``.

The model's own constraints and validators decide, so the dialog holds no second copy of
the limits.  Plain line edits rather than spin boxes: a spin box clamps what is typed
(70000 in a 0-65535 box becomes 7000) and rounds to its decimals, so the dialog would save
something else than what the user wrote.  Here a wrong value stays as typed, marked
invalid, with the reason next to it in the words of the field's label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import annotated_types
from pydantic import ValidationError
from PySide6.QtCore import QSize
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QStyle, QStyleOptionFrame, QWidget

from server.config import Settings

INVALID_STYLE = "*[invalid=\"true\"] { border: 1px solid #c62828; }"
"""For the dialog's style sheet: a field marked invalid gets a red frame."""

NUMBER_ERRORS = {"int_parsing", "int_from_float", "float_parsing", "greater_than",
                 "greater_than_equal", "less_than", "less_than_equal", "finite_number"}
"""pydantic's error types that mean "not a number in range": answered with the range."""


@dataclass(frozen=True)
class Checked:
    """What a field's text gives: the value the model would hold, or why it cannot."""

    value: Any = None
    problem: str | None = None


def allowed_range(name: str) -> str | None:
    """The model's bounds for a numeric setting, in words ("at least 0 and at most 65535")."""
    words = ((annotated_types.Ge, "ge", "at least"), (annotated_types.Gt, "gt", "above"),
             (annotated_types.Le, "le", "at most"), (annotated_types.Lt, "lt", "below"))
    parts = [f"{word} {getattr(constraint, attribute):g}"
             for constraint in Settings.model_fields[name].metadata
             for kind, attribute, word in words if isinstance(constraint, kind)]
    return " and ".join(parts) or None


def check(name: str, label: str, text: str, unit: str = "") -> Checked:
    """Setting ``name`` as ``text`` would make it, checked by the model itself."""
    try:
        model = Settings.__pydantic_validator__.validate_assignment(
            Settings.model_construct(), name, text)
    except ValidationError as exc:
        error = exc.errors()[0]
        bounds = allowed_range(name)
        if error["type"] in NUMBER_ERRORS and bounds is not None:
            kind = "a whole number" if Settings.model_fields[name].annotation is int \
                else "a number"
            kind += f" of {unit}" if unit else ""
            return Checked(problem=f"{label} must be {kind}, {bounds}")
        return Checked(problem=f"{label}: {error['msg'].removeprefix('Value error, ')}")
    return Checked(value=getattr(model, name))


class SettingValidator(QValidator):
    """Keeps every keystroke (never rejects or fixes one), and tells Qt whether the text
    is acceptable: ``hasAcceptableInput()`` is then the field's validity."""

    def __init__(self, name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self._name = name

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        ok = check(self._name, self._name, text).problem is None
        state = QValidator.State.Acceptable if ok else QValidator.State.Intermediate
        return state, text, pos


class PlaceholderLineEdit(QLineEdit):
    """A line edit wide enough for its whole placeholder, which says what empty means."""

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        margins = self.textMargins()
        # As QLineEdit::sizeHint: the text, 2 px of inner margin a side, and the cursor.
        text = (self.fontMetrics().horizontalAdvance(self.placeholderText())
                + margins.left() + margins.right() + 2 * 2 + 1)
        option = QStyleOptionFrame()
        self.initStyleOption(option)
        wanted = self.style().sizeFromContents(
            QStyle.ContentsType.CT_LineEdit, option, QSize(text, hint.height()), self)
        return hint.expandedTo(QSize(wanted.width(), hint.height()))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()


class SettingRow:
    """One setting in the dialog: its editor, and the message line under it."""

    def __init__(self, name: str, label: str, editor: QLineEdit | QComboBox,
                 unit: str = "") -> None:
        self.name, self.label, self.editor, self.unit = name, label, editor, unit
        line = editor if isinstance(editor, QLineEdit) else editor.lineEdit()
        if line is None:
            raise ValueError(f"{name}: a combo box must be editable to be a setting's editor")
        self.line = line
        self.line.setValidator(SettingValidator(name, editor))
        description = Settings.model_fields[name].description
        bounds = allowed_range(name)
        hints = [part for part in (description, bounds and f"{bounds} {unit}".strip()) if part]
        editor.setToolTip("; ".join(hints))
        self.message = QLabel()
        self.message.setObjectName(f"{name}_message")
        self.message.setStyleSheet("color: #c62828;")
        self.message.setBuddy(editor)

    def check(self) -> Checked:
        return check(self.name, self.label, self.line.text(), self.unit)

    def show(self, checked: Checked) -> None:
        """Mark the editor and fill the message line from ``checked``."""
        self.message.setText(checked.problem or "")
        invalid = checked.problem is not None
        if self.editor.property("invalid") != invalid:
            self.editor.setProperty("invalid", invalid)
            # A dynamic property only restyles once the style sheet is applied again.
            self.editor.style().unpolish(self.editor)
            self.editor.style().polish(self.editor)
