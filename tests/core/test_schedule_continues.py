"""A continued run carries the learning-rate schedule on where it stopped (no restart, no spike)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.project import Project
from core.training import prepare, train

SPIRAL = Path(__file__).resolve().parents[2] / "resources" / "examples" / "spiral.losslab.json"


def _project(schedule: dict, epochs: int = 4) -> Project:
    doc = json.loads(SPIRAL.read_text())
    doc["training"].update(epochs=epochs, schedule=schedule)
    doc["data"]["params"]["samples"] = 200
    return Project.from_dict(doc)


@pytest.mark.parametrize("schedule", [
    {"type": "CosineAnnealingLR", "params": {}},
    {"type": "OneCycleLR", "params": {"max_lr": 0.05}},
    {"type": "StepLR", "params": {"step_size": 2, "gamma": 0.5}},
], ids=lambda s: s["type"])
def test_continue_carries_the_schedule_on(schedule):
    project = _project(schedule)
    setup = prepare(project)
    first = train(project, setup=setup, diagnose=False)
    last_lr = first.state["series"]["step_lr"][-1]
    second = train(project, setup=setup, epochs=4, resume=first, diagnose=False)
    lrs = second.state["series"]["step_lr"][len(first.state["series"]["step_lr"]):]
    assert second.status == "completed" and len(lrs) > 0
    # the first step of the continued run is at (or below) the rate the first run ended with
    assert lrs[0] <= last_lr * 1.0001, f"the schedule restarted: {last_lr:g} -> {lrs[0]:g}"
    assert max(lrs) <= last_lr * 1.0001


def test_the_same_schedule_straight_through_matches_for_step_lr():
    """StepLR has no end: 4 + 4 epochs continue its staircase exactly like 8 epochs in one run."""
    project = _project({"type": "StepLR", "params": {"step_size": 2, "gamma": 0.5}}, epochs=8)
    straight = train(project, diagnose=False)
    short = _project({"type": "StepLR", "params": {"step_size": 2, "gamma": 0.5}}, epochs=4)
    setup = prepare(short)
    first = train(short, setup=setup, diagnose=False)
    second = train(short, setup=setup, epochs=4, resume=first, diagnose=False)
    assert [h.lr for h in second.history] == pytest.approx([h.lr for h in straight.history])


def test_a_changed_rate_starts_the_schedule_over():
    project = _project({"type": "CosineAnnealingLR", "params": {}})
    setup = prepare(project)
    first = train(project, setup=setup, diagnose=False)
    project.training.optimizer.params["lr"] = 0.004
    second = train(project, setup=setup, epochs=2, resume=first, diagnose=False)
    assert second.state["series"]["step_lr"][len(first.state["series"]["step_lr"])] == pytest.approx(0.004)
