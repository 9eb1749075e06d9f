"""The learning-rate range test off the GUI thread: :class:`LRFinderRunner` starts
``core.lr_finder.find_lr`` on a :class:`LRFinderWorker` thread and reports its result.

``find_lr`` has no control object, so Cancel does not stop it: the runner forgets the test at once
(its result is ignored) and the thread finishes in the background, which takes a few seconds at
most (a hundred batches). Workers are parented to the application, not to the view that started
them, so closing that view or the window never destroys a running thread; ``aboutToQuit`` waits
for any still running. Only plain data crosses threads: the project snapshot and data set go in,
an ``LRFinderResult`` (lists of floats) or an error message comes out.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal

__all__ = ["FinderOptions", "LRFinderRunner", "LRFinderWorker", "wait_for_finders"]

_RUNNING: set["LRFinderWorker"] = set()
_QUIT_HOOKED = False


@dataclass(frozen=True)
class FinderOptions:
    """The sweep: rates from ``start_lr`` to ``end_lr`` (exponentially) over ``steps`` batches."""
    start_lr: float = 1e-7
    end_lr: float = 10.0
    steps: int = 100


def wait_for_finders(timeout_ms: int | None = None) -> bool:
    """Wait for every range test still running (at quit: a running QThread must not be destroyed).
    True when none is left."""
    for worker in list(_RUNNING):
        try:
            done = worker.wait() if timeout_ms is None else worker.wait(timeout_ms)
        except RuntimeError:            # its C++ object is already gone
            done = True
        if done:
            _RUNNING.discard(worker)
    return not _RUNNING


def _hook_quit() -> None:
    global _QUIT_HOOKED
    app = QCoreApplication.instance()
    if app is not None and not _QUIT_HOOKED:
        app.aboutToQuit.connect(wait_for_finders)
        _QUIT_HOOKED = True


class LRFinderWorker(QThread):
    """Runs one range test; ``result`` (LRFinderResult) or ``error`` is set when it finishes."""

    def __init__(self, project: Any, dataset: Any, options: FinderOptions) -> None:
        super().__init__(QCoreApplication.instance())
        self.setObjectName("LossLabLRFinder")
        self.project, self.dataset, self.options = project, dataset, options
        self.result = None
        self.error = ""
        self.seconds = 0.0
        self.finished.connect(self._on_self_finished)

    def start(self) -> None:  # noqa: D102 - QThread's
        _RUNNING.add(self)
        super().start()

    def run(self) -> None:  # the finder's thread
        from core.lr_finder import find_lr
        t0 = time.perf_counter()
        o = self.options
        try:
            self.result = find_lr(self.project, dataset=self.dataset, start_lr=o.start_lr, end_lr=o.end_lr,
                                  steps=o.steps)
        except Exception as exc:  # noqa: BLE001 - a bad range, data or graph becomes a message
            text = str(exc) or type(exc).__name__
            self.error = text if isinstance(exc, ValueError) else f"{type(exc).__name__}: {text}"
        self.seconds = time.perf_counter() - t0

    def _on_self_finished(self) -> None:
        self.wait()                     # finished is emitted just before the thread ends
        _RUNNING.discard(self)
        self.deleteLater()


class LRFinderRunner(QObject):
    """One range test at a time for whoever asks (the view).

    ``finderStarted()``; then exactly one of ``finderFinished(LRFinderResult)``,
    ``finderFailed(str)`` or (from :meth:`cancel`) ``finderCancelled()``.
    """

    finderStarted = Signal()
    finderFinished = Signal(object)
    finderFailed = Signal(str)
    finderCancelled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: LRFinderWorker | None = None
        self.seconds = 0.0              # how long the last finished test took
        _hook_quit()

    def is_running(self) -> bool:
        """True from :meth:`start` until its result arrives or :meth:`cancel`."""
        return self._worker is not None

    def start(self, project: Any, dataset: Any, options: FinderOptions | None = None) -> bool:
        """Test ``project`` (a snapshot: it is not read again) on ``dataset``. False while a test runs."""
        if self._worker is not None:
            return False
        worker = LRFinderWorker(project, dataset, options or FinderOptions())
        worker.finished.connect(self._on_worker_finished)
        self._worker = worker
        worker.start()
        self.finderStarted.emit()
        return True

    def cancel(self) -> None:
        """Stop waiting: the running test's result will be ignored (its thread ends by itself)."""
        worker, self._worker = self._worker, None
        if worker is not None:
            try:
                worker.finished.disconnect(self._on_worker_finished)
            except (RuntimeError, TypeError):
                pass
            self.finderCancelled.emit()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until the running test has finished and been reported (tests, quitting)."""
        worker = self._worker
        if worker is None:
            return True
        if not worker.wait(timeout_ms):
            return False
        self._on_worker_finished(worker)
        return True

    def _on_worker_finished(self, worker: LRFinderWorker | None = None) -> None:
        worker = worker if isinstance(worker, LRFinderWorker) else self.sender()
        if worker is None or worker is not self._worker:
            return                      # a cancelled test's late result
        worker.wait()
        self._worker = None
        self.seconds = worker.seconds
        if worker.result is not None:
            self.finderFinished.emit(worker.result)
        else:
            self.finderFailed.emit(worker.error or "the range test ended without a result")
