"""Run-store overhead: the spiral example trained with the store recording and without, side by side.

Run: ``python -m pytest tests/benchmarks/bench_run_store.py -m benchmark -s``. Prints the seconds
per epoch both ways and the overhead (target <= 3%). Pairs alternate (off, on, off, on, ...) so a
neighbour's load hits both alike; the median of the per-pair ratios is reported. Weight files are
written at the end of each recorded run and are included.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import pytest

from core.data import load_dataset
from core.project import Project
from core.runs import RunRecorder, open_store
from core.training import train

SPIRAL = Path(__file__).resolve().parents[2] / "resources" / "examples" / "spiral.losslab.json"
EPOCHS = 60
PAIRS = 5


@pytest.mark.benchmark
def test_run_store_overhead_per_epoch_on_the_spiral_example():
    project = Project.load(SPIRAL)
    dataset = load_dataset(project.data, project.base_dir)
    ratios, off_s, on_s = [], [], []
    with tempfile.TemporaryDirectory() as home:
        store = open_store(home)
        train(project, dataset=dataset, epochs=5, threads=1, diagnose=True)  # warm-up
        for _ in range(PAIRS):
            t = time.perf_counter()
            train(project, dataset=dataset, epochs=EPOCHS, threads=1)
            off = time.perf_counter() - t
            t = time.perf_counter()
            train(project, dataset=dataset, epochs=EPOCHS, threads=1, observer=RunRecorder(store, project))
            on = time.perf_counter() - t
            off_s.append(off / EPOCHS)
            on_s.append(on / EPOCHS)
            ratios.append(on / off)
        store.close()
    overhead = statistics.median(ratios) - 1
    print(f"\nrun store, spiral ({EPOCHS} epochs x {PAIRS} pairs): off {statistics.median(off_s) * 1000:.2f} ms/epoch, "
          f"on {statistics.median(on_s) * 1000:.2f} ms/epoch, overhead {overhead * 100:+.1f}% (median of pair ratios "
          f"{', '.join(f'{r:.3f}' for r in ratios)})")
    assert overhead <= 0.03
