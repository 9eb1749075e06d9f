"""Rows of a table whose class cell is empty: kept aside as unlabelled rows (never in a split, normalized
with the training split's statistics), learned from by pseudo-labels, counted by ``check``."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from core.data import DataError, load_dataset
from core.project import Project
from core.training.setup import prepare
from tests.core.cli_run import run

ROOT = Path(__file__).resolve().parents[2]
MOONS = ROOT / "resources" / "examples" / "csv-moons.losslab.json"


def _write_blobs(path: Path, n: int = 400, labelled: float = 0.1, seed: int = 3) -> np.ndarray:
    """Two Gaussian blobs; only ``labelled`` of the rows keep their class (the rest: an empty cell).
    Returns the true classes (file order)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(0, 1, (n, 2)) + np.where(y[:, None] == 1, 2.5, -2.5) + np.array([10.0, -4.0])
    shown = rng.random(n) < labelled
    shown[:4] = True
    y[:4] = [0, 1, 0, 1]
    cell = [("yes" if y[i] else "no") if shown[i] else "" for i in range(n)]
    lines = ["a,b,cls"] + [f"{x[i, 0]:.4f},{x[i, 1]:.4f},{cell[i]}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return y


def _project(tmp_path: Path, pl: dict | None, epochs: int = 12) -> Path:
    doc = json.loads(MOONS.read_text())
    doc["data"].update({"path": "blobs.csv", "target": "cls", "features": ["a", "b"], "test_fraction": 0.0})
    doc["training"]["epochs"] = epochs
    doc["training"]["batch_size"] = 8
    if pl is not None:
        doc["training"]["pseudo_labels"] = pl
    path = tmp_path / "p.losslab.json"
    path.write_text(json.dumps(doc))
    return path


def test_empty_class_cells_become_unlabelled_rows_outside_every_split(tmp_path):
    y = _write_blobs(tmp_path / "blobs.csv")
    project = Project.load(_project(tmp_path, None))
    ds = load_dataset(project.data, project.base_dir)
    file_rows = np.flatnonzero([line.split(",")[2] != "" for line in
                                (tmp_path / "blobs.csv").read_text().splitlines()[1:]])
    assert ds.n_train + ds.n_val == len(file_rows)
    assert ds.n_unlabeled == len(y) - len(file_rows) > 300
    # never in a split: the split rows and the unlabelled rows are disjoint and cover the file
    split = set(ds.index_train.tolist()) | set(ds.index_val.tolist())
    assert split.isdisjoint(ds.index_unlabeled.tolist())
    assert split | set(ds.index_unlabeled.tolist()) == set(range(len(y)))
    # normalized with the training split's statistics (not their own): raw = x * std + mean
    raw = np.loadtxt(tmp_path / "blobs.csv", delimiter=",", skiprows=1, usecols=(0, 1))
    back = ds.x_unlabeled.numpy() * ds.std + ds.mean
    assert np.allclose(back, raw[ds.index_unlabeled], atol=1e-3)
    assert "with an empty 'cls' kept aside as unlabelled" in " ".join(ds.table_report.notes())
    assert ds.summary().endswith(f"{ds.n_train} train / {ds.n_val} val / 0 test + {ds.n_unlabeled} unlabelled")


def test_an_unlabelled_row_with_a_missing_input_is_dropped_and_a_regression_gap_is_still_an_error(tmp_path):
    (tmp_path / "blobs.csv").write_text("a,b,cls\n1,2,no\n3,,\n4,5,\n6,7,yes\n8,9,no\n1,1,yes\n2,2,no\n")
    project = Project.load(_project(tmp_path, None))
    ds = load_dataset(project.data, project.base_dir)
    assert ds.n_unlabeled == 1 and ds.index_unlabeled.tolist() == [2]
    assert ds.table_report.dropped == 1
    doc = json.loads((tmp_path / "p.losslab.json").read_text())
    doc["data"]["task"] = "regression"
    (tmp_path / "blobs.csv").write_text("a,b,cls\n1,2,0.5\n3,4,\n4,5,1.5\n6,7,2.5\n")
    reg = Project.from_dict(doc, tmp_path)
    with pytest.raises(DataError) as e:
        load_dataset(reg.data, reg.base_dir)
    assert "line 3" in e.value.where and "target is missing" in str(e.value)


def test_a_class_subset_keeps_the_unlabelled_rows_normalized_like_its_training_rows(tmp_path):
    _write_blobs(tmp_path / "blobs.csv")
    project = Project.load(_project(tmp_path, None))
    project.data.per_class = 5
    ds = load_dataset(project.data, project.base_dir)
    assert ds.n_train == 10 and ds.n_unlabeled > 300
    raw = np.loadtxt(tmp_path / "blobs.csv", delimiter=",", skiprows=1, usecols=(0, 1))
    assert np.allclose(ds.x_unlabeled.numpy() * ds.std + ds.mean, raw[ds.index_unlabeled], atol=1e-3)


def test_pseudo_labels_learn_from_the_empty_rows_and_train_and_check_say_so(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    _write_blobs(tmp_path / "blobs.csv")
    plain = _project(tmp_path, None)
    code, lines = run("check", plain)
    assert code == 0
    n_empty = sum(1 for line in (tmp_path / "blobs.csv").read_text().splitlines()[1:] if line.endswith(","))
    assert f"unlabelled: {n_empty} rows with an empty target are not used; set training.pseudo_labels" \
           " to let the network label the ones it is sure of" in lines
    path = _project(tmp_path, {"threshold": 0.9, "rounds": 2})
    code, lines = run("check", path)
    assert code == 0
    n_train = load_dataset(Project.load(path).data, tmp_path).n_train
    assert any(line.startswith(f"pseudo-labels: {n_empty} of {n_train + n_empty} training rows are unlabelled")
               and "all of them rows with an empty target" in line for line in lines)
    code, lines = run("train", path, "--quiet")
    assert code == 0
    assert f"pseudo-labels: {n_train} labelled and {n_empty} unlabelled training rows, threshold 0.9" in lines
    rounds = [line for line in lines if line.startswith("  pseudo-labels at epoch")]
    assert len(rounds) == 2 and all(f"of {n_empty} unlabelled rows accepted" in line for line in rounds)
    accepted = [int(line.split(": ")[1].split(" of ")[0]) for line in rounds]
    assert accepted[-1] > n_empty // 2     # well separated blobs: most rows pass 0.9 once trained


def test_the_validation_split_never_receives_the_unlabelled_rows(tmp_path):
    _write_blobs(tmp_path / "blobs.csv")
    project = Project.load(_project(tmp_path, {"threshold": 0.5, "rounds": 1}))
    setup = prepare(project)
    ds = setup.dataset
    assert setup.x_val.shape[0] == ds.n_val
    assert setup.pseudo.x_unlabelled.shape[0] == ds.n_unlabeled
    assert torch.equal(setup.pseudo.x_unlabelled, ds.x_unlabeled)
    setup.pseudo.relabel(1)
    assert setup.x_val.shape[0] == ds.n_val and setup.x_train.shape[0] > ds.n_train
    # the training accuracy is measured on the rows trained on now, against their (pseudo-)labels
    from core.training.evaluate import evaluate
    _, metrics, _ = evaluate(setup)
    assert 0.9 <= metrics["train_accuracy"] <= 1.0


def test_the_py_export_keeps_the_same_unlabelled_rows_and_accepts_the_same_counts(tmp_path):
    import subprocess
    import sys

    from core.export import export
    from core.training import train
    _write_blobs(tmp_path / "blobs.csv", n=300)
    project = Project.load(_project(tmp_path, {"threshold": 0.9, "rounds": 2}, epochs=6))
    script = tmp_path / "net.py"
    export(project, "py", script)
    r = train(project, seed=0, threads=1)
    done = subprocess.run([sys.executable, str(script), "--threads", "1", "--json"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stdout.splitlines() if line.startswith("pseudo-labels at epoch")]
    assert said == [f"pseudo-labels at epoch {x['epoch']}: {x['accepted']} of {x['candidates']} unlabelled rows "
                    "accepted" for x in r.state["pseudo_labels"]["rounds"]]
    assert r.state["pseudo_labels"]["unlabelled"] == load_dataset(project.data, tmp_path).n_unlabeled
