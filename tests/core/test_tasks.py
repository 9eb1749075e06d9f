"""``core.tasks``: a task is a plain function run with a state; no Qt and no event loop needed."""
from __future__ import annotations

import threading

from core.tasks import TaskCancelled, TaskState, describe_error, run_task


def count(n: int, *, state: TaskState) -> int:
    for k in range(n):
        state.raise_if_cancelled()
        state.report("tick", k)
        state.set_progress((k + 1) / n, f"{k + 1} of {n}")
    return n


def test_a_task_reports_messages_in_order_and_returns_its_value():
    state = TaskState()
    outcome = run_task(count, 4, state=state)
    assert outcome.ok and outcome.value == 4 and outcome.seconds >= 0
    assert state.take() == [("tick", 0), ("tick", 1), ("tick", 2), ("tick", 3)]
    assert state.take() == []
    assert state.progress == 1.0 and state.status == "4 of 4"


def test_a_cancelled_task_stops_and_runs_its_cancel_callbacks_once():
    state = TaskState()
    stopped = []
    state.on_cancel(lambda: stopped.append(1))
    state.cancel()
    state.cancel()
    assert stopped == [1]
    late = []
    state.on_cancel(lambda: late.append(1))          # registered after the cancel: runs at once
    assert late == [1]
    outcome = run_task(count, 10, state=state)
    assert outcome.cancelled and not outcome.ok and state.take() == []


def test_a_failing_task_becomes_an_outcome_with_a_message():
    def broken(*, state):
        raise KeyError("fc9")

    def refused(*, state):
        raise ValueError("lr must be positive, received -1")

    outcome = run_task(broken)
    assert isinstance(outcome.error, KeyError) and outcome.message == "KeyError: 'fc9'"
    assert run_task(refused).message == "lr must be positive, received -1"
    assert describe_error(TaskCancelled()) == "TaskCancelled"


def test_a_cancel_from_another_thread_reaches_the_task():
    state = TaskState()
    started = threading.Event()

    def wait_for_cancel(*, state):
        started.set()
        while True:
            state.raise_if_cancelled()

    worker = threading.Thread(target=lambda: setattr(worker, "outcome", run_task(wait_for_cancel, state=state)))
    worker.start()
    assert started.wait(10)
    state.cancel()
    worker.join(10)
    assert not worker.is_alive() and worker.outcome.cancelled
