"""Run / Pause / Step / Stop / Reset for the document's project, with training on a QThread.

Run on a trained model asks Continue or Restart (:mod:`.run_mode`): Continue trains the same
weights for another ``training.epochs`` epochs (the optimizer and the schedule carry on) and the
curves go on where they stopped. Reset, or an edit of the model, data or outputs, makes the next
Run start from fresh weights with empty curves. Each Run trains a snapshot of the project taken when
Run is pressed; edits made while it trains apply to the next Run.

Training runs as a ``core.tasks`` task (:func:`.worker.run_training`) on the controller's
``guiapp.tasks.TaskRunner``, which drains its events every 100 ms (10 Hz: each drain wakes the GUI
thread into Python, which holds the GIL the training thread needs; at 20 Hz the drains' fixed work
cost ~2% of the training speed, and curves and progress moving 10 times a second read as live). The events are the trainer's own
typed records (``core.training.events``), read by a :class:`~.drain.RunFeed`: one ``stepsArrived`` per
drain with every step since the last one, then ``epochEnded`` per epoch, then ``historyUpdated`` once
(views redraw on that). ``runFinished`` follows once the training thread has ended.
"""
from __future__ import annotations

import os

from PySide6.QtCore import QCoreApplication, QObject, Signal

from core.training import TrainingControl

from .actions import TrainingActions
from .drain import RunFeed
from .history import RunHistory
from ..tasks import TaskRunner
from .run_mode import RunMode
from .staleness import StaleMarker
from .worker import QueueObserver, RunOptions, run_training

__all__ = ["TrainingController", "torch_threads"]

DRAIN_INTERVAL_MS = 100


def torch_threads() -> int:
    """The torch thread cap: ``guiapp.settings.torch_threads()``, else all cores but one."""
    try:
        from ..settings import torch_threads as from_settings
        return max(1, int(from_settings()))
    except Exception:  # noqa: BLE001 - settings are optional here
        return max(1, (os.cpu_count() or 2) - 1)


