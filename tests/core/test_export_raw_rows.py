"""Exported models take raw rows: a table's own rows, fed to onnxruntime, to the pt2 program and to the
exported script, give LossLab's predictions (the in-app model on LossLab's preprocessing), for a
numeric table with features on very different scales and for one with text columns and missing cells.
A data file beside the project is stored relative, so moving the folder keeps project and script working."""
from __future__ import annotations

import csv
import importlib.util
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from core.cli import main
from core.data import load_dataset
from core.data.csvfile import read_table
from core.export import export
from core.export.preprocessing import json_path
from core.project import Project
from core.training import train, trained_model

HAS_ORT = importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnxscript") is not None


def _numeric_table(path: Path, n: int = 600) -> None:
    """30 measurements on scales from 0.01 to 1,000 (as in the breast-cancer table); the class follows
    a few of them, so a network fed unscaled values sees mostly the largest columns."""
    rng = np.random.default_rng(7)
    scale = 10.0 ** rng.uniform(-2, 3, 30)
    z = rng.normal(size=(n, 30))
    label = (z[:, 0] + z[:, 3] - z[:, 7] + 0.5 * z[:, 12] + 0.3 * rng.normal(size=n) > 0)
    x = scale * (3.0 + z)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow([f"m{j + 1}" for j in range(30)] + ["diagnosis"])
        for row, y in zip(x, label):
            w.writerow([f"{v:.6g}" for v in row] + ["malignant" if y else "benign"])


CITIES = ("Lyon", "Paris", "Nice", "Lille")


def _mixed_table(path: Path, n: int = 500) -> None:
    """Text columns (city, plan), a number with missing cells (income), the target in the middle."""
    rng = np.random.default_rng(3)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["age", "city", "churn", "income", "plan"])
        for i in range(n):
            age, city = int(rng.integers(18, 80)), CITIES[int(rng.integers(0, 4))]
            income, plan = float(rng.normal(48000, 15000)), "pro" if rng.random() < 0.4 else "basic"
            score = (city in ("Paris", "Nice")) * 1.5 - (income - 48000) / 15000 + (plan == "basic") * 0.8 \
                + (age - 50) / 30 + 0.4 * rng.normal()
            w.writerow([age, "" if i % 41 == 5 else city, "yes" if score > 0.9 else "no",
                        "" if i % 13 == 2 else f"{income:.0f}", plan])


def _project(folder: Path, table: str, target: str, features=None, epochs: int = 25) -> Project:
    data = {"source": "csv", "path": table, "target": target, "task": "classification", "val_fraction": 0.2}
    if features:
        data["features"] = features
    doc = {"format": "losslab-project", "version": 1, "name": "raw rows", "data": data,
           "model": {"nodes": [{"id": "input", "type": "Input"}, {"id": "fc1", "type": "Linear",
                                                                  "params": {"out_features": 32}},
                               {"id": "relu1", "type": "ReLU"}, {"id": "out", "type": "Linear",
                                                                 "params": {"out_features": 2}}],
                     "edges": [["input", "fc1"], ["fc1", "relu1"], ["relu1", "out"]]},
           "outputs": [{"node": "out", "loss": {"type": "CrossEntropyLoss", "params": {}}, "weight": 1.0}],
           "training": {"optimizer": {"type": "Adam", "params": {"lr": 0.01}}, "epochs": epochs,
                        "batch_size": 32, "seed": 0, "device": "cpu"}}
    return Project.from_dict(doc, folder)


def _trained(project: Project):
    ds = load_dataset(project.data, project.base_dir)
    res = train(project, dataset=ds, diagnose=False, threads=1)
    assert res.status == "completed", res.status
    return ds, trained_model(project, res, ds).eval()


def _losslab_outputs(ds, model, csv_path: Path) -> np.ndarray:
    """What LossLab predicts for every row of the file: its encoding and normalization, then the model."""
    x = ds.normalize_inputs(ds.encoding.encode(read_table(csv_path, csv_path.name)))
    with torch.no_grad():
        return model(torch.from_numpy(x))[0].numpy()


