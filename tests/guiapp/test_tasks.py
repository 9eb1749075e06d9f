"""``guiapp.tasks.TaskRunner``: the one Qt adapter for background tasks."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject

from core.tasks import TaskState
from guiapp.tasks import TaskRunner


def count(n: int, *, state: TaskState, gate: threading.Event | None = None) -> int:
    for k in range(n):
        state.report("tick", k)
        state.set_progress((k + 1) / n)
    if gate is not None:
        gate.wait(10)
    return n


def until_cancelled(*, state: TaskState, started: threading.Event) -> str:
    started.set()
    while not state.is_cancelled():
        state.report("tick", None)
        threading.Event().wait(0.001)
    return "stopped"


@pytest.fixture
def runner(qtbot):
    owner = QObject()
    r = TaskRunner(owner, interval_ms=20)
    yield r
    assert r.wait(10_000)
    owner.deleteLater()


def test_messages_arrive_in_batches_and_the_outcome_after_them(qtbot, runner):
    batches, order = [], []
    runner.messagesArrived.connect(lambda m: (batches.append(m), order.append("messages")))
    runner.taskFinished.connect(lambda o: order.append("finished"))
    gate = threading.Event()
    with qtbot.waitSignal(runner.taskFinished, timeout=10_000) as done:
        assert runner.start(count, 2000, gate=gate) is not None
        assert runner.start(count, 1) is None, "one task at a time"
        gate.set()
    outcome = done.args[0]
    assert outcome.ok and outcome.value == 2000 and not runner.is_running()
    ticks = [p for batch in batches for _, p in batch]
    assert ticks == list(range(2000))
    assert len(batches) < 100, "a drain carries many messages, not one signal each"
    assert order[-1] == "finished" and "finished" not in order[:-1]


def test_a_failing_task_is_reported_with_its_message(qtbot, runner):
    def broken(*, state):
        raise RuntimeError("no data")

    with qtbot.waitSignal(runner.taskFinished, timeout=10_000) as done:
        runner.start(broken)
    assert done.args[0].message == "RuntimeError: no data" and not done.args[0].ok


def test_cancel_stops_the_task_and_nothing_more_is_reported(qtbot, qapp, runner):
    started = threading.Event()
    state = runner.start(until_cancelled, started=started)
    assert started.wait(10)
    with qtbot.assertNotEmitted(runner.taskFinished):
        with qtbot.waitSignal(runner.taskCancelled):
            runner.cancel()
        assert state.is_cancelled() and not runner.is_running()
        assert runner.wait(10_000)                         # the cancelled thread has ended...
        qapp.processEvents()                               # ...and its queued finish goes nowhere
    with qtbot.waitSignal(runner.taskFinished, timeout=10_000) as done:
        assert runner.start(count, 3) is not None         # a new task starts at once
    assert done.args[0].value == 3


def says_goodbye_when_cancelled(*, state: TaskState, started: threading.Event) -> str:
    started.set()
    while not state.is_cancelled():
        threading.Event().wait(0.001)
    state.report("bye", None)
    return "partial"


def test_stop_cancels_the_task_and_still_reports_how_it_ended(qtbot, runner):
    kinds = []
    runner.messagesArrived.connect(lambda m: kinds.extend(k for k, _ in m))
    started = threading.Event()
    state = runner.start(says_goodbye_when_cancelled, started=started)
    assert started.wait(10)
    with qtbot.assertNotEmitted(runner.taskCancelled):
        with qtbot.waitSignal(runner.taskFinished, timeout=10_000) as done:
            runner.stop()
            assert state.is_cancelled() and runner.is_running()      # still reported until it ends
    outcome = done.args[0]
    assert outcome.cancelled and outcome.value == "partial" and not outcome.ok
    assert kinds == ["bye"] and not runner.is_running()
    runner.stop()                                                   # idle: nothing to stop


def test_a_progress_callback_task_is_cancelled_through_its_state():
    from core.data.csvfile import Cancelled
    from core.tasks import TaskCancelled, run_task, with_progress
    seen = []

    def old_shape(n, *, progress):
        for k in range(n):
            progress((k + 1) / n)
            seen.append(k)
        return n

    state = TaskState()
    assert run_task(with_progress, old_shape, 4, state=state).value == 4 and state.progress == 1.0
    state = TaskState()
    state.on_cancel(lambda: None)
    state.cancel()
    outcome = run_task(with_progress, old_shape, 4, state=state)
    assert outcome.cancelled and outcome.error is None and seen == [0, 1, 2, 3]   # stopped before it began
    assert issubclass(Cancelled, TaskCancelled)                # the CSV reader's own stop ends a task as cancelled


def test_the_thread_outlives_its_owner_and_ends_on_quit(qtbot, qapp):
    owner = QObject()
    r = TaskRunner(owner)
    started = threading.Event()
    state = r.start(until_cancelled, started=started)
    assert started.wait(10)
    thread = r._thread
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(r))
    assert thread.isRunning(), "deleting the view must not destroy (and abort) a running thread"
    qapp.aboutToQuit.emit()                 # what quitting does: cancel and wait
    assert state.is_cancelled() and thread.isFinished()


def _alive(obj) -> bool:
    import shiboken6
    return shiboken6.isValid(obj)


def test_training_is_a_task_that_a_cancel_stops():
    """The training task through the same API as every task: a cancel stops it after its batch."""
    from core.project import Project
    from core.tasks import run_task
    from core.training import TrainingControl
    from guiapp.training.worker import QueueObserver, RunOptions, run_training
    from tests.conftest import EXAMPLES

    from core.training.events import RunResult, StepRecords

    class CancelOnFirstSteps(TaskState):
        def report(self, kind, payload=None):
            super().report(kind, payload)
            if isinstance(payload, StepRecords):
                self.cancel()

    project = Project.load(EXAMPLES / "spiral.losslab.json")
    state = CancelOnFirstSteps()
    outcome = run_task(run_training, RunOptions(project, None, epochs=10_000, boundary_resolution=0),
                       QueueObserver(), TrainingControl(), state=state)
    ends = [payload for _kind, payload in state.take() if isinstance(payload, RunResult)]
    assert outcome.cancelled and outcome.value is not None        # the model is kept for a later Run
    assert len(ends) == 1 and ends[0].status == "stopped" and ends[0].epochs_run < 10_000


def broken(*, state: TaskState) -> None:
    raise RuntimeError("the disk went away")


def test_a_task_that_raises_is_logged_through_the_losslab_logger_and_reported(qtbot, runner, caplog):
    import logging
    failed = []
    runner.taskFailed.connect(failed.append)
    with caplog.at_level(logging.ERROR, logger="losslab"), \
            qtbot.waitSignal(runner.taskFinished, timeout=10_000) as done:
        runner.start(broken)
    assert done.args[0].error is not None and failed == ["RuntimeError: the disk went away"]
    records = [r for r in caplog.records if r.name == "losslab.tasks"]
    assert len(records) == 1 and "the disk went away" in records[0].getMessage()
    assert records[0].exc_info and records[0].exc_info[0] is RuntimeError   # the traceback is kept


def test_a_task_error_is_shown_in_the_windows_log(qtbot, runner):
    from guiapp.log_view import recent_records
    records = recent_records()
    with qtbot.waitSignal(runner.taskFinished, timeout=10_000):
        runner.start(broken)
    assert any("LossLabTask failed: RuntimeError: the disk went away" in line for line in records.lines)
