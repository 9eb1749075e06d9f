"""The one study driver: a :class:`StudyRequest` is planned into a batch of trials
(:func:`plan_request`), a :class:`StudyDriver` runs them on a backend and owns their outcomes, and
its tables (and learning curve) are what both ``losslab sweep`` and the window's Study view show.

::

    batch = plan_request(project, StudyRequest(vary={"lr": ["0.01", "0.1"]}, seeds=3), dataset)
    driver = StudyDriver(batch, Backend("local", workers=2))
    driver.run(state=state)          # a task: the CLI calls it on its thread, the window on its task runner
    driver.tables()                  # [(title, StudyResult)], from every outcome so far

Both :func:`plan_request` and :meth:`StudyDriver.run` are tasks (``core.tasks``: a ``state`` keyword,
no Qt): the window runs the planning (which may read the data) and the study on its task runner, never on the
GUI thread. ``run`` reports through the state, in order:

* ``("warning", text)``: the store cannot be opened; the trials run but are not recorded;
* ``("started", text)``: the executor is up (its name, workers and torch threads);
* ``("progress", Progress)``: one per finished (or cancelled) trial; the state's progress is the
  share of trials done.

``state.cancel()`` (or :meth:`StudyDriver.cancel`, from any thread) cancels the study: queued trials
never start, running ones stop at their next step flush, and ``run`` still returns every outcome it
got, cancelled ones included. An executor that cannot start raises :class:`ExecutorError`.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from core.tasks import TaskState

from .batch import StudyBatch, build_batch
from .executors import Executor, make_executor
from .knobs import KnobError
from .outcome import TrialOutcome, cancelled_outcome
from .study import Plan, StudyError

PRESET = "neural-net-loss"


@dataclass(frozen=True)
class StudyRequest:
    """What to study, as the person asked for it (``--vary``/``--preset``/``--learning-curve`` or the
    Study dialog): knobs to ``vary`` (name -> values, text or typed), the ``preset``, or a learning
    curve at ``sizes`` (default: log-spaced); ``seeds`` per setting, ``epochs`` for every trial (None:
    the project's) and ``tune_lr`` ("", "grid" or "finder")."""
    vary: Mapping[str, Sequence[Any]] | None = None
    preset: str | None = None
    learning_curve: bool = False
    sizes: tuple[Any, ...] | None = None
    seeds: int = 3
    epochs: int | None = None
    tune_lr: str = ""
    budget: str = "steps"            # a learning curve's training budget per size (curve_study.learning_curve_batch)

    def problem(self) -> str:
        """Why the request cannot be planned, before anything is read ("" when it can)."""
        if self.seeds < 1:
            return f"seeds must be at least 1, received {self.seeds}"
        if self.sizes is not None and not self.learning_curve:
            return "sizes go with a learning curve (to vary the data size in a plain study: vary data_size=0.1,0.5,1)"
        if self.learning_curve:
            if self.preset or self.vary:
                return "a learning curve varies the data size itself: give it alone (no knobs, no preset)"
            return ""
        if self.preset and self.vary:
            return "give knobs to vary or a preset, not both"
        if not self.preset and not self.vary:
            return ("nothing to vary: give KNOB=V1,V2,... (e.g. lr=0.001,0.01,0.1), the preset neural-net-loss "
                    "or a learning curve")
        return ""


def plan_request(project, request: StudyRequest, dataset=None, *,
                 state: TaskState | None = None) -> StudyBatch:
    """Every trial of ``request`` on ``project``, checked before any runs (:class:`StudyError` names the
    setting). ``dataset``: the project's data when the caller holds it; None reads it here (a task: the
    window calls this on its task runner)."""
    why = request.problem()
    if why:
        raise StudyError(why)
    if dataset is None:
        from ..data import DataError, load_dataset
        if state is not None:
            state.set_progress(0.0, "reading the data…")
        try:
            dataset = load_dataset(project.data, project.base_dir)
        except DataError as e:
            raise StudyError(f"the data cannot be loaded: {e}") from None
    if state is not None:
        state.raise_if_cancelled()
        state.set_progress(0.5, "checking every setting…")
    try:
        if request.learning_curve:
            from .curve_study import learning_curve_batch
            return learning_curve_batch(project, dataset, sizes=request.sizes, seeds=request.seeds,
                                        epochs=request.epochs, budget=request.budget)
        return build_batch(project, dataset, vary=None if request.preset else dict(request.vary or {}),
                           preset=request.preset, seeds=request.seeds, epochs=request.epochs,
                           tune_lr="" if request.preset else request.tune_lr)
    except KnobError as e:
        raise StudyError(str(e)) from None


@dataclass(frozen=True)
class Backend:
    """Where trials run: ``name`` "local" (worker processes) or "ray" (``address``: a cluster; None a
    local Ray), ``workers`` (None: one per core); ``record``: write each trial to the run store at
    ``store_dir`` (None: the default store)."""
    name: str = "local"
    workers: int | None = None
    address: str | None = None
    store_dir: str | None = None
    record: bool = True


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    failed: int
    elapsed: float
    eta: float | None
    outcome: TrialOutcome | None = None

    def line(self) -> str:
        eta = "" if self.eta is None else f", about {self.eta:.0f}s left"
        o = self.outcome
        what = f": {o.status} {json.dumps(o.setting)} seed {o.seed}" if o is not None else ""
        return f"[{self.done}/{self.total}]{what} ({self.elapsed:.0f}s{eta})"


class StudyDriver:
    """Runs a planned batch (or one :class:`Plan`) and owns its outcomes; ``executor``: one made already
    (a test's, a benchmark's), else the ``backend``'s is made when the run starts."""

    def __init__(self, batch: StudyBatch | Plan, backend: Backend = Backend(), *,
                 executor: Executor | None = None) -> None:
        self.batch = batch if isinstance(batch, StudyBatch) else StudyBatch([("", batch)])
        self.backend = backend
        self.executor = executor
        self._outcomes: list[TrialOutcome] = []
        self._lock = threading.Lock()
        self._cancelled = False

    # -- running (the task's thread) ------------------------------------------------------------
    def run(self, *, state: TaskState | None = None) -> list[TrialOutcome]:
        """Run every trial; returns the outcomes sorted by trial index (see the module docstring)."""
        from ..runs import StoreError, open_store
        state = state if state is not None else TaskState()
        tasks = self.batch.tasks
        if state.is_cancelled() or self._cancelled:      # cancelled before it started: no worker, no store
            self._cancelled = True
            t0 = time.perf_counter()
            for t in tasks:
                state.report("progress", self._add(cancelled_outcome(t.index, t.setting, t.seed), t0, len(tasks)))
            return self.outcomes
        store = None
        try:
            for t in tasks:
                t.store_dir = None
            try:
                if self.backend.record:
                    store = open_store(self.backend.store_dir)
                    for t in tasks:
                        t.store_dir = str(store.dir)
            except StoreError as e:
                state.report("warning", f"not recording the trials: {e}")
            if self.executor is None:
                self.executor = make_executor(self.backend.name, workers=self.backend.workers,
                                              address=self.backend.address, n_trials=len(tasks))
            state.on_cancel(self.cancel)       # (at once when the study was cancelled before this)
            state.report("started", f"{self.executor.name}: {self.executor.workers} worker(s) x "
                                    f"{self.executor.threads} torch thread(s)")
            self._drive(store, state)
        finally:
            if store is not None:
                store.close()
        return self.outcomes

    def _drive(self, store, state: TaskState) -> None:
        from ..runs import import_run
        executor, t0, total = self.executor, time.perf_counter(), len(self.batch.tasks)
        datasets = {k: v for _, p in self.batch.plans for k, v in p.datasets.items()}
        try:
            for outcome in executor.run(self.batch.tasks, datasets):
                if outcome.record is not None:
                    if store is not None and not executor.writes_store:
                        try:
                            import_run(store, outcome.record)
                        except Exception as exc:  # noqa: BLE001 - the result stays in the table even so
                            outcome = outcome.replace(store_error=f"could not record the run: {exc}")
                    outcome = outcome.replace(record=None)
                progress = self._add(outcome, t0, total)
                state.report("progress", progress)
                state.set_progress(progress.done / max(1, total), progress.line())
                if self._cancelled:
                    executor.cancel()
        finally:
            executor.close()

    def _add(self, outcome: TrialOutcome, t0: float, total: int) -> Progress:
        with self._lock:
            self._outcomes.append(outcome)
            done = len(self._outcomes)
            finished = sum(o.status != "cancelled" for o in self._outcomes)
            failed = sum(o.status == "failed" for o in self._outcomes)
        elapsed = time.perf_counter() - t0
        eta = elapsed / finished * (total - done) if finished and done < total and not self._cancelled else None
        return Progress(done, total, failed, elapsed, eta, outcome)

    def cancel(self) -> None:
        """Queued trials never start, running ones stop (any thread; before the run starts too)."""
        self._cancelled = True
        if self.executor is not None:
            self.executor.cancel()

    # -- reading (any thread) -------------------------------------------------------------------
    @property
    def outcomes(self) -> list[TrialOutcome]:
        """Every outcome so far, by trial index (a copy: the list grows while the study runs)."""
        with self._lock:
            return sorted(self._outcomes, key=lambda o: o.index)

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    @property
    def n_trials(self) -> int:
        return len(self.batch.tasks)

    def any_finished(self) -> bool:
        """At least one trial ran to an end that counts (the CLI's exit status)."""
        return any(o.finished for o in self.outcomes)

    def table(self, s: int = 0, running: bool = False):
        """The result table of study ``s`` of the batch (``running``: settings yet to run are waiting)."""
        return self.batch.result(s, self.outcomes, running)

    def tables(self) -> list[tuple[str, Any]]:
        """``[(title, StudyResult)]`` of every study of the batch."""
        return self.batch.results(self.outcomes)

    @property
    def is_learning_curve(self) -> bool:
        return self.batch.preset == "learning-curve"

    def n_train(self) -> int | None:
        """The training split's size (what a learning curve forecasts from)."""
        data = next(iter(self.batch.plans[0][1].datasets.values()), None)
        return None if data is None else int(data.n_train)

    def learning_curve(self, *, fit: bool = True):
        """A learning-curve study's curve: its points so far, fitted (with forecasts and a sentence)
        when ``fit``; the fit the CLI prints and the window draws, with the trivial predictor's loss."""
        from .learning_curve import CurveFit, LearningCurve, batch_learning_curve, curve_score, points_from_outcomes
        outcomes = self.outcomes
        if fit:
            return batch_learning_curve(self.batch, outcomes, self.n_train())
        return LearningCurve(points_from_outcomes(outcomes, curve_score(self.table(0).score, getattr(self.batch, "budget", None))),
                             CurveFit())
