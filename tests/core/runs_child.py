"""Child processes for the run-store tests (run as a script: ``python runs_child.py MODE STORE``).

``train``: trains the spiral example for many epochs, printing ``epoch N`` after each epoch is in
the store, until killed. ``write NAME``: waits for ``go`` on stdin, then records a synthetic run of
300 epochs (many small transactions) and prints ``done RUN_ID``.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from core.project import Project  # noqa: E402
from core.runs import RunRecorder, open_store  # noqa: E402
from core.runs.fanout import Fanout  # noqa: E402
from core.training import TrainingObserver, train  # noqa: E402
from core.training.events import EpochRecord, RunInfo, RunResult, StepRecords  # noqa: E402

SPIRAL = Path(__file__).resolve().parents[2] / "resources" / "examples" / "spiral.losslab.json"


class Announce(TrainingObserver):
    def on_epoch_end(self, record):
        print(f"epoch {record.epoch}", flush=True)


def main() -> None:
    mode, store_dir = sys.argv[1], sys.argv[2]
    store = open_store(store_dir)
    project = Project.load(SPIRAL)
    if mode == "train":
        rec = RunRecorder(store, project)
        print(f"run {rec.run_id}", flush=True)
        train(project, observer=Fanout(rec, Announce()), epochs=100_000, threads=1)
        return
    name = sys.argv[3]
    rec = RunRecorder(store, project, name=name, save_weights=False)
    print("ready", flush=True)
    sys.stdin.readline()
    rec.on_run_start(RunInfo(name, 300, 4, 100, 20, 10, "cpu", 1, ("out",), "classification", 0.01))
    for e in range(1, 301):
        rec.on_steps(StepRecords(4 * e - 3, e, (1.0 / e,) * 4, (0.01,) * 4, (1.0,) * 4))
        rec.on_epoch_end(EpochRecord(e, 4 * e, 1.0 / e, 1.1 / e, 0.01, 0.001, 0.001 * e, {"val_accuracy": 0.5}))
    rec.on_run_end(RunResult("completed", 300, 300, 1.1 / 300, [], 1200, 0.3, 4000.0))
    assert not rec.error, rec.error
    print(f"done {rec.run_id}", flush=True)


if __name__ == "__main__":
    main()
