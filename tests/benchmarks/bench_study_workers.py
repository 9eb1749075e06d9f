"""The same 8-trial study with 1 worker and with 2 workers (local process pool), side by side.

Run: ``python -m pytest tests/benchmarks/bench_study_workers.py -m benchmark -s``. Prints both wall
times (worker start-up included) and the speed-up (target >= 1.7x on a 2-core machine that is
otherwise idle). Each trial trains the spiral example (800 samples, 150 epochs) with one torch thread.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import pytest

from core.project import Project
from core.studies import LocalExecutor, StudyDriver, StudySpec, plan_study
from core.studies.executors import cpu_count

PAIRS = 3
SPIRAL = Path(__file__).resolve().parents[2] / "resources" / "examples" / "spiral.losslab.json"


def _study(workers: int, store_dir: str) -> float:
    project = Project.load(SPIRAL)
    spec = StudySpec.from_vary({"lr": [0.003, 0.01]}, seeds=4, epochs=150)
    plan = plan_study(project, spec, store_dir=store_dir)
    t = time.perf_counter()
    outcomes = StudyDriver(plan, executor=LocalExecutor(workers, threads=1, n_trials=len(plan.tasks))).run()
    elapsed = time.perf_counter() - t
    assert [o.status for o in outcomes] == ["completed"] * 8
    return elapsed


@pytest.mark.benchmark
def test_eight_trials_with_one_and_with_two_workers():
    pairs = []
    with tempfile.TemporaryDirectory() as home:
        for _ in range(PAIRS):       # alternating, so a neighbour's load hits both alike
            pairs.append((_study(1, home), _study(2, home)))
    ratios = [a / b for a, b in pairs]
    speedup = statistics.median(ratios)
    print(f"\nstudy of 8 trials (spiral, 150 epochs each) on {cpu_count()} cores: "
          + ", ".join(f"1 worker {a:.1f}s / 2 workers {b:.1f}s" for a, b in pairs)
          + f"; speed-up median {speedup:.2f}x (pairs {', '.join(f'{r:.2f}' for r in ratios)})")
    assert speedup >= 1.7
