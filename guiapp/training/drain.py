"""One drain of the training queue: the trainer's typed events into the run history and the
controller's signals, in one pass (no second vocabulary between the trainer and the views).

The queue holds the events the trainer made (``core.training.events``) and the views' snapshots,
in order. A drain merges every ``StepRecords`` into one :class:`StepChunk` (one ``stepsArrived`` per
drain, never one per step), keeps each epoch, and keeps only the latest findings, boundary and
confusion matrix. Numbers need no shifting: a continued Run (``train(resume=...)``) counts on.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QTimer

from core.training.events import EpochRecord, FindingsChanged, RunInfo, RunNotStarted, RunResult, StepRecords

from .payloads import BoundarySnapshot, ConfusionMatrix, StepChunk

__all__ = ["RunFeed", "merge_steps"]


class RunFeed:
    """Feeds ``controller.history`` and emits the controller's signals from each drain's events;
    ``ended`` holds ``(result, failure)`` once the Run's last event arrived (failure: "" when it was
    stopped before its first step)."""

    def __init__(self, controller) -> None:
        self.controller = controller
        self.ended: tuple[RunResult | None, str] | None = None
        self._cleared_this_turn = False

    def take(self, messages: list[tuple[str, Any]]) -> None:
        """The runner's ``messagesArrived``: every event queued since the last drain, oldest first."""
        c, history = self.controller, self.controller.history
        steps, epochs, latest = [], [], {}
        for _kind, event in messages:
            if isinstance(event, StepRecords):
                steps.append(event)
            elif isinstance(event, EpochRecord):
                epochs.append(event)
            else:
                latest[type(event)] = event       # the newest of each other kind is what a view shows
        info = latest.get(RunInfo)
        if info is not None:
            history.start_segment(info)
            c.runStarted.emit(info)
        if steps:
            chunk = merge_steps(steps)
            history.add_steps(chunk)
            c.stepsArrived.emit(chunk)
        for record in epochs:
            history.add_epoch(record)
            c.epochEnded.emit(record)
        self._show_latest(latest)
        c.historyUpdated.emit()
        end, failed = latest.get(RunResult), latest.get(RunNotStarted)
        if end is not None or failed is not None:
            self.ended = (end, failed.message if failed is not None else "")

    def _show_latest(self, latest: dict) -> None:
        c = self.controller
        if FindingsChanged in latest:
            self.set_findings(list(latest[FindingsChanged].current))
        if BoundarySnapshot in latest:
            c.last_boundary = latest[BoundarySnapshot]
            c.boundaryUpdated.emit(c.last_boundary)
        if ConfusionMatrix in latest:
            c.last_confusion = latest[ConfusionMatrix]
            c.confusionUpdated.emit(c.last_confusion)

    def set_findings(self, findings: list) -> None:
        self.controller.history.findings = list(findings)
        self.controller.findingsChanged.emit(list(findings))

    def cleared_this_turn(self) -> bool:
        """Whether :meth:`clear` ran in this turn of the event loop (a Reset, then Run in one go: every
        view is clear already, and clearing them again cost that turn 10 ms and their paints)."""
        return self._cleared_this_turn

    def _turn_passed(self) -> None:
        self._cleared_this_turn = False

    def clear(self) -> None:
        """Forget the curves, the snapshots and the findings (Reset, or a Run from fresh weights)."""
        c = self.controller
        c.history.clear()
        c.last_boundary = None
        c.last_confusion = None
        c.historyCleared.emit()
        c.findingsChanged.emit([])
        if not self._cleared_this_turn:
            self._cleared_this_turn = True
            QTimer.singleShot(0, self._turn_passed)


def merge_steps(records: list) -> StepChunk:
    """One StepChunk from consecutive StepRecords."""
    loss, lr, gn, pen = [], [], [], []
    heads: dict[str, list] = {}
    for r in records:
        loss.extend(r.loss)
        lr.extend(r.lr)
        gn.extend(r.grad_norm)
        pen.extend(r.penalty)
        for k, v in r.heads.items():
            heads.setdefault(k, []).extend(v)
    f64 = np.float64
    return StepChunk(records[0].first_step, records[-1].epoch, np.asarray(loss, dtype=f64),
                     np.asarray(lr, dtype=f64), np.asarray(gn, dtype=f64), np.asarray(pen, dtype=f64),
                     {k: np.asarray(v, dtype=f64) for k, v in heads.items()})
