"""The training task: builds data and model, runs ``core.training.train``, and reports its events.

:func:`run_training` is a plain ``core.tasks`` task (no Qt): the controller runs it on the window's
one task runner (``guiapp.tasks.TaskRunner``), which drains the messages on a GUI-thread timer. The
observer never emits a Qt signal: it reports plain records through the task's state (a ``deque``).
A signal per step cost ~85% of the training speed (resources/docs/benchmarks.md, "Window pace"); the
queue costs almost nothing.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from core.tasks import TaskState
from core.training import TrainingControl, TrainingObserver
from core.training.events import FindingsChanged, RunNotStarted

from .snapshots import GridSpec, compute_boundary, compute_confusion, make_grid

__all__ = ["EVENT", "QueueObserver", "RunOptions", "run_training"]

EVENT = "event"                # the one message kind of the training task: its payload is a typed event

# The views' snapshots are Python work the headless run does not do (on the training thread, then drawn
# on the GUI thread, both holding the GIL): a picture that moves once a second reads as live, 4-5 a
# second cost ~5% of the training speed and 2 a second still 1-2% (tests/benchmarks/bench_window_pace.py)
BOUNDARY_MIN_INTERVAL = 1.0    # seconds between decision-boundary snapshots (at most 1 per second)
BOUNDARY_MAX_SHARE = 0.02      # ... and at most this share of the training thread's time
CONFUSION_MIN_INTERVAL = 0.5   # fast epochs: the confusion matrix of the latest epoch, twice a second


@dataclass
class RunOptions:
    """What one Run needs; ``setup`` is the kept model of the previous run (None: fresh weights)."""
    project: Any
    dataset: Any
    setup: Any = None
    epochs: int | None = None
    seed: int | None = None
    threads: int = 1
    boundary_resolution: int = 80
    resume: Any = None               # the previous RunResult when this Run continues its model
    observers: tuple = ()            # more trainer observers, called on the training thread (the run recorder)


class QueueObserver(TrainingObserver):
    """Queues the trainer's own typed events on a task state, as they are, and computes view snapshots.

    One vocabulary from the trainer to the plots (``core.training.events``): ``RunInfo``,
    ``StepRecords``, ``EpochRecord``, ``FindingsChanged``, ``RunResult`` and ``RunNotStarted``, plus
    the views' ``BoundarySnapshot`` and ``ConfusionMatrix`` (:mod:`.payloads`). Each is queued as
    ``(EVENT, event)``; the controller's :class:`~.feed.RunFeed` reads them by type.
    """

    def __init__(self, state: TaskState | None = None) -> None:
        self.state = state if state is not None else TaskState()
        self.setup = None
        self.grid: GridSpec | None = None
        self.boundary_enabled = True      # a view shows boundary/confusion (set from the GUI thread: a plain bool)
        self._next_boundary = 0.0
        self._next_confusion = 0.0
        self._confusion_epoch = -1
        self._step = 0
        self._epoch = 0

    def push(self, event: Any) -> None:
        self.state.report(EVENT, event)

    def attach(self, setup, grid: GridSpec | None) -> None:
        self.setup, self.grid = setup, grid

    # -- hooks (training thread) ------------------------------------------------------------------
    def on_run_start(self, info) -> None:
        self.push(info)

    def on_steps(self, records) -> None:
        self.push(records)
        self._step = records.first_step + len(records) - 1
        self._epoch = records.epoch
        if self.grid is not None and self.boundary_enabled:
            now = time.perf_counter()
            if now >= self._next_boundary:
                self._snapshot_boundary(now)

    def on_epoch_end(self, record) -> None:
        self.push(record)
        self._epoch = record.epoch
        now = time.perf_counter()
        if self.boundary_enabled and now >= self._next_confusion:   # (the end of the run always has one)
            # the epoch's evaluation ran the model over the validation rows just before: its outputs
            # make the matrix (running it again cost the training thread a validation pass each time)
            self._snapshot_confusion(record.epoch, self.setup.val_outputs)
            self._next_confusion = now + CONFUSION_MIN_INTERVAL

    def on_findings(self, new, current) -> None:
        self.push(FindingsChanged(tuple(current)))

    def on_run_end(self, result) -> None:
        if self.setup is not None:
            # the boundary and the confusion matrix show the model the run leaves, under one epoch: the
            # last finished one (not the one a Stop cut short), or the best one when its weights were
            # put back (early stopping with restore_best, a divergence)
            epoch, step, restored = _weights_kept(result, self.setup, self._epoch, self._step)
            self._epoch, self._step = epoch, step
            if self.grid is not None and self.boundary_enabled:
                self._snapshot_boundary(time.perf_counter())
            if epoch and (restored or self._confusion_epoch != epoch):
                self._snapshot_confusion(epoch)
        self.push(result)

    def _snapshot_boundary(self, now: float) -> None:
        try:
            snap = compute_boundary(self.setup, self.grid, self._step, self._epoch)
        except Exception:  # noqa: BLE001 - a view snapshot must never break the training
            self.grid = None
            return
        cost = time.perf_counter() - now
        self._next_boundary = now + max(BOUNDARY_MIN_INTERVAL, cost / BOUNDARY_MAX_SHARE)
        self.push(snap)

    def _snapshot_confusion(self, epoch: int, outputs: list | None = None) -> None:
        try:
            cm = compute_confusion(self.setup, epoch, outputs)
        except Exception:  # noqa: BLE001
            return
        if cm is not None:
            self._confusion_epoch = epoch
            self.push(cm)


def _weights_kept(result, setup, epoch: int, step: int) -> tuple[int, int, bool]:
    """(epoch, step, restored) of the weights the model holds when ``result``'s run has ended."""
    history = list(result.history or ())
    es = setup.project.training.early_stopping
    restored = result.best_epoch is not None and (
        result.status == "diverged" or (result.status == "early_stopped" and bool(getattr(es, "restore_best", False))))
    if restored:
        kept = next((r for r in history if r.epoch == result.best_epoch), None)
        return result.best_epoch, (kept.step if kept is not None else step), True
    if history:
        return history[-1].epoch, history[-1].step, False
    return epoch, step, False


def run_training(options: RunOptions, observer: QueueObserver, control: TrainingControl, *,
                 state: TaskState) -> Any:
    """Train one segment (the task the controller runs); returns the RunSetup (the model) once built,
    for a later Run to continue from, else None. A cancel stops the training after its batch."""
    from core.training import prepare, train
    observer.state = state
    state.on_cancel(control.stop)
    opts, setup = options, options.setup
    try:
        if setup is None:
            setup = prepare(opts.project, opts.dataset, seed=opts.seed)
        try:
            grid = make_grid(setup.dataset, opts.boundary_resolution) if opts.boundary_resolution else None
        except Exception:  # noqa: BLE001 - no boundary, but the training goes on
            grid = None
        observer.attach(setup, grid)
        if control.stopped:
            observer.push(RunNotStarted(""))
            return setup
        hooks = observer
        if opts.observers:           # beside the trainer, before the queue: a run is in the store when it is shown
            from core.runs.fanout import Fanout
            hooks = Fanout(*opts.observers, observer)
        train(opts.project, observer=hooks, control=control, setup=setup, epochs=opts.epochs,
              seed=opts.seed, threads=opts.threads, resume=opts.resume)
    except Exception as exc:  # noqa: BLE001 - setup errors (data, graph) become a message
        observer.push(RunNotStarted(f"{type(exc).__name__}: {exc}" if not str(exc).startswith(type(exc).__name__)
                                    else str(exc)))
    return setup
