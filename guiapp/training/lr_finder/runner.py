"""The learning-rate range test off the GUI thread: :class:`LRFinderRunner` runs
``core.lr_finder.find_lr`` as a task on the window's one task runner (``guiapp.tasks.TaskRunner``).

Cancel is real: ``find_lr`` checks its task state before every batch, so the thread stops within a
batch; the runner forgets the test at once (a late result goes nowhere) and a new test may start
while the old thread winds down. The task runner parents its threads to the application and waits for
them on quit, so closing the view or the window never destroys a running thread. Only plain data
crosses threads: the project snapshot and data set go in, an ``LRFinderResult`` (lists of floats) or
an error message comes out.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from ...tasks import TaskRunner

__all__ = ["FinderOptions", "LRFinderRunner"]


@dataclass(frozen=True)
class FinderOptions:
    """The sweep: rates from ``start_lr`` to ``end_lr`` (exponentially) over ``steps`` batches."""
    start_lr: float = 1e-7
    end_lr: float = 10.0
    steps: int = 100


class LRFinderRunner(QObject):
    """One range test at a time for whoever asks (the view).

    ``finderStarted()``; ``pointsArrived(list)`` of ``(rate, loss, smoothed)`` as the test goes (a
    list per drain); then exactly one of ``finderFinished(LRFinderResult)``, ``finderFailed(str)`` or
    (from :meth:`cancel`) ``finderCancelled()``.
    """

    finderStarted = Signal()
    finderFinished = Signal(object)
    finderFailed = Signal(str)
    finderCancelled = Signal()
    progressChanged = Signal(float, str)
    pointsArrived = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = TaskRunner(self, name="LossLabLRFinder")
        self.tasks.taskFinished.connect(self._on_tasks_taskFinished)
        self.tasks.taskCancelled.connect(self.finderCancelled)
        self.tasks.progressChanged.connect(self.progressChanged)
        self.tasks.messagesArrived.connect(self._on_tasks_messagesArrived)
        self.seconds = 0.0              # how long the last finished test took

    def is_running(self) -> bool:
        """True from :meth:`start` until its result arrives or :meth:`cancel`."""
        return self.tasks.is_running()

    def start(self, project: Any, dataset: Any, options: FinderOptions | None = None) -> bool:
        """Test ``project`` (a snapshot: it is not read again) on ``dataset``. False while a test runs."""
        from core.lr_finder import find_lr
        o = options or FinderOptions()
        if self.tasks.start(find_lr, project, dataset=dataset, start_lr=o.start_lr, end_lr=o.end_lr,
                            steps=o.steps) is None:
            return False
        self.finderStarted.emit()
        return True

    def cancel(self) -> None:
        """Stop the running test; its result, should one still come, is ignored."""
        self.tasks.cancel()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until the running test (and any cancelled one) has ended, the running one reported
        (tests, quitting). False on a timeout."""
        return self.tasks.wait(timeout_ms)

    def _on_tasks_messagesArrived(self, messages: list) -> None:
        points = [payload for kind, payload in messages if kind == "point"]
        if points:
            self.pointsArrived.emit(points)

    def _on_tasks_taskFinished(self, outcome) -> None:
        self.seconds = outcome.seconds
        if outcome.ok and outcome.value is not None:
            self.finderFinished.emit(outcome.value)
        else:
            self.finderFailed.emit(outcome.message or "the range test ended without a result")
