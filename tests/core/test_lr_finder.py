"""The learning-rate range test: a rate that really trains, weights restored, and the CLI."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from core.cli import main
from core.lr_finder import find_lr
from core.project import Project
from core.tasks import TaskState, run_task
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


def _with_l2(l2: float) -> Project:
    project = Project.load(SPIRAL)
    project.training.l2 = l2
    return project


def test_the_finder_takes_the_trainers_step_with_its_penalty():
    """The recorded loss is the objective the trainer minimises: a heavy L2 term shows in it, and the
    first step's loss is the data loss plus that term on the starting weights."""
    from core.training.step import penalty_fn
    plain = find_lr(_with_l2(0.0), steps=12, seed=3)
    heavy_project = _with_l2(0.5)
    setup = prepare(heavy_project, seed=3)
    term = float(penalty_fn(setup.model, 0.0, 0.5)().detach())
    heavy = find_lr(heavy_project, steps=12, seed=3, setup=setup)
    assert term > 0.1
    assert heavy.losses[0] == pytest.approx(plain.losses[0] + term, rel=1e-4)


def test_the_finder_clips_gradients_like_the_trainer():
    """With a tiny clip plain SGD barely moves the weights at a huge rate: the loss stays near
    its start (batch to batch noise only) where the unclipped sweep explodes."""
    loose, tight = Project.load(SPIRAL), Project.load(SPIRAL)
    for p in (loose, tight):
        p.training.optimizer.type, p.training.optimizer.params = "SGD", {"lr": 0.1}
    tight.training.grad_clip = 1e-6
    kw = dict(start_lr=10.0, end_lr=100.0, steps=12, seed=1)
    a, b = find_lr(loose, **kw), find_lr(tight, **kw)
    assert a.stopped_early and max(a.losses) > 100 * a.losses[0]
    assert not b.stopped_early and len(b.losses) == 12 and max(b.losses) < 1.2 * b.losses[0]


def test_a_cancelled_finder_stops_and_restores_the_weights():
    project = Project.load(SPIRAL)
    setup = prepare(project)
    before = {k: v.clone() for k, v in setup.model.state_dict().items()}
    seen = []

    class CancelAfterFive(TaskState):
        def set_progress(self, fraction, status=None):
            super().set_progress(fraction, status)
            seen.append(fraction)
            if len(seen) == 5:
                self.cancel()

    state = CancelAfterFive()
    outcome = run_task(find_lr, project, setup=setup, steps=200, end_lr=1e-3, state=state)
    assert outcome.cancelled and outcome.value is None and outcome.error is None
    assert len(seen) == 5, "the sweep must stop at the next step after the cancel"
    after = setup.model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
