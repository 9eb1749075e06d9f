""""Find suspect labels": the cross-validated search (:func:`core.evaluation.find_suspects`) on a
background task, with progress and Cancel; the window never waits on it."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from core.evaluation import find_suspects

from ..tasks import TaskRunner

DEFAULT_FOLDS = 5


class SuspectSearch(QObject):
    """One search at a time. ``progressed(fraction, status)`` while it runs; then exactly one of
    ``found(list[SuspectResult])``, ``failed(message)`` or ``cancelled()``."""

    progressed = Signal(float, str)
    found = Signal(list)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = TaskRunner(self, name="LossLabSuspectSearch")
        self.runner.progressChanged.connect(self.progressed)
        self.runner.taskFinished.connect(self._on_runner_taskFinished)
        self.runner.taskCancelled.connect(self.cancelled)

    def is_running(self) -> bool:
        return self.runner.is_running()

    def start(self, project, dataset, folds: int = DEFAULT_FOLDS) -> bool:
        """Start the search on a copy of ``project``; False when one already runs."""
        return self.runner.start(find_suspects, project.copy(), dataset, folds=folds) is not None

    def cancel(self) -> None:
        """Stop the fold being trained at its next step and forget the search."""
        self.runner.cancel()

    def wait(self, timeout_ms: int | None = None) -> bool:
        return self.runner.wait(timeout_ms)

    def _on_runner_taskFinished(self, outcome) -> None:
        if outcome.cancelled:
            self.cancelled.emit()
        elif outcome.error is not None:
            self.failed.emit(outcome.message)
        else:
            self.found.emit(list(outcome.value))
