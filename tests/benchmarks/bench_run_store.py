"""Run-store overhead: the spiral example trained with the store recording and without, side by side.

Run: ``python -m pytest tests/benchmarks/bench_run_store.py -m benchmark -s``. Prints the seconds
per epoch both ways and the overhead (target <= 3%). Runs go in ABBA order (off, on, on, off, ...) so
neither the neighbours' load nor a CPU quota favours one side; the median of the per-pair ratios is
reported. It also times the recorder's own hooks inside the recorded runs (weights and the final
write included), which a shared machine's noise does not blur.
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
from core.training import TrainingObserver, train

SPIRAL = Path(__file__).resolve().parents[2] / "resources" / "examples" / "spiral.losslab.json"
EPOCHS = 150          # the example as it ships
PAIRS = 4


class Timed(TrainingObserver):
    """Forwards every hook to the recorder and adds up the time spent there."""

    def __init__(self, inner):
        self.inner, self.seconds = inner, 0.0

    def _call(self, name, *args):
        t = time.perf_counter()
        getattr(self.inner, name)(*args)
        self.seconds += time.perf_counter() - t

    def on_run_start(self, info):
        self._call("on_run_start", info)

    def on_steps(self, records):
        self._call("on_steps", records)

    def on_epoch_end(self, record):
        self._call("on_epoch_end", record)

    def on_findings(self, new, current):
        self._call("on_findings", new, current)

    def on_run_end(self, result):
        self._call("on_run_end", result)


@pytest.mark.benchmark
def test_run_store_overhead_per_epoch_on_the_spiral_example():
    project = Project.load(SPIRAL)
    dataset = load_dataset(project.data, project.base_dir)
    off_s, on_s, hook_s = [], [], []
    with tempfile.TemporaryDirectory() as home:
        store = open_store(home)

        def once(recorded: bool) -> None:
            obs = Timed(RunRecorder(store, project)) if recorded else None
            t = time.perf_counter()
            train(project, dataset=dataset, epochs=EPOCHS, threads=1, observer=obs)
            (on_s if recorded else off_s).append((time.perf_counter() - t) / EPOCHS)
            if recorded:
                hook_s.append(obs.seconds / EPOCHS)

        once(False)                                     # warm-up (imports, caches)
        off_s.clear()
        for i in range(PAIRS):
            for recorded in ((False, True) if i % 2 == 0 else (True, False)):
                once(recorded)
        store.close()
    ratios = [b / a for a, b in zip(off_s, on_s)]
    overhead = statistics.median(ratios) - 1
    hooks = statistics.median(hook_s) / statistics.median(off_s)
    print(f"\nrun store, spiral ({EPOCHS} epochs x {PAIRS} ABBA pairs): off {statistics.median(off_s) * 1000:.2f} "
          f"ms/epoch, on {statistics.median(on_s) * 1000:.2f} ms/epoch, overhead {overhead * 100:+.1f}% (pair ratios "
          f"{', '.join(f'{r:.3f}' for r in ratios)}); time inside the recorder {statistics.median(hook_s) * 1000:.3f} "
          f"ms/epoch = {hooks * 100:.2f}% of an epoch")
    assert hooks <= 0.03 and overhead <= 0.03
