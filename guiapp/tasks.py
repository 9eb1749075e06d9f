"""The one Qt adapter for background work: :class:`TaskRunner` runs a ``core.tasks`` task on a thread.

::

    runner = TaskRunner(self)                          # one per view/controller; one task at a time
    runner.messagesArrived.connect(self._on_runner_messagesArrived)   # list of (kind, payload)
    runner.taskFinished.connect(self._on_runner_taskFinished)          # core.tasks.TaskOutcome
    state = runner.start(find_lr, project, dataset=ds, steps=100)      # None while a task runs
    runner.stop()                                      # ask it to stop, and report how it ended
    runner.cancel()                                    # ask it to stop and forget it
    runner.wait(2000)                                  # block until it ended and was reported

* The runner owns the thread. A task's messages (``state.report``) are drained on a timer
  (``interval_ms``, 33 ms: ~30 Hz) into one ``messagesArrived`` per drain, never one signal per
  message; ``progressChanged(fraction, status)`` follows when the progress moved, then ``ticked()``
  (every drain, with or without messages: a view that draws on the runner's beat needs no timer of
  its own). After the thread
  has ended, the last messages are drained and ``taskFinished(outcome)`` is emitted, exactly once
  per started task that was not cancelled.
* :meth:`stop` sets the task's cancel flag and goes on reporting it: its last messages and its
  ``taskFinished`` (``outcome.cancelled``) still arrive, once it has stopped (a study that shows the
  trials it ran before the cancel).
* :meth:`cancel` sets the task's cancel flag and detaches it at once: nothing more is reported from
  it (``taskCancelled`` is emitted) and a new task may start while the old thread winds down.
* A task that raised is logged through the ``losslab`` logger (``losslab.tasks``, with its traceback)
  and ``taskFailed(message)`` is emitted before ``taskFinished``: the owner shows the message (a
  status bar, its own label), Help ▸ Show log keeps the details.
* No thread outlives the application: every thread is parented to the application object (so closing
  the view that started it never destroys a running ``QThread``), and waits for its own end on
  ``aboutToQuit`` after cancelling its task. :meth:`wait` also waits for the cancelled ones. The
  runner deletes a thread once it has ended and been reported.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal

from core.log import get_logger
from core.tasks import TaskOutcome, TaskState, run_task

__all__ = ["TaskRunner", "TaskThread"]

log = get_logger("tasks")


class TaskThread(QThread):
    """Runs one task; ``outcome`` is set when it has returned."""

    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict, state: TaskState, name: str) -> None:
        super().__init__(QCoreApplication.instance())
        self.setObjectName(name)
        self.fn, self.args, self.kwargs, self.state = fn, args, kwargs, state
        self.outcome: TaskOutcome | None = None
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_app_aboutToQuit)

    def run(self) -> None:  # the task's thread
        self.outcome = run_task(self.fn, *self.args, state=self.state, **self.kwargs)

    def _on_app_aboutToQuit(self) -> None:
        self.state.cancel()
        self.wait()


class TaskRunner(QObject):
    """One background task at a time for its owner (see the module docstring)."""

    taskStarted = Signal()
    messagesArrived = Signal(list)          # [(kind, payload), ...] reported since the last drain
    progressChanged = Signal(float, str)
    taskFinished = Signal(object)           # TaskOutcome
    taskFailed = Signal(str)                # the task raised: its message (logged before this)
    taskCancelled = Signal()
    ticked = Signal()                       # after every drain of a running task (its owner's beat)

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = 33, name: str = "LossLabTask") -> None:
        super().__init__(parent)
        self.name = name
        self._thread: TaskThread | None = None
        self._detached: list[TaskThread] = []
        self._progress = (0.0, "")
        self.last_outcome: TaskOutcome | None = None
        self.drain_count = 0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._drain)

    @property
    def state(self) -> TaskState | None:
        """The running task's state (None when idle)."""
        return self._thread.state if self._thread is not None else None

    def is_running(self) -> bool:
        """True from :meth:`start` until ``taskFinished`` or :meth:`cancel`."""
        return self._thread is not None

    def start(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> TaskState | None:
        """Run ``fn(*args, state=..., **kwargs)`` on a new thread; None while a task runs."""
        if self._thread is not None:
            return None
        state = TaskState()
        thread = TaskThread(fn, args, kwargs, state, self.name)
        thread.finished.connect(self._on_thread_finished)
        self._thread = thread
        self._progress = (0.0, "")
        thread.start()
        self._timer.start()
        self.taskStarted.emit()
        return state

    def stop(self) -> None:
        """Cancel the running task but keep reporting it: its messages and its ``taskFinished``
        (with ``outcome.cancelled`` set) arrive once it has ended; :meth:`is_running` stays True until then."""
        if self._thread is not None:
            self._thread.state.cancel()

    def cancel(self) -> None:
        """Cancel the running task and stop reporting it (its thread ends by itself, soon)."""
        thread = self._release()
        if thread is None:
            return
        thread.state.cancel()
        self._detached.append(thread)
        thread.finished.connect(self._on_detached_finished)
        if thread.isFinished():          # (checked after connecting: no end can slip between the two)
            self._forget_detached(thread)
        self.taskCancelled.emit()

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Block until the task (and any cancelled one) has ended; the running task is reported
        (``messagesArrived``, ``taskFinished``) before this returns. False on a timeout."""
        done = True
        for thread in list(self._detached):
            if self._wait_thread(thread, timeout_ms):
                self._forget_detached(thread)
            else:
                done = False
        thread = self._thread
        if thread is not None:
            if self._wait_thread(thread, timeout_ms):
                self._report_end(thread)
            else:
                done = False
        return done

    # -- internals --------------------------------------------------------------------------------
    @staticmethod
    def _wait_thread(thread: TaskThread, timeout_ms: int | None) -> bool:
        try:
            return thread.wait() if timeout_ms is None else thread.wait(max(0, int(timeout_ms)))
        except RuntimeError:             # its C++ object is gone: it has ended
            return True

    def _drain(self) -> None:
        thread = self._thread
        if thread is None:
            self._timer.stop()
            return
        messages = thread.state.take()
        if messages:
            self.drain_count += 1
            self.messagesArrived.emit(messages)
        progress = (thread.state.progress, thread.state.status)
        if progress != self._progress:
            self._progress = progress
            self.progressChanged.emit(*progress)
        self.ticked.emit()

    def _on_thread_finished(self) -> None:
        # ``finished`` is queued: only the current thread, once it has really ended, ends the task
        thread = self.sender()
        if thread is self._thread and thread is not None and thread.isFinished():
            self._report_end(thread)

    def _report_end(self, thread: TaskThread) -> None:
        if thread is not self._thread:
            return
        self._drain()
        self._release()
        outcome = thread.outcome or TaskOutcome(message="the task's thread ended without an outcome")
        thread.deleteLater()
        self.last_outcome = outcome
        error = outcome.error
        if error is not None:
            log.error("%s failed: %s", self.name, outcome.message,
                      exc_info=(type(error), error, error.__traceback__))
            self.taskFailed.emit(outcome.message)
        self.taskFinished.emit(outcome)

    def _release(self) -> TaskThread | None:
        self._timer.stop()
        thread, self._thread = self._thread, None
        if thread is not None:
            try:
                thread.finished.disconnect(self._on_thread_finished)
            except (RuntimeError, TypeError):
                pass
        return thread

    def _on_detached_finished(self) -> None:
        self._forget_detached(self.sender())

    def _forget_detached(self, thread) -> None:
        if thread in self._detached:
            self._detached.remove(thread)
            thread.deleteLater()
