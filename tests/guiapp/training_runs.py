"""Shared by the training tests (their ``make_controller`` fixture is in ``conftest.py``): a short spiral
project, a Run to its end, a paused Run parked, and edits as the Training settings make them."""
from __future__ import annotations

from core.project import Project
from guiapp.training import TrainingController
from tests.conftest import EXAMPLES

SPIRAL = EXAMPLES / "spiral.losslab.json"


def spiral_project(epochs: int = 3, lr: float = 0.01, samples: int = 600) -> Project:
    d = Project.load(SPIRAL).to_dict()
    d["training"]["epochs"] = epochs
    d["training"]["schedule"] = {"type": "Constant", "params": {}}
    d["training"]["optimizer"]["params"]["lr"] = lr
    d["data"]["params"]["samples"] = samples
    return Project.from_dict(d, SPIRAL.parent)


def run_to_end(qtbot, c: TrainingController, timeout: int = 30_000, **kwargs):
    with qtbot.waitSignal(c.runFinished, timeout=timeout) as finished:
        assert c.run(**kwargs)
    return finished.args[0]


def wait_parked(qtbot, c) -> None:
    """Until the paused run's thread waits for its next command and every step it ran is in the
    history: after that nothing can arrive, so a count checked then is final (no waiting on a clock)."""
    qtbot.waitUntil(c.is_parked, timeout=10_000)


def example(name: str) -> Project:
    return Project.load(EXAMPLES / f"{name}.losslab.json")


def training_edit(c: TrainingController, **changes) -> None:
    def change(p: Project) -> None:
        for key, value in changes.items():
            if key == "lr":
                p.training.optimizer.params["lr"] = value
            else:
                setattr(p.training, key, value)
    assert c.document.edit("training", change, "training")
