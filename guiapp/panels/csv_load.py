"""Loading a CSV data change off the GUI thread: a progress bar with Cancel under the Data panel.

The data edit (a new file, another target, other features) is tried on a copy of the project in a
background thread; when the table is read, the dataset is handed to the document and the edit is
pushed as one undo step. Cancel leaves the project as it was.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from core.project import Project

from ..deployment.background import BackgroundTask


class CsvLoadRow(QWidget):
    """Progress and Cancel of the running load; hidden when nothing loads."""

    loadFinished = Signal(str)     # "loaded", "failed" or "cancelled"

    def __init__(self, panel, parent: QWidget | None = None):
        super().__init__(parent)
        self.panel = panel
        self.task: BackgroundTask | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("Reading the table…")
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setObjectName("data.progress")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("data.cancel")
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        row.addWidget(self.label)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        self.hide()

    @property
    def busy(self) -> bool:
        return self.task is not None

    def start(self, text: str, change: Callable[[Project], None]) -> None:
        """Load the data that ``change`` would give, then apply ``change`` as one undo step."""
        from core.data import load_dataset
        if self.task is not None:
            self.task.cancel()
        doc = self.panel.document
        trial = doc.project.copy()
        change(trial)
        spec, base = trial.data, trial.base_dir
        task = self.task = BackgroundTask(lambda progress: load_dataset(spec, base, progress=progress), self)
        self._context = (text, change, trial.to_dict()["data"], base)
        # bound slots of this widget: queued onto the GUI thread
        task.progressed.connect(self._on_task_progressed)
        task.succeeded.connect(self._on_task_succeeded)
        task.failed.connect(self._on_task_failed)
        task.cancelled.connect(self._on_task_cancelled)
        self.bar.setValue(0)
        self.label.setText(f"Reading {spec.path}…" if spec.path else "Loading…")
        self.show()
        task.start()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _on_cancel_clicked(self) -> None:
        self.cancel()
        self.label.setText("Cancelling…")

    @Slot(float)
    def _on_task_progressed(self, fraction: float) -> None:
        if self.sender() is self.task:
            self.bar.setValue(int(fraction * 100))

    @Slot(object)
    def _on_task_succeeded(self, dataset) -> None:
        self._done(self.sender(), dataset, "")

    @Slot(str)
    def _on_task_failed(self, message: str) -> None:
        self._done(self.sender(), None, message)

    @Slot()
    def _on_task_cancelled(self) -> None:
        if not self._finish(self.sender()):
            return
        self.panel.document.editRefused.emit("Loading cancelled: the data is unchanged")
        self.loadFinished.emit("cancelled")

    def _finish(self, task: BackgroundTask) -> bool:
        task.wait()
        task.deleteLater()
        if task is not self.task:
            return False  # superseded by a newer load
        self.task = None
        self.hide()
        return True

    def _done(self, task, dataset, error: str) -> None:
        if not self._finish(task):
            return
        text, change, data, base = self._context
        categories = dict(getattr(getattr(dataset, "encoding", None), "categories", None) or {})
        if categories:  # kept in the project, so a later file maps the same way
            def change_and_keep(p: Project) -> None:
                change(p)
                p.data.categories = categories
            trial = self.panel.document.project.copy()
            change_and_keep(trial)
            data = trial.to_dict()["data"]
        else:
            change_and_keep = change
        self.panel.document.prime_data(data, base, dataset, error)
        self.panel.edit(text, change_and_keep)
        self.loadFinished.emit("loaded" if dataset is not None else "failed")
