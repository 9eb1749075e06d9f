"""Pseudo-labelling against scratch with 10% of a table's training rows labelled, over 5 seeds.

Run: ``python -m pytest tests/benchmarks/bench_pseudo_labels.py -m benchmark -n 0 -s``. Each table: the
bundled project as it is, ``training.pseudo_labels`` = ``{"label_fraction": 0.1, "threshold": 0.95}`` with
``rounds`` 0 (scratch: the same labelled rows, the others unused) and 3 (pseudo-labelling), one study
through the study machinery (``--vary training.pseudo_labels.rounds=0,3``), 5 seeds each. Prints the
validation loss at the end and the validation accuracy (mean ± sd), the paired difference per seed with
a paired t-test, and the rows accepted in the last round. The effect is reported whatever it is: there
is no target to pass.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from core.project import Project
from core.runs import open_store
from core.studies import StudySpec, plan_study, run_study
from core.tasks import TaskState

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
TABLES = ("csv-moons", "fraud")   # diagnosis has two heads: pseudo-labels need one
SEEDS = 5
SETTING = {"label_fraction": 0.1, "threshold": 0.95, "rounds": 3}


def _study(name: str, home: str):
    doc = Project.load(EXAMPLES / f"{name}.losslab.json").to_dict()
    doc["training"]["pseudo_labels"] = dict(SETTING)
    project = Project.from_dict(doc, EXAMPLES)
    plan = plan_study(project, StudySpec.from_vary({"training.pseudo_labels.rounds": [0, 3]}, seeds=SEEDS))
    outcomes = run_study(plan, store_dir=home, state=TaskState())
    by = {0: {}, 3: {}}
    for o in outcomes:
        assert o.status in ("completed", "early_stopped"), o.message
        by[o.setting["training.pseudo_labels.rounds"]][o.seed] = o
    return by


def _line(label: str, a: list[float], b: list[float]) -> str:
    d = np.array(b) - np.array(a)
    t = stats.ttest_rel(b, a)
    return (f"  {label:<26} scratch {np.mean(a):.4f} ± {np.std(a, ddof=1):.4f}   pseudo {np.mean(b):.4f} ± "
            f"{np.std(b, ddof=1):.4f}   paired difference {d.mean():+.4f} (sd {d.std(ddof=1):.4f}), "
            f"t = {t.statistic:+.2f}, p = {t.pvalue:.3f}")


@pytest.mark.benchmark
def test_pseudo_labels_against_scratch_with_10_percent_labelled():
    print(f"\npseudo-labelling ({SETTING}) vs scratch on the same 10% labelled rows, {SEEDS} seeds, paired by seed:")
    with tempfile.TemporaryDirectory() as home:
        for name in TABLES:
            by = _study(name, home)
            seeds = sorted(by[0])
            print(f"{name}:")
            for key, label in (("end_val_loss", "validation loss at the end"), ("metric", "validation accuracy")):
                a = [by[0][s].score(key) for s in seeds]
                b = [by[3][s].score(key) for s in seeds]
                print(_line(label, a, b))
            rounds = [by[3][s].pseudo_labels["rounds"] for s in seeds]
            print("  rows accepted per round (of {:,} unlabelled), seed by seed: ".format(rounds[0][0]["candidates"])
                  + "; ".join("/".join(str(r["accepted"]) for r in rs) for rs in rounds)
                  + "   right: " + "; ".join("/".join("-" if r["correct"] is None else f"{r['correct']:.0%}" for r in rs)
                                           for rs in rounds))
            store = open_store(home)
            try:
                for s in seeds[:1]:
                    stored = store.get(by[3][s].run_id)
                    assert stored.project["training"]["pseudo_labels"]["rounds"] == 3
            finally:
                store.close()
