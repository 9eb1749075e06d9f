"""Pseudo-labels: only confident rows are added, the validation split is never relabelled, and the
setting round-trips through the project file, check, train, a study knob, the run store and the py export."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from core.data import load_dataset
from core.project import Project, ProjectError
from core.training import train
from core.training.pseudo_labels import labelled_rows, round_epochs
from core.training.setup import prepare
from tests.core.cli_run import run

ROOT = Path(__file__).resolve().parents[2]
SPIRAL = ROOT / "resources" / "examples" / "spiral.losslab.json"
SINE = ROOT / "resources" / "examples" / "sine.losslab.json"


def _doc(pl=None, epochs=6, samples=300):
    doc = json.loads(SPIRAL.read_text())
    doc["data"]["params"]["samples"] = samples
    doc["training"]["epochs"] = epochs
    if pl is not None:
        doc["training"]["pseudo_labels"] = pl
    return doc


def _project(pl=None, **kw) -> Project:
    return Project.from_dict(_doc(pl, **kw), SPIRAL.parent)


def test_labelled_rows_are_stratified_seeded_and_keep_every_class():
    y = np.array([0] * 90 + [1] * 10)
    rows = labelled_rows(y, 0.1, seed=3)
    assert len(rows) == 10 and (y[rows] == 1).sum() == 1
    assert np.array_equal(rows, labelled_rows(y, 0.1, seed=3))
    assert not np.array_equal(rows, labelled_rows(y, 0.1, seed=4))
    assert len(labelled_rows(y, 1.0, 0)) == 100


def test_rounds_are_spread_after_a_labelled_warm_up():
    assert round_epochs(20, 3) == [6, 11, 16]
    assert round_epochs(10, 1, start=10) == [16]
    assert round_epochs(10, 0) == []


def test_only_rows_whose_confidence_reaches_the_threshold_are_added():
    project = _project({"threshold": 0.8, "rounds": 1, "label_fraction": 0.25})
    data = load_dataset(project.data, project.base_dir)
    setup = prepare(project, data, seed=0)
    pl = setup.pseudo
    assert setup.x_train.shape[0] == pl.x_labelled.shape[0] == len(labelled_rows(
        data.y_train["label"].numpy(), 0.25, project.data.seed))
    assert setup.x_val.shape[0] == data.n_val and torch.equal(setup.heads[0].y_val, data.y_val["label"].long())
    with torch.no_grad():    # a network that is sure of some rows and unsure of the others
        last = [m for m in setup.model.modules() if isinstance(m, torch.nn.Linear)][-1]
        last.weight.mul_(8.0)
    setup.model.eval()
    with torch.no_grad():
        p = torch.softmax(setup.model(pl.x_unlabelled)[0], dim=1)
    conf, cls = p.max(dim=1)
    sure = conf >= 0.8
    assert 0 < int(sure.sum()) < len(conf)       # the test means something only with both kinds
    r = pl.relabel(epoch=3)
    assert r.accepted == int(sure.sum()) and r.candidates == len(conf)
    n_lab = pl.x_labelled.shape[0]
    assert torch.equal(setup.x_train[n_lab:], pl.x_unlabelled[sure])
    assert torch.equal(setup.heads[0].y_train[n_lab:], cls[sure])
    assert torch.equal(setup.heads[0].y_train[:n_lab], pl.y_labelled)
    assert r.correct == pytest.approx(float((cls[sure] == pl.y_hidden[sure]).float().mean()))


def test_a_run_relabels_in_rounds_and_rounds_0_only_hides_labels():
    r = train(_project({"threshold": 0.6, "rounds": 2, "label_fraction": 0.2}, epochs=9), seed=0, threads=1)
    rep = r.state["pseudo_labels"]
    assert [x["epoch"] for x in rep["rounds"]] == [4, 7]
    assert rep["labelled"] + rep["unlabelled"] == 240
    assert all(0 <= x["accepted"] <= x["candidates"] == rep["unlabelled"] for x in rep["rounds"])
    scratch = train(_project({"rounds": 0, "label_fraction": 0.2}, epochs=2), seed=0, threads=1)
    assert scratch.state["pseudo_labels"]["rounds"] == []
    assert scratch.history[0].step == 2      # 48 labelled rows at batch 32: two steps an epoch


def test_the_setting_round_trips_through_the_project_file(tmp_path):
    p = _project({"threshold": 0.9, "rounds": 4, "label_fraction": 0.1})
    path = tmp_path / "p.losslab.json"
    p.save(path)
    again = Project.load(path)
    assert again.training.pseudo_labels == p.training.pseudo_labels
    assert again.to_dict()["training"]["pseudo_labels"] == {"threshold": 0.9, "rounds": 4, "label_fraction": 0.1}
    assert "pseudo_labels" not in _project().to_dict()["training"]


@pytest.mark.parametrize("pl, where, words", [
    ({"threshold": 0.3}, "training.pseudo_labels.threshold", "0.5 to 1"),
    ({"rounds": 1.5}, "training.pseudo_labels.rounds", "whole number"),
    ({"label_fraction": 0}, "training.pseudo_labels.label_fraction", "0 < x <= 1"),
    ({"share": 1}, "training.pseudo_labels", "share"),
])
def test_bad_settings_name_the_json_path(pl, where, words):
    with pytest.raises(ProjectError) as e:
        _project(pl)
    assert e.value.where.startswith(where) and words in str(e.value)


def test_check_counts_unlabelled_rows_and_refuses_a_regression_target(tmp_path, capsys):
    path = tmp_path / "p.losslab.json"
    path.write_text(json.dumps(_doc({"threshold": 0.95, "rounds": 3, "label_fraction": 0.1})))
    code, lines = run("check", path)
    assert code == 0
    assert any(line.startswith("pseudo-labels: 216 of 240 training rows are unlabelled (90%); 3 round(s)")
               for line in lines)
    doc = json.loads(SINE.read_text())
    doc["training"]["pseudo_labels"] = {"threshold": 0.95}
    bad = tmp_path / "sine.losslab.json"
    bad.write_text(json.dumps(doc))
    code, lines = run("check", bad)
    assert code == 2
    assert any("pseudo-labels need a classification target" in line and "[training.pseudo_labels]" in line
               for line in lines)


def test_train_prints_the_rows_accepted_per_round_and_the_run_store_keeps_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    path = tmp_path / "p.losslab.json"
    path.write_text(json.dumps(_doc({"threshold": 0.6, "rounds": 2, "label_fraction": 0.2}, epochs=6)))
    code, lines = run("train", path, "--quiet")
    assert code == 0
    assert "pseudo-labels: 48 labelled and 192 unlabelled training rows, threshold 0.6" in lines
    rounds = [line for line in lines if line.startswith("  pseudo-labels at epoch")]
    assert [line.split(":")[0] for line in rounds] == ["  pseudo-labels at epoch 3", "  pseudo-labels at epoch 5"]
    assert all("of 192 unlabelled rows accepted" in line for line in rounds)
    from core.runs import open_store
    run_id = [line for line in lines if line.startswith("run ")][0].split()[1]
    stored = open_store().get(run_id)
    assert stored.project["training"]["pseudo_labels"] == {"threshold": 0.6, "rounds": 2, "label_fraction": 0.2}


def test_a_study_varies_the_rounds_through_its_json_path_knob():
    from core.studies import StudySpec, plan_study
    project = _project({"threshold": 0.9, "rounds": 3, "label_fraction": 0.2})
    plan = plan_study(project, StudySpec.from_vary({"training.pseudo_labels.rounds": ["0", "2"]}, seeds=1))
    assert [t.project.training.pseudo_labels.rounds for t in plan.tasks] == [0, 2]
    assert all(t.project.training.pseudo_labels.label_fraction == 0.2 for t in plan.tasks)


def test_the_py_export_hides_the_same_rows_and_relabels_at_the_same_epochs(tmp_path):
    from core.export import export
    project = _project({"threshold": 0.6, "rounds": 2, "label_fraction": 0.2}, epochs=7)
    script = tmp_path / "net.py"
    export(project, "py", script)
    r = train(project, seed=0, threads=1)
    done = subprocess.run([sys.executable, str(script), "--threads", "1", "--json"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stdout.splitlines() if line.startswith("pseudo-labels at epoch")]
    assert said == [f"pseudo-labels at epoch {x['epoch']}: {x['accepted']} of {x['candidates']} unlabelled rows "
                    "accepted" for x in r.state["pseudo_labels"]["rounds"]]
    history = json.loads(done.stdout.splitlines()[-1])["history"]
    assert [h["train_loss"] for h in history] == pytest.approx([h.train_loss for h in r.history], rel=1e-4)


def test_a_study_refuses_pseudo_labels_on_two_heads_before_any_trial():
    from core.studies import StudyError, StudySpec, plan_study
    doc = json.loads((ROOT / "resources" / "examples" / "diagnosis.losslab.json").read_text())
    doc["training"]["pseudo_labels"] = {"label_fraction": 0.1}
    project = Project.from_dict(doc, ROOT / "resources" / "examples")
    with pytest.raises(StudyError, match="pseudo-labels need a project with one output head"):
        plan_study(project, StudySpec.from_vary({"training.pseudo_labels.rounds": [0, 3]}, seeds=1))


def test_a_round_gives_early_stopping_its_patience_again():
    """Early stopping counted the labelled-only epochs and ended the run right after the first round."""
    doc = _doc({"threshold": 0.5, "rounds": 2, "label_fraction": 0.2}, epochs=8)
    doc["training"]["optimizer"] = {"type": "SGD", "params": {"lr": 1e-8}}     # the loss hardly moves
    doc["training"]["early_stopping"] = {"patience": 3, "min_delta": 0.01, "restore_best": True}
    r = train(Project.from_dict(doc, SPIRAL.parent), seed=0, threads=1)
    assert [x["epoch"] for x in r.state["pseudo_labels"]["rounds"]] == [3]
    assert r.status == "early_stopped" and r.epochs_run == 5      # 4 without the new patience at epoch 3
