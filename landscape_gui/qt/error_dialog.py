"""The dialog that tells a user something went wrong: what happened, where the log is, and a
button that copies the details for a bug report (a double-clicked app has no terminal)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class ErrorDialog(QDialog):
    def __init__(
        self,
        title: str,
        message: str,
        details: str,
        log_path: str | None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("errorDialog")
        self.details = details
        self.log_path = log_path
        layout = QVBoxLayout(self)
        self.message = QLabel(message)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        where = (
            f"The details are also in the log: {log_path}"
            if log_path
            else ("No log could be written (the log folder cannot be created).")
        )
        self.log_label = QLabel(where)
        self.log_label.setWordWrap(True)
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.log_label)
        self.details_box = QPlainTextEdit(details)
        self.details_box.setReadOnly(True)
        self.details_box.setVisible(bool(details))
        self.details_box.setMinimumHeight(140)
        layout.addWidget(self.details_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("Copy details", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(560, 360 if details else 160)

    def report_text(self) -> str:
        lines = [self.windowTitle(), "", self.message.text()]
        if self.log_path:
            lines += ["", f"Log: {self.log_path}"]
        if self.details:
            lines += ["", self.details]
        return "\n".join(lines)

    def copy_details(self) -> None:
        QApplication.clipboard().setText(self.report_text())
        self.copy_button.setText("Copied")
