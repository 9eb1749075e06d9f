"""The same 8-trial study with 1 worker and with 2 workers (local process pool), side by side.

Run: ``python -m pytest tests/benchmarks/bench_study_workers.py -m benchmark -s``. Prints both wall
times (worker start-up included) and the speed-up (target >= 1.7x on a 2-core machine that is
otherwise idle). Each trial trains the spiral example (800 samples, 150 epochs) with one torch thread.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest

from core.project import Project
from core.studies import LocalExecutor, StudyRunner, StudySpec, plan_study
from core.studies.executors import cpu_count

SPIRAL = Path(__file__).resolve().parents[2] / "resources" / "examples" / "spiral.losslab.json"


def _study(workers: int, store_dir: str) -> float:
    project = Project.load(SPIRAL)
    spec = StudySpec.from_vary({"lr": [0.003, 0.01]}, seeds=4, epochs=150)
    plan = plan_study(project, spec, store_dir=store_dir)
    t = time.perf_counter()
    outcomes = StudyRunner(plan, LocalExecutor(workers, threads=1, n_trials=len(plan.tasks))).run()
    elapsed = time.perf_counter() - t
    assert [o["status"] for o in outcomes] == ["completed"] * 8
    return elapsed


@pytest.mark.benchmark
def test_eight_trials_with_one_and_with_two_workers():
    with tempfile.TemporaryDirectory() as home:
        one = _study(1, home)
        two = _study(2, home)
        one_again = _study(1, home)
    one = min(one, one_again)
    print(f"\nstudy of 8 trials (spiral, 150 epochs each) on {cpu_count()} cores: 1 worker {one:.1f}s, "
          f"2 workers {two:.1f}s, speed-up {one / two:.2f}x")
    assert one / two >= 1.7
