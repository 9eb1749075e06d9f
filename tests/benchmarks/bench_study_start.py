"""How long a small study takes to start its workers: spawned workers (each imports torch) against
workers forked from the fork server (torch imported once), side by side in fresh processes.

Run: ``python -m pytest tests/benchmarks/bench_study_start.py -m benchmark -s``. Each study is 4 trials
of one epoch on a 200-sample spiral with 2 workers, so its time is almost all worker start-up. Prints
the first and the second study of each process (the fork server starts with the first and serves every
later one) and the ratio of the first studies.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 3

_CHILD = r"""
import json, sys, time, multiprocessing as mp
from core.project import Project
from core.studies import LocalExecutor, StudyDriver, StudySpec, plan_study
from core.studies import executors
if sys.argv[1] == "spawn":
    executors.pool_context = lambda: mp.get_context("spawn")
project = Project.load(sys.argv[2])
project.data.params["samples"] = 200
times = []
for _ in range(2):
    plan = plan_study(project, StudySpec.from_vary({"lr": [0.003, 0.01]}, seeds=2, epochs=1), store_dir=sys.argv[3])
    t = time.perf_counter()
    outcomes = StudyDriver(plan, executor=LocalExecutor(2, threads=1, n_trials=4)).run()
    times.append(time.perf_counter() - t)
    assert [o.status for o in outcomes] == ["completed"] * 4
print(json.dumps(times))
"""


def _study_times(method: str, home: str) -> list[float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOSSLAB_HOME": home}
    out = subprocess.run([sys.executable, "-c", _CHILD, method, str(ROOT / "resources/examples/spiral.losslab.json"),
                          home], capture_output=True, text=True, env=env, check=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.benchmark
def test_forked_workers_start_faster_than_spawned_ones():
    rows = []
    with tempfile.TemporaryDirectory() as home:
        for _ in range(ROUNDS):          # alternating, so a neighbour's load hits both alike
            rows.append((_study_times("spawn", home), _study_times("forkserver", home)))
    ratios = [s[0] / f[0] for s, f in rows]
    print("\n4-trial study, 2 workers: "
          + "; ".join(f"spawn {s[0]:.2f}s then {s[1]:.2f}s / fork server {f[0]:.2f}s then {f[1]:.2f}s" for s, f in rows)
          + f"; first study spawn/fork-server median {statistics.median(ratios):.2f}x")
    assert all(f[1] < s[1] for s, f in rows)   # a second study starts its workers at once
