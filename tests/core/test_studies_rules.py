"""The study rules on real (tiny) studies of a 178-row, three-class table shaped like the wine data:
data sizes that keep the same samples are one row, a lucky early dip is flagged and not ranked best,
and optimizers are compared fairly, each at its own learning rate, with the comparison named."""
from __future__ import annotations

import json

import numpy as np
import pytest

from core.cli import main
from core.data import load_dataset
from core.project import Project
from core.runs import open_store
from core.studies import build_batch

pytestmark = pytest.mark.xdist_group("worker_pool")   # one fork server for every study test

FEATURES = [f"f{i}" for i in range(13)]


@pytest.fixture
def wine(tmp_path, monkeypatch):
    """178 rows (59/71/48 per class, as the wine data), 13 features, well separated classes: Adam at 0.01
    learns it steadily; at 0.1 it dips low in the first epochs and then grows over-confident."""
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    rng = np.random.default_rng(7)
    centers = rng.normal(0, 2.0, (3, 13))
    rows = []
    for c, n in enumerate((59, 71, 48)):
        x = centers[c] + rng.normal(0, 1, (n, 13)) * rng.uniform(0.5, 2.0, 13)
        rows += [(list(r), c) for r in x]
    rng.shuffle(rows)
    lines = [",".join(FEATURES + ["cultivar"])] + [",".join(f"{v:.4f}" for v in r) + f",c{c}" for r, c in rows]
    (tmp_path / "wine.csv").write_text("\n".join(lines) + "\n")
    doc = {"format": "losslab-project", "version": 1, "name": "wine",
           "data": {"source": "csv", "params": {}, "path": "wine.csv", "target": "cultivar", "features": FEATURES,
                    "task": "classification", "val_fraction": 0.3, "test_fraction": 0.0, "seed": 0,
                    "normalize": True},
           "model": {"nodes": [{"id": "input", "type": "Input"},
                               {"id": "fc1", "type": "Linear", "params": {"out_features": 32}},
                               {"id": "relu1", "type": "ReLU"},
                               {"id": "out", "type": "Linear", "params": {"out_features": 3}}],
                     "edges": [["input", "fc1"], ["fc1", "relu1"], ["relu1", "out"]]},
           "outputs": [{"node": "out", "loss": {"type": "CrossEntropyLoss", "params": {}}, "weight": 1.0}],
           "training": {"optimizer": {"type": "Adam", "params": {"lr": 0.01}},
                        "schedule": {"type": "Constant", "params": {}}, "epochs": 30, "batch_size": 32, "seed": 0}}
    path = tmp_path / "wine.losslab.json"
    path.write_text(json.dumps(doc))
    return path


def _sweep_json(*argv):
    lines: list[str] = []
    code = main(["sweep", *map(str, argv), "--format", "json", "--quiet"], out=lines.append)
    return code, json.loads(lines[-1])


def test_data_sizes_that_keep_the_same_samples_are_one_row_with_the_count(wine):
    code, doc = _sweep_json(wine, "--vary", "data_size=0.096,0.1,1", "--seeds", "1", "--epochs", "1",
                            "--workers", "1")
    assert code == 0
    assert [r["setting"] for r in doc["rows"]] == [{"data_size": 0.1}, {"data_size": 1.0}]
    assert [r["training_samples"] for r in doc["rows"]] == [12, 125]          # 70% of 178 is trained on
    assert doc["rows"][0]["same_data_as"] == [0.096]
    assert doc["notes"] == ["data_size 0.096, 0.1 both keep 12 training samples: the same data, run once as 0.1"]
    store = open_store()
    assert len(store.list(study=doc["study"])) == 2                          # two trials, not three
    lines: list[str] = []
    main(["sweep", str(wine), "--vary", "data_size=0.096,0.1,1", "--seeds", "1", "--epochs", "1", "--workers", "1",
          "--quiet", "--no-store"], out=lines.append)
    table = "\n".join(lines)
    assert "data_size=0.1 (12 samples)" in table and "same data as 0.096" in table
    # the preset raises 1% to a floor of 4 per class (0.096 here), which keeps as many as 10%: one row
    project = Project.load(wine)
    batch = build_batch(project, load_dataset(project.data, project.base_dir), preset="neural-net-loss", seeds=1)
    size = next(p for t, p in batch.plans if t == "data size")
    assert size.spec.settings() == [{"data_size": 0.1}, {"data_size": 1.0}] and size.notes


