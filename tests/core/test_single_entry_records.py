"""One record per thing, for all four kinds: a layer, a loss, an optimizer and a schedule, each
registered as one catalog entry and nothing else, go through check, training, the studies' knobs and
the py export (the written script runs and trains like LossLab); the layer also exports as pt2 and onnx.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from core.data import load_dataset
from core.export import export
from core.graph import check_graph
from core.project import Project
from core.studies import apply_setting
from core.studies.knobs import knob
from core.training import train
from tests.core.single_entry_records import registered


@pytest.fixture(autouse=True)
def four_new_records():
    with registered():
        yield


def _doc() -> dict:
    nodes = [{"id": "input", "type": "Input"}, {"id": "rows", "type": "Reshape", "params": {"shape": [8, 8]}},
             {"id": "conv", "type": "StridedConv1d", "params": {"out_channels": 4, "kernel_size": 3}},
             {"id": "act", "type": "SlopedReLU", "params": {"per_channel": True}},
             {"id": "flat", "type": "Flatten"}, {"id": "out", "type": "Linear", "params": {"out_features": 10}}]
    return {"format": "losslab-project", "version": 1, "name": "one-entry-each",
            "data": {"source": "digits", "params": {}},
            "model": {"nodes": nodes, "edges": [[a["id"], b["id"]] for a, b in zip(nodes, nodes[1:])]},
            "outputs": [{"node": "out", "loss": {"type": "MultiLabelSoftMarginLoss", "params": {}}}],
            "training": {"epochs": 2, "batch_size": 64, "optimizer": {"type": "Adamax", "params": {"lr": 0.01}},
                         "schedule": {"type": "PolynomialLR", "params": {"total_iters": 2}}}}


@pytest.fixture(scope="module")
def digits():
    from core.project import DataSpec
    return load_dataset(DataSpec(source="digits"))


def test_the_four_new_records_check_and_train(digits):
    project = Project.from_dict(_doc())
    check = check_graph(project, digits.input_shape, digits.targets)
    assert check.ok, [p.message for p in check.problems]
    result = train(project, dataset=digits, diagnose=False, threads=1)
    assert result.status == "completed", result.message
    losses = [r.train_loss for r in result.history]
    assert len(losses) == 2 and losses[1] < losses[0]
    assert result.history[-1].lr == pytest.approx(0.0, abs=1e-12)  # the polynomial schedule reached zero


def test_the_knobs_offer_and_apply_each_new_record():
    base = _doc()
    assert "Adamax" in knob("optimizer").choices and "MultiLabelSoftMarginLoss" in knob("loss").choices
    assert "SlopedReLU" in knob("activation").choices
    plain = {**base, "outputs": [{"node": "out", "loss": {"type": "CrossEntropyLoss", "params": {}}}],
             "training": {**base["training"], "optimizer": {"type": "Adam", "params": {"lr": 0.01}}}}
    swapped = Project.from_dict(apply_setting(plain, {"optimizer": knob("optimizer").parse("adamax"),
                                                      "loss": knob("loss").parse("MultiLabelSoftMarginLoss"),
                                                      "width": 2.0}))
    assert swapped.training.optimizer.type == "Adamax" and swapped.training.optimizer.params["lr"] == 0.01
    assert swapped.outputs[0].loss.type == "MultiLabelSoftMarginLoss"
    assert swapped.model.node("conv").params["out_channels"] == 8  # the width knob read the entry's width_param
    relu = apply_setting(base, {"activation": "SlopedReLU"})
    assert Project.from_dict(relu).model.node("act").type == "SlopedReLU"
    scheduled = apply_setting(base, {"training.schedule": {"type": "PolynomialLR", "params": {"total_iters": 3}}})
    assert Project.from_dict(scheduled).training.schedule.params["total_iters"] == 3


def test_the_py_script_of_the_new_records_runs_and_trains_like_losslab(digits, tmp_path):
    project = Project.from_dict(_doc(), tmp_path)
    project.training.epochs = 1
    script = tmp_path / "net.py"
    export(project, "py", script, dataset=digits)
    source = script.read_text()
    for written in ("nn.PReLU(num_parameters=4, init=0.25)", "nn.Conv1d(in_channels=8, out_channels=4",
                    "nn.MultiLabelSoftMarginLoss(reduction='mean')", "torch.optim.Adamax(", "lr_scheduler.PolynomialLR(optimizer"):
        assert written in source
    r = subprocess.run([sys.executable, str(script), "--threads", "1", "--json", "--epochs", "1"],
                       capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    history = json.loads(r.stdout.strip().splitlines()[-1])["history"]
    threads = torch.get_num_threads()
    try:
        mine = train(project, dataset=digits, epochs=1, threads=1, diagnose=False).history[0]
    finally:
        torch.set_num_threads(threads)
    assert math.isclose(history[0]["train_loss"], mine.train_loss, rel_tol=1e-5)
    assert math.isclose(history[0]["val_loss"], mine.val_loss, rel_tol=1e-5)


@pytest.mark.parametrize("fmt", ["pt2", "onnx"])
def test_the_new_layers_export_as_model_files(digits, tmp_path, fmt):
    pytest.importorskip("onnxruntime") if fmt == "onnx" else None
    project = Project.from_dict(_doc(), tmp_path)
    out = export(project, fmt, tmp_path / f"net.{fmt}", dataset=digits)
    assert Path(out.path).stat().st_size > 0
