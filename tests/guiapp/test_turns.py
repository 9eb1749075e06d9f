"""guiapp.turns: deferred GUI work runs one job per turn of the event loop, and what a job queues (its
paints, a queued call) is handled before the next job starts."""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer

from guiapp import turns


def test_what_a_job_queues_runs_before_the_next_job(qtbot):
    seen = []

    def first():
        seen.append("first")
        QTimer.singleShot(0, lambda: seen.append("queued by first"))   # as a plot's repaint is queued

    turns.later(first)
    turns.later(lambda: seen.append("second"))
    qtbot.waitUntil(turns.settled)
    assert seen == ["first", "queued by first", "second"]


def test_a_timer_that_fell_due_during_a_job_fires_before_the_next_job(qtbot):
    """A periodic timer (the training's drain, a 10 ms probe) is not held back by two jobs in a row."""
    seen = []
    tick = QTimer()
    tick.setSingleShot(True)
    tick.setInterval(0)                    # due as soon as it is started: during the first job
    tick.timeout.connect(lambda: seen.append("timer"))

    def first():
        tick.start()
        seen.append("first")

    turns.later(first)
    turns.later(lambda: seen.append("second"))
    qtbot.waitUntil(lambda: turns.settled() and "timer" in seen)
    assert seen == ["first", "timer", "second"]


def test_a_job_with_a_waiting_key_replaces_it_in_its_place(qtbot):
    seen = []
    turns.later(lambda: seen.append("a1"), key="a")
    turns.later(lambda: seen.append("b"), key="b")
    turns.later(lambda: seen.append("a2"), key="a")
    assert turns.waiting("a") and turns.waiting("b")
    qtbot.waitUntil(turns.settled)
    assert seen == ["a2", "b"]


def test_a_job_whose_owner_is_deleted_first_is_dropped(qtbot):
    seen = []
    owner = QObject()
    turns.later(lambda: seen.append("owned"), owner=owner)
    turns.later(lambda: seen.append("free"))
    owner.deleteLater()
    qtbot.waitUntil(turns.settled)
    assert seen == ["free"]


def test_a_failing_job_is_logged_and_the_others_still_run(qtbot, caplog):
    seen = []

    def broken():
        raise RuntimeError("boom")
    turns.later(broken)
    turns.later(lambda: seen.append("after"))
    with caplog.at_level(logging.ERROR, logger="losslab"):
        qtbot.waitUntil(turns.settled)
    assert seen == ["after"] and "deferred GUI job failed" in caplog.text and "boom" in caplog.text


def test_finish_runs_what_waits_now_in_order():
    seen = []
    turns.later(lambda: (seen.append(1), turns.later(lambda: seen.append(3))))
    turns.later(lambda: seen.append(2))
    turns.finish()
    assert seen == [1, 2, 3] and turns.settled()
