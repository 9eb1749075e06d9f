"""Does the learning curve predict? On six bundled sets, fit it on sizes up to 50% of the training split and
compare its forecast for the full split with the validation loss actually reached there.

Run: ``python -m pytest tests/benchmarks/bench_learning_curve.py -m benchmark -n 0 -s``. Each set: five
log-spaced sizes from the smallest stratified subset to 50% and the full split (1.0), 3 seeds each, every
trial the bundled project as it is (its epochs, learning rate, model), one study run through the study
machinery; the fit sees only the sizes up to 50%. Prints per set the forecast, its 95% interval, the
actual mean over seeds, the error and whether the actual lies inside the interval. Target (issue 22):
within 10% and inside the interval on at least 4 of the 6 sets.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

from core.data import load_dataset
from core.project import Project
from core.studies import run_study
from core.studies.curve_study import learning_curve_batch
from core.studies.learning_curve import curve_score, fit_learning_curve, points_from_outcomes
from core.tasks import TaskState

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
SETS = ("spiral", "csv-moons", "sine", "digits", "fraud", "diagnosis")
SEEDS = 3
HALF = 0.5
DUMP = os.environ.get("LOSSLAB_BENCH_DUMP")   # a folder: each set's outcomes are written there as JSON


def _sizes(n_train: int, n_classes: int) -> list[float]:
    floor = max(16, 4 * n_classes) / n_train
    return [round(float(f), 4) for f in np.geomspace(max(floor, HALF / 16), HALF, 5)] + [1.0]


def _one(name: str, home: str) -> tuple[str, int, float | None, float | None, float | None, float, str]:
    project = Project.load(EXAMPLES / f"{name}.losslab.json")
    data = load_dataset(project.data, project.base_dir)
    first = data.targets[data.default_target]
    batch = learning_curve_batch(project, data, sizes=_sizes(data.n_train, len(first.classes)
                                                             if first.is_classification else 0), seeds=SEEDS)
    outcomes = run_study(batch.merged(), store_dir=home, record=False, state=TaskState())
    if DUMP:
        Path(DUMP, f"{name}.json").write_text(json.dumps([{k: v for k, v in o.items() if k != "train_curve"}
                                                          for o in outcomes]))
    score = curve_score(batch.result(0, outcomes).score)
    points = points_from_outcomes(outcomes, score)
    full = [p for p in points if p.fraction >= 1.0][0]
    curve = fit_learning_curve([p for p in points if p.fraction <= HALF], n_full=data.n_train)
    f = next((x for x in curve.forecast if x.n == data.n_train), None)
    return (name, data.n_train, f.loss if f else None, f.low if f else None, f.high if f else None, full.mean,
            curve.fit.verdict)


@pytest.mark.benchmark
def test_learning_curve_forecasts_the_full_split():
    rows = []
    with tempfile.TemporaryDirectory() as home:
        for name in SETS:
            rows.append(_one(name, home))
            print(f"  {name}: done {rows[-1]}", flush=True)
    hits = 0
    print(f"\nlearning curve fitted on sizes up to {HALF:.0%} of the training split, {SEEDS} seeds per size:")
    print(f"{'set':<10} {'n full':>7} {'fit':>8} {'predicted':>10} {'95% interval':>19} {'actual':>8} {'error':>7}  inside")
    for name, n, pred, lo, hi, actual, verdict in rows:
        if pred is None:
            print(f"{name:<10} {n:>7,} {verdict:>8} {'none':>10} {'':>19} {actual:>8.4f} {'':>7}  -")
            continue
        err = (pred - actual) / actual
        inside = lo <= actual <= hi
        hit = abs(err) <= 0.10 and inside
        hits += hit
        print(f"{name:<10} {n:>7,} {verdict:>8} {pred:>10.4f} {lo:>9.4f}-{hi:<9.4f} {actual:>8.4f} {err:>+7.1%}  "
              f"{'yes' if inside else 'no'}{'  (hit)' if hit else ''}")
    print(f"within 10% and inside the interval: {hits} of {len(rows)} (target: at least 4)")
    assert hits >= 4
