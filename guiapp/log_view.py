"""Help ▸ Show log: the ``losslab`` logger's recent records in a small window.

The window keeps the records in one :class:`core.log.RecentRecords` handler on the ``losslab``
logger (attached once, by :func:`recent_records`: the logger itself holds it, so there is no module
state here); the dialog shows them and follows new ones while it is open.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from core.log import RecentRecords, get_logger

__all__ = ["LogDialog", "recent_records"]

REFRESH_MS = 500


def recent_records(level: int = logging.INFO) -> RecentRecords:
    """The handler keeping the recent ``losslab`` records, attached on the first call. The logger
    passes records at ``level`` and above (unless it was set lower, e.g. by ``--verbose``)."""
    logger = get_logger()
    for handler in logger.handlers:
        if isinstance(handler, RecentRecords):
            return handler
    handler = RecentRecords(level=level)
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > level:
        logger.setLevel(level)
    return handler


class LogDialog(QDialog):
    """The recent log records, newest last; Copy puts them on the clipboard."""

    def __init__(self, records: RecentRecords | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("LossLab log")
        self.resize(760, 420)
        self.records = records or recent_records()
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.empty = QLabel("Nothing logged yet: warnings, errors and run summaries appear here.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self._shown = -1
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)

    def refresh(self) -> None:
        """Show the records kept so far (only when they changed)."""
        lines = list(self.records.lines)
        key = (len(lines), lines[-1] if lines else "")
        if key == self._shown:
            return
        self._shown = key
        self.text.setPlainText("\n".join(lines))
        self.text.verticalScrollBar().setValue(self.text.verticalScrollBar().maximum())
        self.empty.setVisible(not lines)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.refresh()
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._timer.stop()
        super().hideEvent(event)

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
