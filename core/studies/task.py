"""A planned study as one task call: :func:`run_study` runs a :class:`Plan` (or a whole batch's
:meth:`StudyBatch.merged` plan) through the one study driver (:class:`core.studies.driver.StudyDriver`)
and returns its outcomes. Kept for callers that hold a plan and want only the outcomes (benchmarks,
scripts); the CLI and the window use the driver itself, which also gives the tables."""
from __future__ import annotations

from core.tasks import TaskState

from .driver import Backend, StudyDriver
from .outcome import TrialOutcome
from .study import Plan


def run_study(plan: Plan, *, backend: str = "local", workers: int | None = None, address: str | None = None,
              store_dir: str | None = None, record: bool = True, state: TaskState) -> list[TrialOutcome]:
    """Run every trial of ``plan``; returns the outcomes sorted by trial index (see
    :mod:`core.studies.driver` for what it reports). ``record=False``: no run is written to the store."""
    driver = StudyDriver(plan, Backend(backend, workers, address, store_dir, record))
    return driver.run(state=state)
