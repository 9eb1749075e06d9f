"""Record the window's trainings in the run store, beside the trainer.

When a Run starts, the training controller asks this object for an observer
(:meth:`TrainingController.add_observer_factory`): a :class:`core.runs.recorder.ThreadRecorder` that
opens its own store connection on the training thread and writes one short transaction per epoch
there, exactly as ``losslab train`` records its runs. The GUI thread writes nothing while a run
trains: it only hears, once the run has ended, that the run is in the store (``runRecorded``).
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class WindowRecorder(QObject):
    """``runRecorded(str)``: a Run ended and is in the store (its id); ``storeFailed(str)``: why a
    Run was not (fully) recorded."""

    runRecorded = Signal(str)
    storeFailed = Signal(str)

    def __init__(self, controller, document, store_dir=None, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.store_dir = store_dir
        self.enabled = True
        self._told = ""                 # the store failure already reported for this Run
        self.recorder = None            # the ThreadRecorder of the Run in progress (or the last one)
        controller.add_observer_factory(self._observer_for)
        controller.runStarted.connect(self._on_controller_runStarted)
        controller.runFinished.connect(self._on_controller_runFinished)

    def _observer_for(self, project):
        """A recorder for the Run about to train ``project`` (the GUI thread, at Run)."""
        from core.runs.recorder import ThreadRecorder
        self.recorder = None
        if not self.enabled:
            return None
        self.recorder = ThreadRecorder(self.store_dir, project, seed=project.training.seed)
        return self.recorder

    def _on_controller_runStarted(self, _info) -> None:
        rec = self.recorder             # the store is opened before the trainer reports the start
        if rec is not None and rec.error:
            self._told = rec.error
            self.storeFailed.emit(rec.error)

    def _on_controller_runFinished(self, _result) -> None:
        # ``runFinished`` comes after the training thread has ended: the recorder has written the end
        rec, self.recorder = self.recorder, None
        if rec is None:
            return
        if rec.error and rec.error != self._told:
            self.storeFailed.emit(rec.error)
        self._told = ""
        self.runRecorded.emit(rec.run_id)
