"""``losslab errors`` as a person runs it: per-class results, the confusion matrix, suspects, bad input."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from core.data import load_dataset
from core.data.exclude import id_key, sample_ids
from core.evaluation.suspects import SuspectResult, rank_suspects
from core.project import Project
from tests.core.cli_run import run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"


def small_gauss(tmp_path: Path) -> Path:
    """Two far-apart blobs and the xor example's network: trains in a second."""
    doc = json.loads((EXAMPLES / "xor.losslab.json").read_text())
    doc["data"].update({"source": "gauss", "params": {"samples": 120, "noise": 0.05}})
    doc["training"].update({"epochs": 15, "optimizer": {"type": "Adam", "params": {"lr": 0.05}}})
    path = tmp_path / "gauss.losslab.json"
    path.write_text(json.dumps(doc))
    return path


def test_errors_prints_per_class_results_the_matrix_and_suspects_as_json(tmp_path):
    project = small_gauss(tmp_path)
    weights = tmp_path / "model.pt"
    assert run("train", project, "--quiet", "--no-store", "--save-model", weights)[0] == 0
    code, lines = run("errors", project, "--model", weights, "--suspects", "--folds", "3", "--json")
    assert code == 0, lines
    text = "\n".join(lines)
    assert lines[1].split() == ["class", "precision", "recall", "f1", "support"]
    assert "confusion matrix (rows: the given class, columns: the predicted class)" in text
    assert "suspect labels of the training split (3-fold cross-validated training" in text
    out = json.loads(lines[-1])
    (head,) = out["heads"]
    assert set(head) >= {"name", "classes", "per_class", "confusion", "suspects"}
    assert [c["class"] for c in head["per_class"]] == head["classes"]
    assert sum(c["support"] for c in head["per_class"]) == sum(map(sum, head["confusion"])) == head["samples"]
    assert all(set(s) == {"row", "given", "predicted", "p_given", "p_predicted"} for s in head["suspects"])
    ranked = [s["p_given"] for s in head["suspects"]]
    assert ranked == sorted(ranked)         # most suspect (least likely given label) first


def test_errors_without_a_model_or_on_regression_suspects_says_what_to_do(tmp_path, capsys):
    project = small_gauss(tmp_path)
    code, _ = run("errors", project)
    err = capsys.readouterr().err
    assert code == 2 and "no trained model given: pass --run RUN" in err and "Traceback" not in err
    code, _ = run("errors", project, "--model", tmp_path / "missing.pt")
    assert code == 2 and "no such file" in capsys.readouterr().err
    code, _ = run("errors", project, "--run", "no-such-run")
    assert code == 2 and "--run no-such-run" in capsys.readouterr().err
    sine = EXAMPLES / "sine.losslab.json"
    weights = tmp_path / "sine.pt"
    assert run("train", sine, "--epochs", "2", "--quiet", "--no-store", "--save-model", weights)[0] == 0
    code, lines = run("errors", sine, "--model", weights, "--json")
    assert code == 0 and "largest errors:" in lines and "residuals" in json.loads(lines[-1])["heads"][0]
    code, _ = run("errors", sine, "--model", weights, "--suspects")
    err = capsys.readouterr().err
    assert code == 2 and "suspect labels need a classification head" in err and "regression" in err


def test_suspects_of_a_table_are_named_by_their_file_row_and_an_image_folders_by_path(tmp_path, monkeypatch):
    """The JSON's "row" is the file's data row (what data.exclude takes), not a place in the split."""
    rng = np.random.default_rng(0)
    planted = {4, 11, 23, 38, 52, 61, 70}           # rows deep inside the other class's blob
    lines = ["a,b,label"]
    for r in range(1, 91):
        c = r % 2
        x = rng.normal(3.0 if c else -3.0, 0.4, size=2)
        given = (1 - c) if r in planted else c
        lines.append(f"{x[0]:.4f},{x[1]:.4f},{'AB'[given]}")
    (tmp_path / "blobs.csv").write_text("\n".join(lines) + "\n")
    doc = json.loads((EXAMPLES / "xor.losslab.json").read_text())
    doc["data"] = {"source": "csv", "path": "blobs.csv", "target": "label", "seed": 1}
    doc["training"].update({"epochs": 30, "optimizer": {"type": "Adam", "params": {"lr": 0.05}}})
    project = tmp_path / "blobs.losslab.json"
    project.write_text(json.dumps(doc))
    weights = tmp_path / "m.pt"
    assert run("train", project, "--quiet", "--no-store", "--save-model", weights)[0] == 0
    code, out = run("errors", project, "--model", weights, "--suspects", "--folds", "3", "--json")
    assert code == 0, out
    (head,) = json.loads(out[-1])["heads"]
    rows = [s["row"] for s in head["suspects"]]
    train_rows = set(sample_ids(load_dataset(Project.load(project).data, tmp_path), "train"))
    assert set(rows) <= train_rows and planted & train_rows <= set(rows)
    # an image folder's suspects carry their relative file path
    from tests.core.test_image_folder import make_folder
    monkeypatch.setenv("LOSSLAB_HOME", str(tmp_path / "home"))
    make_folder(tmp_path / "pics", per_class=4)
    ds = load_dataset({"source": "images", "path": "pics", "params": {"size": 8}}, tmp_path)
    labels = ds.y_train["class"].numpy()
    probs = np.full((labels.size, 3), 0.05)
    probs[np.arange(labels.size), (labels + 1) % 3] = 0.9       # every label looks wrong
    result = SuspectResult("out", "class", ds.targets["class"].classes, rank_suspects(labels, probs), labels.size,
                           2, 0.0, probs, labels, sample_ids(ds, "train"), id_key(ds))
    first = result.to_dicts(3)[0]
    assert set(first) == {"path", "given", "predicted", "p_given", "p_predicted"}
    assert first["path"] in ds.image_files["train"] and first["path"].split("/")[0] == first["given"]
