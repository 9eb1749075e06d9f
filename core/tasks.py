"""One way to run background work: a plain function and a :class:`TaskState` (no Qt).

Training, the learning-rate finder, studies, loading a CSV and drift checks are all *tasks*:
plain functions that take their inputs and a ``state`` keyword, and report through that state only
(Orange3's ``TaskState`` pattern, ``Orange/widgets/utils/concurrent.py``)::

    def find_something(data, *, steps: int, state: TaskState | None = None) -> Result:
        for k in range(steps):
            if state is not None:
                state.raise_if_cancelled()          # or: if state.is_cancelled(): return partial
                state.set_progress((k + 1) / steps, f"step {k + 1} of {steps}")
                state.report("point", (k, value))   # a message for the caller, in order
            ...
        return Result(...)

A task never touches a widget, never sleeps waiting for the GUI and never emits a signal: it is
called the same way by a test (``run_task(fn, ..., state=TaskState())`` with no event loop), by the
command line and by the window. The state is thread-safe: the task's thread writes progress and
messages, the owner's thread reads them and may :meth:`TaskState.cancel`.

* ``state.is_cancelled()`` / ``state.raise_if_cancelled()`` (raises :class:`TaskCancelled`): check
  between steps; a task with its own stop flag registers it with ``state.on_cancel(control.stop)``.
* ``state.set_progress(fraction, status="")``: the latest value wins; read ``state.progress`` and
  ``state.status``.
* ``state.report(kind, payload)``: queue a message (plain data: floats, numpy arrays, frozen
  dataclasses; never a tensor that the task goes on mutating). The owner drains them in order with
  ``state.take()`` — in the window on a timer, never one signal per message (a signal per training
  step cost ~85% of the speed: resources/docs/benchmarks.md, "Window pace").
* :func:`run_task` runs a task in the calling thread and never raises: it returns a
  :class:`TaskOutcome` with the value, or the exception and a message, or ``cancelled``.
* A function of the older shape, ``fn(..., progress=callback)`` whose callback may raise to stop (the
  CSV reader, ``core.drift.check.check_deployment``), runs as a task through :func:`with_progress`:
  ``run_task(with_progress, load_dataset, spec, base, state=state)``; :func:`progress_callback` is
  that callback (it sets the progress and raises :class:`TaskCancelled` once the state is cancelled).

The window's side is one adapter, ``guiapp.tasks.TaskRunner``: it owns the thread, drains the
messages on a timer, reports the outcome and makes sure the thread has ended before the
application quits.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["TaskCancelled", "TaskOutcome", "TaskState", "describe_error", "process_context", "progress_callback",
           "run_task", "with_progress"]


class TaskCancelled(Exception):
    """Raised by :meth:`TaskState.raise_if_cancelled` inside a task whose owner cancelled it."""


class TaskState:
    """Progress, cancel flag and messages shared by a task (writer) and its owner (reader)."""

    def __init__(self) -> None:
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []
        self._messages: deque = deque()
        self.progress: float = 0.0
        self.status: str = ""

    # -- cancelling (owner -> task) -------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the task to stop at its next check; runs the ``on_cancel`` callbacks once."""
        with self._lock:
            if self._cancelled.is_set():
                return
            self._cancelled.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def is_cancelled(self) -> bool:
        return self._cancelled.is_set()

    def raise_if_cancelled(self) -> None:
        if self._cancelled.is_set():
            raise TaskCancelled("cancelled")

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the task is cancelled (at once if it already is)."""
        with self._lock:
            if not self._cancelled.is_set():
                self._callbacks.append(callback)
                return
        callback()

    # -- reporting (task -> owner) --------------------------------------------------------------
    def set_progress(self, fraction: float, status: str | None = None) -> None:
        self.progress = min(1.0, max(0.0, float(fraction)))
        if status is not None:
            self.status = status

    def report(self, kind: str, payload: Any = None) -> None:
        """Queue a message; ``deque.append`` is atomic, so this costs no lock."""
        self._messages.append((kind, payload))

    def has_messages(self) -> bool:
        """Whether messages are queued that the owner has not taken yet."""
        return bool(self._messages)

    def take(self) -> list[tuple[str, Any]]:
        """Every message queued so far, oldest first (the owner's thread)."""
        out = []
        pop = self._messages.popleft
        try:
            while True:
                out.append(pop())
        except IndexError:
            return out


@dataclass(frozen=True)
class TaskOutcome:
    """How a task ended: ``value`` when it returned, ``error``/``message`` when it raised,
    ``cancelled`` when it stopped on a cancel. ``seconds`` is its run time."""
    value: Any = None
    error: BaseException | None = None
    message: str = ""
    cancelled: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and not self.cancelled


def describe_error(exc: BaseException) -> str:
    """A one-line message: a ``ValueError``'s own text (it already says what to change), else the
    exception's type and text."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, ValueError) or text.startswith(type(exc).__name__):
        return text
    return f"{type(exc).__name__}: {text}"


def run_task(fn: Callable[..., Any], /, *args: Any, state: TaskState | None = None, **kwargs: Any) -> TaskOutcome:
    """Call ``fn(*args, state=state, **kwargs)`` here and now; never raises (``Exception`` only:
    ``KeyboardInterrupt`` still ends the program)."""
    state = state if state is not None else TaskState()
    t0 = time.perf_counter()
    try:
        value = fn(*args, state=state, **kwargs)
    except TaskCancelled:
        return TaskOutcome(cancelled=True, message="cancelled", seconds=time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001 - the owner decides how to show it
        return TaskOutcome(error=exc, message=describe_error(exc), cancelled=state.is_cancelled(),
                           seconds=time.perf_counter() - t0)
    return TaskOutcome(value=value, cancelled=state.is_cancelled(), seconds=time.perf_counter() - t0)


def progress_callback(state: TaskState) -> Callable[[float], None]:
    """A ``progress(fraction)`` callback over ``state``: it raises :class:`TaskCancelled` once the state
    is cancelled, else sets the state's progress."""
    def progress(fraction: float) -> None:
        state.raise_if_cancelled()
        state.set_progress(fraction)
    return progress


def with_progress(fn: Callable[..., Any], /, *args: Any, state: TaskState, **kwargs: Any) -> Any:
    """Run ``fn(*args, progress=progress_callback(state), **kwargs)`` as a task: for a function that
    reports through a progress callback instead of a state. A state cancelled before the start stops
    it before ``fn`` is called."""
    progress = progress_callback(state)
    progress(0.0)
    return fn(*args, progress=progress, **kwargs)


#: what the shared fork server imports once, so that a forked child starts with it loaded: the same
#: list as the studies' worker pools (``core.studies.executors.PRELOAD``) plus the data readers, so
#: whichever starts the server first, the other's children start warm
PROCESS_PRELOAD = ["core.studies.trial", "core.training", "torch", "torch._dynamo", "core.data.tabledata",
                   "core.data.process_load"]


def process_context():
    """The multiprocessing context for a task that runs in a child process: ``forkserver`` (a fresh
    process started by exec, so the window's threads never reach a child; started once per process and
    shared with the studies' pools) where the platform has it and the program is not frozen, else ``spawn``."""
    import multiprocessing as mp
    import sys
    if getattr(sys, "frozen", False) or "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PROCESS_PRELOAD)
    return ctx