def _raw_rows(doc: dict, csv_path: Path) -> np.ndarray:
    """The file's rows as the preprocessing document says, written from the document alone: the listed
    columns in order, numbers as they are (empty: NaN), categories one-hot in the listed order."""
    columns = doc["raw_input"]["columns"]
    rows = list(csv.DictReader(csv_path.open(newline="")))
    x = np.zeros((len(rows), doc["raw_input"]["width"]), dtype=np.float32)
    for i, row in enumerate(rows):
        for c in columns:
            cell = row[c["name"]].strip()
            if c["kind"] == "numeric":
                x[i, c["slots"][0]] = float(cell) if cell else math.nan
                continue
            cell = cell or c["missing_becomes"]
            if cell in c["categories"]:
                x[i, c["slots"][c["categories"].index(cell)]] = 1.0
    return x


def _labels(csv_path: Path, target: str) -> list[str]:
    return [row[target] for row in csv.DictReader(csv_path.open(newline=""))]


def _accuracy(outputs: np.ndarray, classes: list[str], truth: list[str]) -> float:
    return float(np.mean([classes[k] == t for k, t in zip(outputs.argmax(axis=1), truth)]))


def _check_formats(project, ds, model, folder: Path, csv_path: Path, target: str) -> dict[str, float]:
    """Export pt2 and onnx, feed them the raw rows, compare with LossLab; the accuracies on raw rows."""
    want = _losslab_outputs(ds, model, csv_path)
    classes = ds.targets[target].classes
    truth = _labels(csv_path, target)
    figures = {"losslab": _accuracy(want, classes, truth)}
    pt2 = export(project, "pt2", folder / "m.pt2", model=model, dataset=ds)
    doc = json.loads(json_path(pt2.path).read_text())
    assert doc["raw_input"]["kind"] == "table" and doc["outputs"][0]["classes"] == classes
    raw = _raw_rows(doc, csv_path)
    program = torch.export.load(str(pt2.path)).module()
    with torch.no_grad():
        got = program(torch.from_numpy(raw)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    assert (got.argmax(axis=1) == want.argmax(axis=1)).all()
    figures["pt2"] = _accuracy(got, classes, truth)
    if HAS_ORT:
        import onnxruntime as ort
        onnx = export(project, "onnx", folder / "m.onnx", model=model, dataset=ds)
        session = ort.InferenceSession(str(onnx.path), providers=["CPUExecutionProvider"])
        got = session.run(None, {"input": _raw_rows(json.loads(json_path(onnx.path).read_text()), csv_path)})[0]
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
        assert (got.argmax(axis=1) == want.argmax(axis=1)).all()
        figures["onnx"] = _accuracy(got, classes, truth)
    return figures


def _run_script(script: Path, *args: str, cwd: Path) -> dict:
    r = subprocess.run([sys.executable, str(script), "--threads", "1", "--json", *args], capture_output=True,
                       text=True, cwd=cwd, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_a_numeric_table_raw_rows_give_losslabs_predictions(tmp_path, capsys):
    _numeric_table(tmp_path / "cells.csv")
    project = _project(tmp_path, "cells.csv", "diagnosis")
    ds, model = _trained(project)
    raw = np.array([[float(v) for v in row[:30]] for row in csv.reader((tmp_path / "cells.csv").open())
                    if row[0] != "m1"], dtype=np.float32)
    with torch.no_grad():  # what an export without the preprocessing gave for the same raw rows
        bare = model(torch.from_numpy(raw))[0].numpy()
    classes, truth = ds.targets["diagnosis"].classes, _labels(tmp_path / "cells.csv", "diagnosis")
    figures = _check_formats(project, ds, model, tmp_path, tmp_path / "cells.csv", "diagnosis")
    with capsys.disabled():
        print(f"\n30-feature table, accuracy on raw rows: network alone {_accuracy(bare, classes, truth):.1%}, "
              + ", ".join(f"{k} {v:.1%}" for k, v in figures.items()))
    assert figures["pt2"] == figures["losslab"] and figures["losslab"] > 0.85
    assert _accuracy(bare, classes, truth) < figures["losslab"] - 0.1  # the trap the preprocessing removes


def test_a_table_with_text_columns_and_missing_cells(tmp_path, capsys):
    _mixed_table(tmp_path / "customers.csv")
    # the features in another order than the table's: the exported models still take the table's order
    project = _project(tmp_path, "customers.csv", "churn", features=["plan", "income", "city", "age"], epochs=30)
    ds, model = _trained(project)
    figures = _check_formats(project, ds, model, tmp_path, tmp_path / "customers.csv", "churn")
    with capsys.disabled():
        print("\ntext columns + missing cells, accuracy on raw rows: " + ", ".join(f"{k} {v:.1%}"
                                                                              for k, v in figures.items()))
    doc = json.loads(json_path(tmp_path / "m.pt2").read_text())
    assert [c["name"] for c in doc["raw_input"]["columns"]] == ["age", "city", "income", "plan"]
    assert doc["raw_input"]["columns"][1]["categories"] == sorted(CITIES)
    assert doc["network_input"]["order"] is not None
    # the script: raw rows in, the same predictions out (LossLab's weights through the state dict)
    out = tmp_path / "out"
    out.mkdir()
    sd = export(project, "state_dict", out / "w.pt", model=model, dataset=ds)
    key = sd.notes[-1].split("(e.g. ")[1].split(")")[0]
    assert key in torch.load(out / "w.pt", weights_only=True)  # the note's example key is a real one
    assert json.loads(json_path(out / "w.pt").read_text())["do_yourself"][-1].startswith("standardize")
    export(project, "py", out / "churn.py", dataset=ds)
    result = _run_script(out / "churn.py", "--weights", "w.pt", "--predict", str(tmp_path / "customers.csv"),
                         cwd=out)
    want = _losslab_outputs(ds, model, tmp_path / "customers.csv")
    np.testing.assert_allclose(np.asarray(result["outputs"]["out"]), want, rtol=1e-4, atol=1e-4)
    assert result["predictions"]["out"] == [ds.targets["churn"].classes[k] for k in want.argmax(axis=1)]
    # the file `losslab train --save-model` writes (keys named after the nodes) loads the same; weights of
    # another network are refused with what to run, not a traceback
    from core.training.source_inputs import input_metadata, with_inputs   # --save-model records the inputs
    from tests.core.old_weight_files import old_form
    torch.save(with_inputs(model.state_dict(), input_metadata(ds, True)), out / "saved.pt")
    torch.save(old_form(model.state_dict(), ds), out / "older.pt")   # inputs as _losslab.input.* tensors
    for saved in ("saved.pt", "older.pt"):
        again = _run_script(out / "churn.py", "--weights", saved, "--predict", str(tmp_path / "customers.csv"),
                            cwd=out)
        np.testing.assert_allclose(np.asarray(again["outputs"]["out"]), want, rtol=1e-4, atol=1e-4)
    torch.save({"layers.nothere.weight": torch.zeros(2, 2)}, out / "other.pt")
    r = subprocess.run([sys.executable, str(out / "churn.py"), "--weights", "other.pt", "--predict",
                        str(tmp_path / "customers.csv")], capture_output=True, text=True, cwd=out, timeout=300)
    assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert "do not fit this network" in r.stderr and "--format state_dict" in r.stderr


def test_cli_says_what_input_the_export_expects(tmp_path):
    _mixed_table(tmp_path / "customers.csv")
    project = _project(tmp_path, "customers.csv", "churn")
    project.save(tmp_path / "p.losslab.json")
    lines: list[str] = []
    assert main(["export", str(tmp_path / "p.losslab.json"), "-f", "pt2", "-o", str(tmp_path / "m.pt2")],
                out=lines.append) == 0
    text = "\n".join(lines)
    assert "m.pt2.preprocessing.json beside it" in text
    # a categorical column is one-hot: the row's width and each column's share are said, not guessed
    import re
    width = re.search(r"a row of (\d+) numbers: the raw columns in this order \(age, city, income, plan\)", text)
    cities = re.search(r"city is one-hot, (\d+) numbers \(", text)
    plans = re.search(r"plan is one-hot, (\d+) numbers \(", text)
    assert width and cities and plans, text
    assert int(width.group(1)) == 2 + int(cities.group(1)) + int(plans.group(1))
    assert "m.pt2.preprocessing.json" in text


def test_a_table_beside_the_project_is_stored_relative_and_the_folder_can_move(tmp_path):
    first = tmp_path / "first"
    (first / "data").mkdir(parents=True)
    _mixed_table(first / "customers.csv")
    shutil.copy(first / "customers.csv", first / "data" / "below.csv")
    elsewhere = tmp_path / "elsewhere.csv"
    shutil.copy(first / "customers.csv", elsewhere)
    project = _project(tmp_path, str(first / "customers.csv"), "churn", epochs=2)  # a new project: absolute
    project.save(first / "p.losslab.json")
    assert json.loads((first / "p.losslab.json").read_text())["data"]["path"] == "customers.csv"
    ds = load_dataset(project.data, project.base_dir)
    export(project, "py", first / "churn.py", dataset=ds)
    model = trained_model(project, train(project, dataset=ds, diagnose=False, threads=1), ds).eval()
    export(project, "state_dict", first / "w.pt", model=model, dataset=ds)
    moved = tmp_path / "moved"
    shutil.move(first, moved)
    reopened = Project.load(moved / "p.losslab.json")
    assert load_dataset(reopened.data, reopened.base_dir).n_train == ds.n_train
    history = _run_script(moved / "churn.py", "--epochs", "1", cwd=tmp_path)["history"]
    assert len(history) == 1 and math.isfinite(history[0]["train_loss"])
    result = _run_script(moved / "churn.py", "--weights", str(moved / "w.pt"), "--predict",
                         str(moved / "customers.csv"), cwd=tmp_path)
    assert len(result["predictions"]["out"]) == 500
    # below the project: relative with '/'; outside it: the absolute path stays
    reopened.data.path = str(moved / "data" / "below.csv")
    reopened.save(moved / "p.losslab.json")
    assert json.loads((moved / "p.losslab.json").read_text())["data"]["path"] == "data/below.csv"
    reopened.data.path = str(elsewhere)
    reopened.save(moved / "p.losslab.json")
    assert json.loads((moved / "p.losslab.json").read_text())["data"]["path"] == str(elsewhere)
    # saved into another folder: a relative path is kept pointing at the same file
    reopened.data.path = "customers.csv"
    (tmp_path / "copy").mkdir()
    reopened.save(tmp_path / "copy" / "p.losslab.json")
    assert Path(json.loads((tmp_path / "copy" / "p.losslab.json").read_text())["data"]["path"]) \
        == (moved / "customers.csv")


@pytest.mark.parametrize("missing", ["mean", "drop"])
def test_the_script_trains_on_a_table_with_text_columns_as_losslab_does(tmp_path, missing):
    _mixed_table(tmp_path / "customers.csv")
    project = _project(tmp_path, "customers.csv", "churn", features=["plan", "income", "city", "age"], epochs=1)
    project.data.missing = missing
    ds = load_dataset(project.data, project.base_dir)
    export(project, "py", tmp_path / "churn.py", dataset=ds)
    history = _run_script(tmp_path / "churn.py", "--epochs", "1", cwd=tmp_path)["history"]
    ours = train(project, dataset=ds, diagnose=False, threads=1).history[0]
    assert math.isclose(history[0]["train_loss"], ours.train_loss, rel_tol=1e-5)
    assert math.isclose(history[0]["val_loss"], ours.val_loss, rel_tol=1e-4)


def test_a_built_in_set_raw_samples_through_the_script(tmp_path):
    """Not a table: the script takes the samples as the data set holds them (.npy), standardizes them
    with LossLab's statistics and predicts what LossLab predicts."""
    from core.data.registry import entry_for
    project = Project.load(Path(__file__).resolve().parents[2] / "resources/examples/fraud.losslab.json")
    project.data.params = {"samples": 400}
    ds = load_dataset(project.data, project.base_dir)
    model = trained_model(project, train(project, dataset=ds, epochs=3, diagnose=False, threads=1), ds).eval()
    entry = entry_for("fraud")
    raw = entry.builder(entry.validate_params(project.data.params, "data.params"), False).x[:50]
    np.save(tmp_path / "raw.npy", raw)
    export(project, "state_dict", tmp_path / "w.pt", model=model, dataset=ds)
    export(project, "py", tmp_path / "fraud.py", dataset=ds)
    result = _run_script(tmp_path / "fraud.py", "--weights", "w.pt", "--predict", "raw.npy", cwd=tmp_path)
    with torch.no_grad():
        want = model(torch.from_numpy(ds.normalize_inputs(raw)))[0].numpy()
    np.testing.assert_allclose(np.asarray(result["outputs"]["out"]), want, rtol=1e-4, atol=1e-5)
    assert result["predictions"]["out"] == [ds.targets["fraud"].classes[k] for k in want.argmax(axis=1)]
