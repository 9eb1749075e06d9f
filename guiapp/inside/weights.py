"""``TrainingWeights``: the weights a preview runs with. Before training: none (each node's initial
weights). During a run: a copy of the model's weights made on the training thread at the end of
each epoch (between two steps, so every tensor is of the same step), kept under a lock. After a
run: the trained model's, until an edit makes them stale (the controller says so); then the initial
ones again, since trained weights of another graph do not fit an edited node."""
from __future__ import annotations

import threading

from core.training.events import TrainingObserver


class _EpochCopies(TrainingObserver):
    """On the training thread: copy the model's weights at each epoch's end, when someone looks."""

    def __init__(self, owner: "TrainingWeights", run: int):
        self.owner, self.run = owner, run

    def on_epoch_end(self, record) -> None:
        if not self.owner.wanted:
            return
        # the controller's own observer holds the setup of the run (attached before training starts)
        setup = getattr(getattr(self.owner.controller, "_observer", None), "setup", None)
        model = getattr(setup, "model", None)
        if model is None:
            return
        state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        with self.owner.lock:
            self.owner.snapshot = (state, self.run, record.epoch)


class TrainingWeights:
    """``current()`` -> ``(state_dict or None, cache tag, words for the panel)``."""

    def __init__(self, controller):
        self.controller = controller
        self.lock = threading.Lock()
        self.snapshot: tuple | None = None      # (state_dict, run number, epoch) of the running run
        self.wanted = True                       # a preview is on screen (a plain bool read by the trainer)
        self._runs = 0
        self._trained: tuple[int, dict] | None = None   # (id of the trained model, its state dict)
        controller.add_observer_factory(self._observer)

    def _observer(self, _project):
        self._runs += 1
        with self.lock:
            self.snapshot = None
        return _EpochCopies(self, self._runs)

    def current(self) -> tuple:
        c = self.controller
        if c.is_running():
            with self.lock:
                snap = self.snapshot
            if snap is not None:
                state, run, epoch = snap
                return state, f"run{run}-epoch{epoch}", f"current weights (epoch {epoch}, training)"
            return None, "", "initial weights (the run's first epoch is not over yet)"
        model = c.trained_model() if c.has_trained_model() else None
        if model is not None:
            if self._trained is None or self._trained[0] != id(model):
                self._trained = (id(model), {k: v.detach().clone() for k, v in model.state_dict().items()})
            return self._trained[1], f"trained-{id(model)}-{self._runs}", "trained weights (the last run's)"
        return None, "", "initial weights (untrained)"
