"""Each input that used to end in a traceback (or in a run that failed although ``check`` passed) is now
refused with exit 2 and the place, or trains to a clean status. One test per class of problem."""
from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.cli import main

ROOT = Path(__file__).resolve().parents[2]
BIG = int("9" * 400)
SPIRAL = json.loads((ROOT / "resources/examples/spiral.losslab.json").read_text())


def cli(*argv) -> tuple[int, list[str], str]:
    lines: list[str] = []
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv], out=lines.append)
    assert "Traceback" not in err.getvalue()
    return code, lines, err.getvalue()


def write(tmp_path: Path, doc_or_text, name: str = "p.losslab.json") -> Path:
    path = tmp_path / name
    path.write_text(doc_or_text if isinstance(doc_or_text, str) else json.dumps(doc_or_text), encoding="utf-8")
    return path


def spiral(**changes) -> dict:
    doc = copy.deepcopy(SPIRAL)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = doc
        for p in parents:
            node = node[int(p)] if p.isdigit() else node[p]
        node[int(last) if last.isdigit() else last] = value
    return doc


def refused(tmp_path, doc_or_text, *words, command="check") -> str:
    code, lines, err = cli(command, write(tmp_path, doc_or_text))
    text = err + "\n".join(lines)
    assert code == 2, text
    for w in words:
        assert w in text, text
    return text


# -- JSON that parses badly in ways other than syntax ---------------------------------------------------
def test_an_integer_of_5000_digits_is_refused_at_its_path(tmp_path):
    text = json.dumps(SPIRAL).replace('"epochs": 150', '"epochs": ' + "9" * 5000)
    assert "9" * 5000 in text
    msg = refused(tmp_path, text, "training.epochs", "5,000 digits")
    assert "9" * 100 not in msg  # the number itself is not echoed


def test_nesting_a_thousand_levels_deep_is_refused(tmp_path):
    text = json.dumps(spiral(view={"deep": "HERE"})).replace('"HERE"', "[" * 1000 + "]" * 1000)
    refused(tmp_path, text, "nested too deeply")
    text = json.dumps(spiral(view={"deep": "HERE"})).replace('"HERE"', "[" * 70 + "]" * 70)
    refused(tmp_path, text, "view.deep", "nested more than 64 levels")


def test_a_lone_surrogate_in_the_name_is_refused_and_the_message_prints(tmp_path):
    text = json.dumps(SPIRAL).replace('"name": "', '"name": "\\ud800', 1)
    msg = refused(tmp_path, text, "name", "lone UTF-16 surrogate", "\\ud800")
    msg.encode("utf-8")  # printable


def test_nan_and_infinite_numbers_are_refused(tmp_path):
    text = json.dumps(spiral(training__l2=0.5)).replace('"l2": 0.5', '"l2": NaN')
    refused(tmp_path, text, "training.l2", "not a finite number")
    text = json.dumps(spiral(training__l2=0.5)).replace('"l2": 0.5', '"l2": 1e400')
    refused(tmp_path, text, "training.l2", "not a finite number")


@pytest.mark.parametrize("where, make", [
    ("training.optimizer.params.lr", lambda d: d["training"]["optimizer"]["params"].__setitem__("lr", BIG)),
    ("model.nodes[1].params.out_features", lambda d: d["model"]["nodes"][1]["params"].__setitem__("out_features", BIG)),
    ("model.nodes[1].params.kernel_size", lambda d: d["model"]["nodes"][1].update(type="Conv1d", params={"kernel_size": BIG})),
    ("model.nodes[1].params.padding", lambda d: d["model"]["nodes"][1].update(type="Conv2d", params={"padding": [1, BIG]})),
    ("outputs[0].loss.params.weight", lambda d: d["outputs"][0]["loss"].__setitem__("params", {"weight": [1, BIG]})),
    ("model.nodes[1].params.shape", lambda d: d["model"]["nodes"][1].update(type="Reshape", params={"shape": [BIG]})),
])
def test_a_400_digit_number_in_any_parameter_is_refused(tmp_path, where, make):
    doc = copy.deepcopy(SPIRAL)
    make(doc)
    refused(tmp_path, doc, where, "400 digits")


# -- wrong JSON types in references ---------------------------------------------------------------------
@pytest.mark.parametrize("value", [["out"], {"id": "out"}, 3])
def test_an_output_node_that_is_not_text_is_refused(tmp_path, value):
    refused(tmp_path, spiral(outputs__0__node=value), "outputs[0].node", "expected a node id")


@pytest.mark.parametrize("key, value", [("source", ["spiral"]), ("source", {"a": 1}), ("path", ["x.csv"])])
def test_data_fields_of_the_wrong_type_are_refused(tmp_path, key, value):
    refused(tmp_path, spiral(**{f"data__{key}": value}), f"data.{key}")


def test_a_huge_name_is_echoed_cut_short(tmp_path):
    code, lines, _ = cli("check", write(tmp_path, spiral(name="n" * 100_000)))
    assert code == 0 and len(lines[0]) < 300 and "100,002 characters" in lines[0]
    msg = refused(tmp_path, spiral(outputs__0__node="z" * 100_000), "outputs[0].node")
    assert len(msg) < 1000


