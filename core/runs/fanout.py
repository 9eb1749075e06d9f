"""``Fanout``: one observer that forwards every hook to several (a printer and a recorder)."""
from __future__ import annotations

from ..training.events import TrainingObserver


class Fanout(TrainingObserver):
    def __init__(self, *observers: TrainingObserver):
        self.observers = [o for o in observers if o is not None]

    def on_run_start(self, info):
        for o in self.observers:
            o.on_run_start(info)

    def on_steps(self, records):
        for o in self.observers:
            o.on_steps(records)

    def on_epoch_end(self, record):
        for o in self.observers:
            o.on_epoch_end(record)

    def on_findings(self, new, current):
        for o in self.observers:
            o.on_findings(new, current)

    def on_run_end(self, result):
        for o in self.observers:
            o.on_run_end(result)

    def on_exception(self, exc):
        for o in self.observers:
            o.on_exception(exc)
