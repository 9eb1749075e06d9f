"""A study as a task (``core.tasks``): the window runs :func:`run_study` on its one task runner.

It opens the run store, makes the executor, runs :class:`StudyRunner` and reports through its state:

* ``("warning", text)``: the store cannot be opened; the trials run but are not recorded;
* ``("started", text)``: the executor is up (its name, workers and torch threads);
* ``("progress", Progress)``: one per finished (or cancelled) trial, in order; the state's progress
  is the share of trials done.

``state.cancel()`` cancels the study: queued trials never start, running ones stop at their next
step flush, and the task still returns every outcome it got (cancelled ones included). An executor
that cannot start raises :class:`ExecutorError`.
"""
from __future__ import annotations

from typing import Any

from core.tasks import TaskState

from .executors import make_executor
from .study import Plan, Progress, StudyRunner


def run_study(plan: Plan, *, backend: str = "local", workers: int | None = None, address: str | None = None,
              store_dir: str | None = None, record: bool = True, state: TaskState) -> list[dict[str, Any]]:
    """Run every trial of ``plan`` (a :meth:`StudyBatch.merged` plan runs a whole batch); returns the
    outcomes sorted by trial index. ``record=False``: the trials are not written to the run store."""
    from core.runs import StoreError, open_store
    store = None
    try:
        for t in plan.tasks:
            t.store_dir = None
        try:
            if record:
                store = open_store(store_dir)
                for t in plan.tasks:
                    t.store_dir = str(store.dir)
        except StoreError as e:
            state.report("warning", f"not recording the trials: {e}")
        executor = make_executor(backend, workers=workers, address=address, n_trials=len(plan.tasks))
        runner = StudyRunner(plan, executor, store)
        state.on_cancel(runner.cancel)       # (at once when the study was cancelled before this)
        state.report("started", f"{executor.name}: {executor.workers} worker(s) x {executor.threads} "
                                "torch thread(s)")
        return runner.run(lambda p: _report(state, p))
    finally:
        if store is not None:
            store.close()


def _report(state: TaskState, progress: Progress) -> None:
    state.report("progress", progress)
    state.set_progress(progress.done / max(1, progress.total), progress.line())
