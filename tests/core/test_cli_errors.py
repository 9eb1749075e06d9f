"""``losslab errors`` as a person runs it: per-class results, the confusion matrix, suspects, bad input."""
from __future__ import annotations

import json
from pathlib import Path

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
