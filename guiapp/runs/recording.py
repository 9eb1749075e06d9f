"""Record the window's trainings in the run store, from the training controller's signals.

The controller already hands every epoch, the findings and the result to the GUI thread; this
object feeds them to a :class:`core.runs.RunRecorder` (one short transaction per epoch), so the
training thread is untouched. The step losses arrive with each drain and go in with the next epoch.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class WindowRecorder(QObject):
    """``runRecorded(str)``: a Run ended and is in the store (its id)."""

    runRecorded = Signal(str)
    storeFailed = Signal(str)

    def __init__(self, controller, document, store_dir=None, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.store_dir = store_dir
        self.enabled = True
        self.recorder = None
        self._store = None
        controller.runStarted.connect(self._on_controller_runStarted)
        controller.stepsArrived.connect(self._on_controller_stepsArrived)
        controller.epochEnded.connect(self._on_controller_epochEnded)
        controller.findingsChanged.connect(self._on_controller_findingsChanged)
        controller.runFinished.connect(self._on_controller_runFinished)

    def _open(self):
        if self._store is None:
            from core.runs import open_store
            self._store = open_store(self.store_dir)
        return self._store

    def _on_controller_runStarted(self, info) -> None:
        self.recorder = None
        if not self.enabled:
            return
        from core.runs import RunRecorder, StoreError
        try:
            store = self._open()
        except StoreError as e:
            self.storeFailed.emit(str(e))
            return
        project = self.document.project.copy()
        self.recorder = RunRecorder(store, project, seed=project.training.seed)
        self.recorder.on_run_start(info)

    def _on_controller_stepsArrived(self, chunk) -> None:
        if self.recorder is not None:
            from core.training.events import StepRecords
            self.recorder.on_steps(StepRecords(chunk.first_step, chunk.epoch, chunk.loss, (), ()))

    def _on_controller_epochEnded(self, record) -> None:
        if self.recorder is not None:
            self.recorder.on_epoch_end(record)

    def _on_controller_findingsChanged(self, findings: list) -> None:
        if self.recorder is not None:
            self.recorder.on_findings([], findings)

    def _on_controller_runFinished(self, result) -> None:
        rec, self.recorder = self.recorder, None
        if rec is None:
            return
        rec.on_run_end(result)
        if rec.error:
            self.storeFailed.emit(rec.error)
        self.runRecorded.emit(rec.run_id)