def test_a_lucky_early_dip_is_flagged_and_not_ranked_best(wine):
    code, doc = _sweep_json(wine, "--vary", "lr=0.01,0.1", "--seeds", "3", "--epochs", "20", "--workers", "2")
    assert code == 0
    steady, dip = doc["rows"]
    # the old score (lowest validation loss at any epoch) would have picked lr=0.1
    assert dip["mean"]["best_val_loss"] < steady["mean"]["best_val_loss"]
    assert steady["best"] and not dip["best"] and doc["best"]["setting"] == {"lr": 0.01}
    assert dip["early_dip"]["flagged"] and dip["early_dip"]["runs"] >= 2
    assert dip["mean"]["end_val_loss"] > 1.5 * dip["mean"]["best_val_loss"]
    assert doc["score"] == "end_val_loss" and "last 5 epochs" in doc["score_description"]
    assert dip["difference_vs_best"] > 0 and len(dip["ci95"]) == 2
    assert dip["p_value_adjusted"] >= dip["p_value_vs_best"]
    assert "Early dip: lr=0.1:" in doc["sentence"] and "not a setting to keep" in doc["sentence"]


def test_the_fair_optimizer_study_gives_each_its_own_rate_and_says_so(wine):
    code, doc = _sweep_json(wine, "--vary", "optimizer=Adam,SGD", "--tune-lr", "grid", "--seeds", "2", "--epochs", "8",
                            "--workers", "2")
    assert code == 0
    assert doc["comparison"].startswith("each setting at its own learning rate: the best of 0.001, 0.01, 0.1, 1")
    adam, sgd = doc["rows"]
    assert len(set(adam["lr"])) == 1 and len(set(sgd["lr"])) == 1
    assert sgd["lr"][0] > adam["lr"][0]          # plain SGD needs a far higher rate than Adam
    assert "at each rate tried: Adam (0.001: " in doc["notes"][0]
    store = open_store()
    runs = store.list(study=doc["study"])
    assert len(runs) == 2 * 4 * 2                 # every optimizer at every rate of the grid, two seeds
    kept = store.get(sgd["runs"][0])
    assert kept.project["training"]["optimizer"]["params"]["lr"] == sgd["lr"][0]
    # the same study at one rate says so, and gives SGD no second chance
    code, one = _sweep_json(wine, "--vary", "optimizer=Adam,SGD", "--seeds", "1", "--epochs", "2", "--workers", "1",
                            "--no-store")
    assert one["comparison"] == "every setting at the project's learning rate 0.01" and one["rows"][1]["lr"] is None


def test_the_lr_finder_variant_records_the_rate_each_trial_found(wine):
    code, doc = _sweep_json(wine, "--vary", "optimizer=Adam,SGD", "--tune-lr", "finder", "--seeds", "1",
                            "--epochs", "2", "--workers", "1")
    assert code == 0 and doc["comparison"].startswith("each setting at its own learning rate, from a short LR-finder")
    store = open_store()
    for row in doc["rows"]:
        (lr,) = row["lr"]
        assert 1e-7 < lr < 10 and store.get(row["runs"][0]).project["training"]["optimizer"]["params"]["lr"] == lr


def test_tuning_the_rate_while_varying_it_is_refused_before_any_trial(wine, capsys):
    code = main(["sweep", str(wine), "--vary", "lr=0.01,0.1", "--tune-lr", "grid"], out=print)
    assert code == 2 and "cannot also vary lr" in capsys.readouterr().err
    assert open_store().list() == []
