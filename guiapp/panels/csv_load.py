"""Loading a CSV data change off the GUI thread: a progress bar with Cancel under the Data panel.

The data edit (a new file, another target, other features) is tried on a copy of the project as a
task on the window's one task runner (``guiapp.tasks.TaskRunner``); when the table is read, the
dataset is handed to the document and the edit is pushed as one undo step. Cancel stops the reader
at its next progress report and leaves the project as it was; a newer load supersedes a running one,
whose result is then never used.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from core.project import Project
from core.tasks import TaskOutcome, with_progress

from ..tasks import TaskRunner


class CsvLoadRow(QWidget):
    """Progress and Cancel of the running load; hidden when nothing loads."""

    loadFinished = Signal(str)     # "loaded", "failed" or "cancelled"

    def __init__(self, panel, parent: QWidget | None = None):
        super().__init__(parent)
        self.panel = panel
        self.runner = TaskRunner(self, name="LossLabCsvLoad")
        self.runner.progressChanged.connect(self._on_runner_progressChanged)
        self.runner.taskFinished.connect(self._on_runner_taskFinished)
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
        return self.runner.is_running()

    def start(self, text: str, change: Callable[[Project], None]) -> None:
        """Load the data that ``change`` would give, then apply ``change`` as one undo step."""
        from core.data import load_dataset
        self.runner.cancel()                 # a running load is superseded: its result is never used
        doc = self.panel.document
        trial = doc.project.copy()
        change(trial)
        spec, base = trial.data, trial.base_dir
        self._context = (text, change, trial.to_dict()["data"], base)
        self.bar.setValue(0)
        self.label.setText(f"Reading {spec.path}…" if spec.path else "Loading…")
        self.show()
        self.runner.start(with_progress, load_dataset, spec, base)

    def cancel(self) -> None:
        """Stop the running load; it ends as ``cancelled`` once the reader has stopped."""
        self.runner.stop()

    def shutdown(self) -> None:
        """Cancel a running load and wait for its thread (window close)."""
        self.runner.cancel()
        self.runner.wait()

    def _on_cancel_clicked(self) -> None:
        self.cancel()
        self.label.setText("Cancelling…")

    def _on_runner_progressChanged(self, fraction: float, _status: str) -> None:  # noqa: N802 - the signal's name
        self.bar.setValue(int(fraction * 100))

    def _on_runner_taskFinished(self, outcome: TaskOutcome) -> None:  # noqa: N802 - the signal's name
        self.hide()
        if outcome.cancelled:
            self.panel.document.editRefused.emit("Loading cancelled: the data is unchanged")
            self.loadFinished.emit("cancelled")
        elif outcome.error is not None:
            self._done(None, outcome.message)
        else:
            self._done(outcome.value, "")

    def _keeps_image_stats(self, dataset) -> bool:
        data = self._context[2]
        return bool(data.get("normalize", True)) and "mean" not in data.get("params", {})

    def _done(self, dataset, error: str) -> None:
        text, change, data, base = self._context
        categories = dict(getattr(getattr(dataset, "encoding", None), "categories", None) or {})
        if categories:  # kept in the project, so a later file maps the same way
            def change_and_keep(p: Project) -> None:
                change(p)
                p.data.categories = categories
            trial = self.panel.document.project.copy()
            change_and_keep(trial)
            data = trial.to_dict()["data"]
        elif getattr(dataset, "image_report", None) is not None and self._keeps_image_stats(dataset):
            from core.data.image_dataset import image_stats_params
            stats = image_stats_params(dataset)

            def change_and_keep(p: Project) -> None:
                change(p)
                p.data.params = {**p.data.params, **stats}  # kept, so later loads and exports standardize alike
            trial = self.panel.document.project.copy()
            change_and_keep(trial)
            data = trial.to_dict()["data"]
        else:
            change_and_keep = change
        self.panel.document.prime_data(data, base, dataset, error)
        self.panel.edit(text, change_and_keep)
        self.loadFinished.emit("loaded" if dataset is not None else "failed")