# -- paths -----------------------------------------------------------------------------------------------
def csv_project(path: str) -> dict:
    return spiral(data={"source": "csv", "path": path})


@pytest.mark.parametrize("path, words", [
    ("~nosuchuser_losslab/x.csv", ["'~nosuchuser_losslab' names no user"]),
    ("x\x00y.csv", ["NUL character"]),
    ("/dev/zero", ["is a device", "only regular files"]),
    ("/dev/urandom", ["is a device"]),
    ("/", ["is a folder"]),
])
def test_paths_that_are_not_regular_files_are_refused_before_reading(tmp_path, path, words):
    refused(tmp_path, csv_project(path), *words)


def test_a_fifo_is_refused_instead_of_waited_on(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    refused(tmp_path, csv_project(str(fifo)), "named pipe (FIFO)")
    refused(tmp_path, spiral(data={"source": "npz", "path": str(fifo)}), "named pipe (FIFO)")


def test_a_project_file_that_is_a_fifo_or_a_folder_is_refused(tmp_path):
    fifo = tmp_path / "pipe.losslab.json"
    os.mkfifo(fifo)
    code, _, err = cli("check", fifo)
    assert code == 2 and "named pipe" in err
    code, _, err = cli("check", tmp_path)
    assert code == 2 and "folder" in err


def test_an_npz_declaring_a_huge_array_is_refused_before_allocating(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10 ** 11, 3)})
    y = io.BytesIO()
    np.save(y, np.zeros(10))
    with zipfile.ZipFile(tmp_path / "huge.npz", "w") as z:
        z.writestr("x.npy", header.getvalue() + b"\0" * 64)
        z.writestr("y.npy", y.getvalue())
    refused(tmp_path, spiral(data={"source": "npz", "path": "huge.npz"}), "array 'x'", "(100000000000, 3)", "GB")


def test_a_data_file_larger_than_the_limit_is_refused_by_its_size(tmp_path, monkeypatch):
    import core.data.loader as loader
    monkeypatch.setattr(loader, "DATA_MAX_BYTES", 100)
    (tmp_path / "big.csv").write_text("a,b\n" + "1,2\n" * 100)
    refused(tmp_path, csv_project("big.csv"), "big.csv", "MB")


# -- what check accepts trains (or check refuses it) -----------------------------------------------------
@pytest.mark.parametrize("weights, words", [
    ([1.0, 2.0, 3.0], "3 class weights but target 'label' has 2 classes"),
    ([0, 0], "every class weight is 0"),
    ([-1, 1], "class weight -1 is out of range"),
    ([1e308, 1], "class weight 1e+308 is out of range"),
])
def test_class_weights_are_validated_by_check_and_train_alike(tmp_path, weights, words):
    doc = spiral(outputs__0__loss={"type": "CrossEntropyLoss", "params": {"weight": weights}})
    refused(tmp_path, doc, words, "outputs[0].loss.params.weight")
    refused(tmp_path, doc, words, command="train")


def test_a_model_too_big_for_memory_is_refused_with_an_estimate(tmp_path, monkeypatch):
    import core.data.safe_files as safe_files
    monkeypatch.setattr(safe_files, "available_memory", lambda: 16 << 30)  # the same on every machine
    doc = copy.deepcopy(SPIRAL)
    ids = ["input", "a", "b", "c", "d", "out"]
    doc["model"] = {"nodes": [{"id": "input", "type": "Input"}]
                    + [{"id": i, "type": "Linear", "params": {"out_features": 65536}} for i in ids[1:-1]]
                    + [{"id": "out", "type": "Linear", "params": {"out_features": 2}}],
                    "edges": [[a, b] for a, b in zip(ids, ids[1:])]}
    msg = refused(tmp_path, doc, "the model needs about 240.1 GB", "12,885,426,178 parameters",
                  "this machine has 16.0 GB of memory available")
    assert "largest layer is b (Linear" in msg
    refused(tmp_path, doc, "needs about", command="train")


def test_batchnorm_with_a_last_batch_of_one_sample_trains(tmp_path):
    from core.data import load_dataset
    from core.project import Project
    doc = copy.deepcopy(SPIRAL)
    doc["model"]["nodes"].insert(2, {"id": "bn", "type": "BatchNorm"})
    doc["model"]["edges"] = [["input", "fc1"], ["fc1", "bn"], ["bn", "relu1"], ["relu1", "fc2"], ["fc2", "relu2"],
                             ["relu2", "out"]]
    n_train = load_dataset(Project.from_dict(doc).data).x_train.shape[0]
    doc["training"]["batch_size"] = n_train - 1  # two batches: n - 1 samples, then one
    code, lines, err = cli("train", write(tmp_path, doc), "--epochs", "2", "--json")
    summary = json.loads(lines[-1])
    assert code == 0 and summary["status"] == "completed", (summary["message"], err)


