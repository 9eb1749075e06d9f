"""The one study driver and its frozen trial outcome, as a person meets them: a study asked for in
words is planned or refused with the reason, a trial's outcome cannot change once made, survives the
trip through a process and a JSON file, and a results file in the old dict format still gives its table."""
from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path

import pytest

from core.data import load_dataset
from core.project import Project
from core.studies import (StudyDriver, StudyError, StudyRequest, StudySpec, TrialOutcome, plan_request, plan_study,
                          summarize)
from core.studies.trial import run_trial
from core.tasks import TaskState

ROOT = Path(__file__).resolve().parents[2]
SPIRAL = ROOT / "resources" / "examples" / "spiral.losslab.json"

#: two trials as ``run_trial`` returned them before the outcome was a dataclass (a results file of
#: that time, e.g. the learning-curve benchmark's ``LOSSLAB_BENCH_DUMP``): one trained, one failed
OLD_FILE = [
    {"index": 0, "setting": {"lr": 0.01}, "seed": 0, "run_id": "r1", "status": "completed", "message": "",
     "train_samples": 140, "lr": 0.01, "epochs": 3, "final_train_loss": 0.9, "final_val_loss": 1.0,
     "end_train_loss": 0.92, "end_val_loss": 1.01, "best_val_loss": 0.99, "best_epoch": 2, "early_dip": False,
     "gap": 0.1, "metric_name": "val_accuracy", "metric": 0.5, "overfit": False, "diverged": False,
     "train_curve": [1.1, 0.95, 0.9], "val_curve": [1.2, 0.99, 1.0], "seconds": 0.4},
    {"index": 1, "setting": {"lr": 0.01}, "seed": 1, "run_id": "r2", "status": "completed", "message": "",
     "train_samples": 140, "lr": 0.01, "epochs": 3, "final_train_loss": 0.8, "final_val_loss": 0.95,
     "end_train_loss": 0.85, "end_val_loss": 0.97, "best_val_loss": 0.95, "best_epoch": 3, "early_dip": False,
     "gap": 0.15, "metric_name": "val_accuracy", "metric": 0.55, "overfit": False, "diverged": False,
     "train_curve": [1.0, 0.9, 0.8], "val_curve": [1.1, 1.0, 0.95], "seconds": 0.5},
    {"index": 2, "setting": {"lr": 1.0}, "seed": 0, "run_id": None, "status": "failed",
     "message": "RuntimeError: out of memory", "traceback": "Traceback ...", "seconds": 0.01},
]


def _tiny() -> Project:
    doc = json.loads(SPIRAL.read_text())
    doc["data"]["params"]["samples"] = 200
    doc["training"]["epochs"] = 2
    return Project.from_dict(doc, SPIRAL.parent)


def test_an_old_results_file_loads_and_gives_the_same_table(tmp_path):
    path = tmp_path / "outcomes.json"
    path.write_text(json.dumps(OLD_FILE))
    loaded = [TrialOutcome.from_dict(o) for o in json.loads(path.read_text())]
    assert [o.to_dict() for o in loaded] == OLD_FILE            # written back exactly as it was read
    settings = [{"lr": 0.01}, {"lr": 1.0}]
    from_file = summarize("s", ["lr"], settings, loaded).to_json()
    from_dicts = summarize("s", ["lr"], settings, OLD_FILE).to_json()
    assert from_file == from_dicts
    good, bad = from_file["rows"]
    assert good["n"] == 2 and good["mean"]["end_val_loss"] == pytest.approx(0.99)
    assert bad["failed"] == 1 and bad["errors"] == ["RuntimeError: out of memory"]


def test_a_key_this_version_does_not_know_is_kept():
    newer = {**OLD_FILE[0], "energy_joules": 12.5}
    assert TrialOutcome.from_dict(newer).to_dict() == newer
    with pytest.raises(TypeError, match="JSON object"):
        TrialOutcome.from_dict(["not", "an", "outcome"])


def test_a_real_trials_outcome_cannot_change_and_survives_a_process_and_json(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    project = _tiny()
    data = load_dataset(project.data, project.base_dir)
    plan = plan_study(project, StudySpec.from_vary({"lr": [0.05]}, seeds=1), dataset=data)
    task = plan.tasks[0]
    outcome = run_trial(task, plan.datasets)            # in this process; a worker pickles the same object
    assert outcome.status == "completed" and outcome.epochs == 2 and len(outcome.val_curve) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.status = "failed"
    with pytest.raises(AttributeError):
        outcome.val_curve.append(0.0)                   # curves are tuples
    again = pickle.loads(pickle.dumps(outcome))
    assert again == outcome
    assert TrialOutcome.from_dict(json.loads(json.dumps(outcome.to_dict(), allow_nan=False))) == outcome.replace(
        record=None)
    changed = outcome.replace(status="cancelled")
    assert changed.status == "cancelled" and outcome.status == "completed"


def test_a_request_is_refused_with_the_reason_before_anything_is_read():
    project = _tiny()
    for request, words in ((StudyRequest(), "nothing to vary"),
                           (StudyRequest(vary={"lr": [0.1]}, preset="neural-net-loss"), "not both"),
                           (StudyRequest(learning_curve=True, vary={"lr": [0.1]}), "give it alone"),
                           (StudyRequest(vary={"lr": [0.1]}, sizes=(0.1, 0.5)), "sizes go with a learning curve"),
                           (StudyRequest(vary={"lr": [0.1]}, seeds=0), "seeds must be at least 1"),
                           (StudyRequest(vary={"lr": ["fast"]}), "lr='fast'")):
        with pytest.raises(StudyError, match=words):
            plan_request(project, request)


def test_planning_reads_the_data_itself_and_says_so_when_it_cannot(tmp_path):
    state = TaskState()
    batch = plan_request(_tiny(), StudyRequest(vary={"activation": ["ReLU", "Tanh"]}, seeds=2), state=state)
    assert len(batch.tasks) == 4 and state.status == "checking every setting…"
    doc = json.loads((ROOT / "resources" / "examples" / "csv-moons.losslab.json").read_text())
    doc["data"]["path"] = str(tmp_path / "gone.csv")
    with pytest.raises(StudyError, match="the data cannot be loaded"):
        plan_request(Project.from_dict(doc, tmp_path), StudyRequest(vary={"lr": [0.1, 0.01]}))


def test_a_study_cancelled_before_it_starts_runs_no_trial(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    driver = StudyDriver(plan_request(_tiny(), StudyRequest(vary={"lr": [0.1, 0.01]}, seeds=1)))
    state = TaskState()
    state.cancel()
    outcomes = driver.run(state=state)
    assert [o.status for o in outcomes] == ["cancelled", "cancelled"] and driver.cancelled
    assert not driver.any_finished() and all(o.run_id is None for o in outcomes)
    assert [r.cancelled for r in driver.table().rows] == [1, 1]
