"""The study thread: runs :class:`core.studies.StudyRunner` off the GUI thread.

Self-contained (a ``QThread`` + a ``deque`` drained by the view's timer, the pattern of
``guiapp/training/worker.py``): the generic task runner ``guiapp/tasks.py`` was not on main when this
was written. The trials themselves run in worker processes (or on Ray); this thread only waits for
their outcomes, so the window never freezes.
"""
from __future__ import annotations

from collections import deque

from PySide6.QtCore import QThread


class StudyWorker(QThread):
    """Events in ``self.events``: ``("progress", Progress)``, ``("failed", message)``, ``("done", outcomes)``."""

    def __init__(self, plan, backend: str = "local", workers: int | None = None, address: str | None = None,
                 store_dir: str | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("LossLabStudyWorker")
        self.plan, self.backend, self.workers, self.address = plan, backend, workers, address
        self.store_dir = store_dir
        self.events: deque = deque()
        self.runner = None
        self._cancel = False

    def cancel(self) -> None:
        """Queued trials never start; running ones stop at their next step flush."""
        self._cancel = True
        if self.runner is not None:
            self.runner.cancel()

    def run(self) -> None:  # the study thread
        from core.runs import StoreError, open_store
        from core.studies import ExecutorError, StudyRunner, make_executor
        store = None
        try:
            try:
                store = open_store(self.store_dir)
                for t in self.plan.tasks:
                    t.store_dir = str(store.dir)
            except StoreError as e:
                self.events.append(("warning", f"not recording the trials: {e}"))
            try:
                executor = make_executor(self.backend, workers=self.workers, address=self.address,
                                         n_trials=len(self.plan.tasks))
            except ExecutorError as e:
                self.events.append(("failed", str(e)))
                return
            self.runner = StudyRunner(self.plan, executor, store)
            if self._cancel:
                self.runner.cancel()
            self.events.append(("started", f"{executor.name}: {executor.workers} worker(s) x {executor.threads} "
                                           "torch thread(s)"))
            outcomes = self.runner.run(lambda p: self.events.append(("progress", p)))
            self.events.append(("done", outcomes))
        except Exception as exc:  # noqa: BLE001 - shown in the view, never a crash of the window
            self.events.append(("failed", f"{type(exc).__name__}: {exc}"))
        finally:
            if store is not None:
                store.close()
