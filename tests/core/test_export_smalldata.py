"""The py export writes the small-data settings: the script trains the same class subset, loads the same
transferred weights, freezes the same parameters, uses the same learning-rate multipliers and augments
the training batches the same way, so its losses are LossLab's."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from core.export.py_source import export_py
from core.project import Project
from core.training import train

ROOT = Path(__file__).resolve().parents[2]
FEW = ROOT / "resources" / "examples" / "digits-few.losslab.json"


def _script_history(path: Path, epochs: int) -> list[dict]:
    r = subprocess.run([sys.executable, str(path), "--threads", "1", "--json", "--epochs", str(epochs)],
                       capture_output=True, text=True, cwd=path.parent, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])["history"]


def _losslab(project, epochs: int) -> list[tuple[float, float]]:
    threads = torch.get_num_threads()
    try:
        res = train(project, epochs=epochs, threads=1, diagnose=False, health=False)
    finally:
        torch.set_num_threads(threads)
    return [(h.train_loss, h.val_loss) for h in res.history]


def test_the_few_shot_example_exports_and_trains_as_losslab_does(tmp_path):
    project = Project.load(FEW)
    assert project.data.per_class == 20 and project.model.node("conv1").init and project.data.augment
    # the example fine-tunes its transferred convolutions; freeze one and speed up the head here so that
    # the script's FROZEN and LR_MULTIPLIER are exercised too
    project.model.node("conv1").frozen = True
    project.model.node("out").lr_multiplier = 10.0
    script = export_py(project, tmp_path / "few.py")
    text = script.read_text().replace('"', "'")
    assert "apply_transfer(model)" in text and "FROZEN = ['conv1']" in text and "LR_MULTIPLIER = {'out': 10.0}" in text
    assert "subset_by_class" in text and "AUGMENT = {'shift': 1, 'rotate': 10.0}" in text
    ours = _script_history(script, 2)
    theirs = _losslab(project, 2)
    for a, (tl, vl) in zip(ours, theirs):
        assert a["train_loss"] == pytest.approx(tl, rel=1e-4) and a["val_loss"] == pytest.approx(vl, rel=1e-4)


def test_a_table_with_mixup_noise_and_an_lr_multiplier_exports_the_same_training(tmp_path):
    doc = {"format": "losslab-project", "version": 1, "name": "t",
           "data": {"source": "diagnosis", "params": {"samples": 300}, "target": "diagnosis",
                    "augment": {"noise": 0.2, "mixup": 0.4}},
           "model": {"nodes": [{"id": "input", "type": "Input"},
                               {"id": "fc", "type": "Linear", "params": {"out_features": 8}, "lr_multiplier": 0.5},
                               {"id": "act", "type": "ReLU"},
                               {"id": "out", "type": "Linear", "params": {"out_features": 3}, "lr_multiplier": 10}],
                     "edges": [["input", "fc"], ["fc", "act"], ["act", "out"]]},
           "outputs": [{"node": "out", "loss": {"type": "CrossEntropyLoss"}}],
           "training": {"epochs": 2, "batch_size": 32, "optimizer": {"type": "SGD", "params": {"lr": 0.01}}}}
    project = Project.from_dict(doc, tmp_path)
    script = export_py(project, tmp_path / "t.py")
    assert "param_groups(model, 0.01)" in script.read_text()
    ours = _script_history(script, 2)
    theirs = _losslab(project, 2)
    for a, (tl, vl) in zip(ours, theirs):
        assert a["train_loss"] == pytest.approx(tl, rel=1e-4) and a["val_loss"] == pytest.approx(vl, rel=1e-4)
