"""The learning-rate range test: a rate that really trains, weights restored, and the CLI."""
from __future__ import annotations

import json
from pathlib import Path

import torch

from core.cli import main
from core.lr_finder import find_lr
from core.project import Project
from core.training import prepare, train

SPIRAL = Path(__file__).resolve().parents[2] / "resources" / "examples" / "spiral.losslab.json"


def test_the_suggested_rate_trains_spiral_to_95_percent():
    project = Project.load(SPIRAL)
    result = find_lr(project)
    assert result.stopped_early, "the sweep to 10 must hit the loss cliff"
    assert 1e-5 < result.suggestion < 1.0
    project.training.optimizer.params["lr"] = result.suggestion
    run = train(project, diagnose=False)
    assert run.history[-1].metrics["val_accuracy"] >= 0.95


def test_the_model_weights_are_restored_afterwards():
    project = Project.load(SPIRAL)
    setup = prepare(project)
    before = {k: v.clone() for k, v in setup.model.state_dict().items()}
    find_lr(project, setup=setup, steps=30)
    after = setup.model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_cli_lr_find_prints_a_suggestion_and_json():
    lines: list[str] = []
    assert main(["lr-find", str(SPIRAL), "--json"], out=lines.append) == 0
    assert lines[0].startswith("suggested learning rate")
    doc = json.loads(lines[-1])
    assert doc["suggestion"] and len(doc["lrs"]) == len(doc["losses"])