def test_batchnorm_with_batch_size_one_is_refused_by_check(tmp_path):
    doc = copy.deepcopy(SPIRAL)
    doc["model"]["nodes"].insert(2, {"id": "bn", "type": "BatchNorm"})
    doc["model"]["edges"] = [["input", "fc1"], ["fc1", "bn"], ["bn", "relu1"], ["relu1", "fc2"], ["fc2", "relu2"],
                             ["relu2", "out"]]
    doc["training"]["batch_size"] = 1
    refused(tmp_path, doc, "node bn (BatchNorm) needs at least 2 samples per batch", "training.batch_size")


def test_a_setup_failure_in_torch_is_a_failed_run_with_the_json_summary(tmp_path, monkeypatch):
    import core.training.trainer as trainer

    def no_memory(*args, **kwargs):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: not enough memory")
    monkeypatch.setattr(trainer, "prepare", no_memory)
    code, lines, err = cli("train", write(tmp_path, SPIRAL), "--json")
    summary = json.loads(lines[-1])
    assert code == 1 and summary["status"] == "failed" and "not enough memory" in summary["message"]


# -- saving the model ------------------------------------------------------------------------------------
def test_save_model_onto_the_project_file_is_refused(tmp_path):
    project = write(tmp_path, spiral(training__epochs=1))
    before = project.read_bytes()
    code, _, err = cli("train", project, "--save-model", project)
    assert code == 2 and "the project file" in err and project.read_bytes() == before
    code, _, err = cli("train", project, "--save-model", tmp_path / "other.losslab.json")
    assert code == 2 and "a project file name" in err


def test_a_run_that_diverges_in_its_first_epoch_does_not_save_exploded_weights(tmp_path):
    doc = spiral(training__optimizer={"type": "SGD", "params": {"lr": 100.0}}, training__epochs=3)
    doc["model"]["nodes"][1]["params"]["out_features"] = 512
    target = tmp_path / "model.pt"
    code, lines, err = cli("train", write(tmp_path, doc), "--save-model", target, "--json")
    summary = json.loads(lines[-1])
    assert summary["status"] == "diverged" and summary["best_epoch"] is None, summary["message"]
    assert code == 1 and not target.exists()
    assert "diverged in its first epoch" in err and "lower the learning rate" in err
    assert summary["model_file"] is None and "first epoch" in summary["model_not_saved"]


def test_save_model_writes_a_whole_file_atomically(tmp_path):
    import torch
    target = tmp_path / "model.pt"
    target.write_bytes(b"old")
    (tmp_path / ".model.pt.stale1.tmp").write_bytes(b"left by a killed save")
    code, lines, _ = cli("train", write(tmp_path, spiral(training__epochs=1)), "--save-model", target, "--json")
    assert code == 0 and json.loads(lines[-1])["model_file"] == str(target)
    state = torch.load(target, weights_only=True)
    assert "out.weight" in {k.replace("layers.", "") for k in state} or any(k.endswith("weight") for k in state)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt", "p.losslab.json"]


def test_the_trainer_itself_refuses_wrong_class_weights_with_the_place(tmp_path):
    """The window's Run goes through core.training.train without the CLI: the same refusal, not a
    RuntimeError from torch while the run is set up."""
    from core.graph import GraphError
    from core.project import Project
    from core.training import train
    doc = spiral(outputs__0__loss={"type": "CrossEntropyLoss", "params": {"weight": [1.0, 2.0, 3.0]}})
    with pytest.raises(GraphError) as info:
        train(Project.from_dict(doc), epochs=1)
    assert "3 class weights but target 'label' has 2 classes" in str(info.value)
    assert info.value.problems[0].where == "outputs[0].loss.params.weight"


def test_a_regression_project_without_a_validation_split_trains():
    """Found by the mutation test: demand with val_fraction 0 passed check, then the empty validation
    targets could not be shaped into a column (torch RuntimeError, run 'failed')."""
    import json
    from core.project import Project
    from core.training import train
    from tests.conftest import EXAMPLES
    d = json.loads((EXAMPLES / "demand.losslab.json").read_text())
    d["data"]["val_fraction"] = 0
    r = train(Project.from_dict(d), epochs=1, threads=1)
    assert r.status == "completed", r.message


def test_the_memory_estimate_reads_the_optimizer_state_from_its_catalog_entry():
    """NAdam and RAdam were missing from a second list in preflight; the entry is now the only home."""
    from core.catalog import OPTIMIZERS
    from core.graph import check_graph
    from core.preflight import memory_estimate
    from core.project import Project
    assert OPTIMIZERS.get("SGD").state_per_param == 1 and OPTIMIZERS.get("NAdam").state_per_param == 2
    project = Project.from_dict(copy.deepcopy(SPIRAL))
    check = check_graph(project, (2,))
    sizes = {}
    for name in ("SGD", "Adam", "NAdam", "RAdam"):
        project.training.optimizer.type = name
        sizes[name] = memory_estimate(project, check, 100)
    assert sizes["SGD"] < sizes["Adam"] == sizes["NAdam"] == sizes["RAdam"]
