"""The status bar's word on a big data file being read in the background (File ▸ Open, an undo, an edit).

The document reads a big table as a task (``ProjectDocument.dataLoadChanged``); this shows what is
read and how far, in the window's status bar, and hides once the data is in.
"""
from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar


class DataLoadProgress(QObject):
    """A label and a progress bar in ``status_bar``, shown while ``document`` reads its data."""

    def __init__(self, document, status_bar: QStatusBar) -> None:
        super().__init__(status_bar)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setObjectName("status.data_progress")
        self.bar.setRange(0, 100)
        self.bar.setMaximumWidth(160)
        self.bar.setMaximumHeight(14)
        status_bar.addPermanentWidget(self.label)
        status_bar.addPermanentWidget(self.bar)
        self.label.hide()
        self.bar.hide()
        document.dataLoadChanged.connect(self._on_document_dataLoadChanged)

    def _on_document_dataLoadChanged(self, text: str, fraction: float) -> None:  # noqa: N802 - the signal's name
        self.label.setText(text)
        self.bar.setValue(int(fraction * 100))
        self.label.setVisible(bool(text))
        self.bar.setVisible(bool(text))
