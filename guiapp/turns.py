"""GUI work in turns: one deferred job per turn of the event loop, with paints and input in between.

Qt sends every queued event (a queued call, ``QTimer.singleShot(0, ...)``, a plot's repaint) in one go,
and under ``exec()`` it fires timers only once that queue is empty. So work deferred "until later" with a
queued call lands in the same turn as everything else queued, and the window answers nothing until all
of it is done: at a Run's end the plots' redraws, their four paints and the Errors tab's analysis held
the GUI thread 60-150 ms in one turn.

:func:`later` queues a job; a zero-interval timer takes one job per firing, and what the job queues
(its paints) is sent before the next one. A job keyed like a waiting one replaces it in its place (a
view refreshed twice before its turn is refreshed once). A job given an ``owner`` is dropped when the
owner is deleted first. :func:`hold_paints` keeps a widget's pixels until a turn of its own.
:func:`settled` says whether nothing waits; :func:`finish` runs what waits now (a test, an export, the
window closing).
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Callable, Hashable

from PySide6.QtCore import QObject, QTimer

__all__ = ["later", "settled", "finish", "waiting", "hold_paints"]

_log = logging.getLogger("losslab")


class _Turns(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.jobs: OrderedDict[Hashable, tuple[Callable[[], None], QObject | None]] = OrderedDict()
        self.timer = QTimer(self)
        self.timer.setInterval(0)
        self.timer.timeout.connect(self.take_one)

    def add(self, job: Callable[[], None], key: Hashable, owner: QObject | None) -> None:
        self.jobs[key] = (job, owner)          # a waiting key keeps its place
        if not self.timer.isActive():
            self.timer.start()

    def take_one(self) -> None:
        # Re-armed after the job, not before: Qt re-arms a firing zero-interval timer as due at the start
        # of that pass, which put it ahead of every timer that fell due during the job (a 10 ms probe saw
        # two 25 ms jobs as one 54 ms turn); armed now, those timers fire first.
        self.timer.stop()
        if self.jobs:
            _key, (job, owner) = self.jobs.popitem(last=False)
            _run(job, owner)
        if self.jobs:
            self.timer.start()


def _run(job, owner) -> None:
    if owner is not None:
        from shiboken6 import isValid
        if not isValid(owner):
            return
    try:
        job()
    except Exception:  # noqa: BLE001 - a view's job must not stop the others; the log names it
        _log.exception("a deferred GUI job failed: %r", job)


_TURNS: _Turns | None = None


def _turns() -> _Turns:
    global _TURNS
    if _TURNS is None:
        _TURNS = _Turns()
    return _TURNS


def later(job: Callable[[], None], key: Hashable | None = None, owner: QObject | None = None) -> None:
    """Run ``job`` in a turn of its own, after the jobs already waiting (or in the place of the waiting
    job with the same ``key``); never when ``owner`` was deleted first."""
    _turns().add(job, job if key is None else key, owner)


def hold_paints(widget) -> None:
    """``widget`` changes in this turn beside many others (an Open rebuilds the canvas): it keeps its
    pixels until a turn of its own, where it is painted alone. Qt paints every changed widget of a
    window in one go, so otherwise its paint joins all the others'."""
    if widget.updatesEnabled():
        widget.setUpdatesEnabled(False)
        later(lambda: widget.setUpdatesEnabled(True), key=(id(widget), "paint"), owner=widget)


def waiting(key: Hashable) -> bool:
    """Whether the job ``key`` waits for its turn."""
    return _TURNS is not None and key in _TURNS.jobs


def settled() -> bool:
    """Whether no job waits."""
    return _TURNS is None or not _TURNS.jobs


def finish() -> None:
    """Run every waiting job now, in order (and those they queue)."""
    turns = _turns()
    while turns.jobs:
        turns.take_one()