class TrainingController(QObject):
    """Owns the actions and the training thread for one :class:`ProjectDocument`.

    ``stepsArrived(StepChunk)``, ``epochEnded(EpochRecord)``, ``findingsChanged(list)`` and
    ``boundaryUpdated``/``confusionUpdated`` carry step and epoch numbers counted since the last
    Reset; ``runStarted(RunInfo)`` has ``start_epoch`` = epochs trained before this Run.
    ``runFinished(RunResult)`` ends every Run that started (``result.status``: completed,
    early_stopped, stopped, diverged, failed); ``runFailed(str)`` tells why a Run failed or could not
    start.
    """

    runStarted = Signal(object)
    stepsArrived = Signal(object)
    epochEnded = Signal(object)
    findingsChanged = Signal(list)
    runFinished = Signal(object)
    runFailed = Signal(str)
    stateChanged = Signal(str)          # idle | running | paused | stopping
    historyUpdated = Signal()           # once per drain that brought events, after the signals above
    ticked = Signal()                   # every drain while a Run is in flight (100 ms): the views draw on it
    historyCleared = Signal()           # Reset, or a Run from fresh weights
    boundaryUpdated = Signal(object)    # BoundarySnapshot
    confusionUpdated = Signal(object)   # ConfusionMatrix
    findingSelected = Signal(object)    # a finding picked in the findings panel

    def __init__(self, document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.history = RunHistory()
        self.boundary_resolution = 80
        self.last_boundary = None
        self.last_confusion = None
        self._state = "idle"
        self._runner = TaskRunner(self, interval_ms=DRAIN_INTERVAL_MS, name="LossLabTrainingWorker")
        self.feed = RunFeed(self)       # the drained events -> the history and the signals above
        self._observer: QueueObserver | None = None
        self._control: TrainingControl | None = None
        self._kept_setup = None
        self.trained_project = None
        self._model_stale = False
        self._last_result = None        # the RunResult a continued Run resumes (train(resume=...))
        self.loaded_run: str | None = None  # a stored run whose weights Runs ▸ Continue loaded (Run won't ask)
        self._boundary_viewers: set[int] = set()
        self._observer_factories: list = []

        self.actions = TrainingActions(self)
        a = self.actions
        self.run_action, self.pause_action, self.stop_action = a["run"], a["pause"], a["stop"]
        self.step_action, self.step_epoch_action, self.reset_action = a["step"], a["step_epoch"], a["reset"]
        self.run_mode = RunMode(self)
        self.staleness = StaleMarker(self)     # the shown run vs. the edited document
        self.run_action.triggered.connect(lambda: self.run_mode.run())
        self.stop_action.triggered.connect(lambda: self.stop())
        self.step_action.triggered.connect(lambda: self.step())
        self.step_epoch_action.triggered.connect(lambda: self.step_epoch())
        self.reset_action.triggered.connect(lambda: self.reset())

        def on_pause_toggled(checked: bool) -> None:
            self.pause() if checked else self.resume()
            self._update_actions()
        self.pause_action.toggled.connect(on_pause_toggled)

        self._runner.messagesArrived.connect(self.feed.take)
        self._runner.ticked.connect(self.ticked)
        self._runner.taskFinished.connect(self._on_runner_taskFinished)
        document.checkUpdated.connect(lambda _check: self._update_actions())
        # what the model on screen was trained from: the network, its heads, the data
        document.graphChanged.connect(self._on_document_model_changed)
        document.outputsChanged.connect(self._on_document_model_changed)
        document.dataChanged.connect(self._on_document_model_changed)
        document.trainingChanged.connect(self._update_actions)
        document.projectReplaced.connect(lambda: self.reset())
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(lambda: self.stop_and_wait(2.0))
        self._update_actions()

    # -- state ------------------------------------------------------------------------------------
    @property
    def state(self) -> str:
        return self._state

    @property
    def drain_count(self) -> int:
        """How many drains brought training events (the task runner's count)."""
        return self._runner.drain_count

    def is_running(self) -> bool:
        """True from Run until the run has ended (paused counts as running)."""
        return self._runner.is_running()

    def is_paused(self) -> bool:
        return self._control is not None and self._control.paused and not self._control.stopped

    def is_parked(self) -> bool:
        """Paused with nothing in flight: the training thread waits for the next command and every
        step it ran has reached the history (the state after Step, or after Pause settles)."""
        state = self._runner.state
        return (self.is_paused() and self._control.waiting and state is not None
                and not state.has_messages())

    def has_trained_model(self) -> bool:
        """Whether a Run would continue trained weights (False: fresh weights)."""
        return self._kept_setup is not None and not self._model_stale

    def trained_model(self):
        """The model of the last run that ended with usable weights (the Deployment tab checks it), or
        None: nothing trained yet, a reset, or a fresh run that diverged."""
        # the kept setup's model is the one the run trained: handed over with the setup, never in the RunResult
        return self._kept_setup.model if self._last_result is not None and self._kept_setup is not None else None

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self._update_actions()
            self.stateChanged.emit(state)

    def _update_actions(self) -> None:
        ok, reason = self.document.can_train()
        self.actions.update(can_train=ok, reason=reason, running=self.is_running(), paused=self.is_paused(),
                            stopping=self._state == "stopping", continues=self.has_trained_model(),
                            has_history=self.history.n_steps > 0)

    # -- commands ---------------------------------------------------------------------------------
    def run(self, *, paused: bool = False, epochs: int | None = None) -> bool:
        """Start a Run (or resume a paused one). Returns False when it cannot start."""
        if self.is_running():
            if self.is_paused() and not paused:
                self._control.resume()
                self._set_state("running")
                self._update_actions()
                return True
            return False
        ok, reason = self.document.can_train()
        if not ok:
            self.runFailed.emit(reason)
            return False
        project = self.document.project.copy()
        self.trained_project = project       # what the shown run trains: staleness compares the document to it
        self.loaded_run = None
        if not self.has_trained_model():
            self._kept_setup = None
            self._last_result = None
            self._model_stale = False
            if not self.feed.cleared_this_turn():
                self.feed.clear()
        options = RunOptions(project, self.document.dataset, self._kept_setup, epochs or project.training.epochs,
                             project.training.seed, torch_threads(), self.boundary_resolution, self._last_result,
                             tuple(o for o in (f(project) for f in self._observer_factories) if o is not None))
        self._control = TrainingControl()
        if paused:
            self._control.pause()
        self._observer = QueueObserver()
        self._observer.boundary_enabled = bool(self._boundary_viewers)
        self.feed.ended = None
        self._runner.start(run_training, options, self._observer, self._control)
        self._set_state("paused" if paused else "running")
        self._update_actions()
        return True

    def pause(self) -> None:
        if self.is_running() and not self.is_paused():
            self._control.pause()
            self._set_state("paused")
            self._update_actions()

    def resume(self) -> None:
        if self.is_paused():
            self.run()

    def step(self, batches: int = 1) -> bool:
        """Train ``batches`` batches, then pause (starts a paused Run when idle)."""
        if not self.is_running() and not self.run(paused=True):
            return False
        self._control.step(batches)
        self._set_state("paused")
        self._update_actions()
        return True

    def step_epoch(self) -> bool:
        """Train to the end of the current epoch, then pause."""
        if not self.is_running() and not self.run(paused=True):
            return False
        self._control.step_epoch()
        self._set_state("paused")
        self._update_actions()
        return True

    def stop(self) -> None:
        """Ask the run to stop after the current batch (returns at once; see ``stop_and_wait``)."""
        if self.is_running():
            self._control.stop()
            self._set_state("stopping")

    def stop_and_wait(self, timeout_s: float = 1.0) -> bool:
        """Stop the run and wait for its thread; emits ``runFinished`` before returning.
        True when no run is left (False: the thread did not end within ``timeout_s``)."""
        if not self.is_running():
            return True
        self._control.stop()
        self._set_state("stopping")
        return self._runner.wait(max(1, int(timeout_s * 1000)))   # reports the end before returning

    def set_lr(self, value: float) -> bool:
        """Change the learning rate of the running training from its next batch (a schedule may
        change it again). Returns False when nothing is training."""
        if not (value > 0):
            raise ValueError(f"learning rate must be positive, received {value}")
        if not self.is_running():
            return False
        self._control.set_lr(float(value))
        return True

    def reset(self) -> None:
        """Stop any run, forget the trained weights and clear the curves."""
        if self.is_running():
            self.stop_and_wait(2.0)
        self._kept_setup = None
        self._last_result = None
        self._model_stale = False
        self.loaded_run = None
        self.feed.clear()
        self._update_actions()

    def start_from(self, setup, run_id: str | None = None, resume=None) -> None:
        """Clear the curves; the next Run trains ``setup``'s model (a stored run's weights) on, with a
        fresh optimizer, as it would continue the window's own trained model. ``resume`` (a
        ``RunResult`` with the stored run's epoch and step counts) numbers the epochs on from that run's."""
        self.reset()
        self._kept_setup, self.loaded_run, self._last_result = setup, run_id, resume
        self._update_actions()

    def add_observer_factory(self, factory) -> None:
        """``factory(project)`` is called on the GUI thread when a Run starts, with the project the
        Run trains; the ``core.training`` observer it returns (or None) gets the trainer's hooks on the
        training thread, beside the trainer (the run recorder writes the store there, as
        ``losslab train`` does, instead of on the GUI thread)."""
        self._observer_factories.append(factory)

    def select_finding(self, finding) -> None:
        """Show ``finding`` on the plots (the findings panel calls this on a click)."""
        self.findingSelected.emit(finding)

    def set_boundary_wanted(self, viewer: object, wanted: bool) -> None:
        """A visible boundary view asks for snapshots; none are computed while nobody looks."""
        (self._boundary_viewers.add if wanted else self._boundary_viewers.discard)(id(viewer))
        if self._observer is not None:
            self._observer.boundary_enabled = bool(self._boundary_viewers)

    # -- the runner's reports (GUI thread) ------------------------------------------------------
    def _on_runner_taskFinished(self, outcome) -> None:
        # the runner has drained every event of the run before this: an end without an end event
        # (the task itself broke) must never leave the controller "running"
        result, failure = self.feed.ended or (None, outcome.message or "the training thread ended unexpectedly")
        self.feed.ended = None
        if result is not None and result.status != "failed":
            diverged_fresh = result.status == "diverged" and result.best_epoch is None
            self._kept_setup = None if diverged_fresh else outcome.value
            self._last_result = None if diverged_fresh else result
        self._observer, self._control = None, None
        self._set_state("idle")
        self._update_actions()
        if result is not None:
            self.history.result = result
            self.feed.set_findings(list(result.findings))
            if result.status == "failed":
                self.runFailed.emit(result.message)
            self.runFinished.emit(result)
        elif failure:
            self.runFailed.emit(failure)

    def _on_document_model_changed(self, _what: object = None) -> None:
        if self._kept_setup is not None or self.is_running():
            self._model_stale = True          # (a Run in progress keeps training its own snapshot)
        self._update_actions()
