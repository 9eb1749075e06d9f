"""The trainer: parity with a hand-written loop, reproducibility, divergence, early stopping, control."""
from __future__ import annotations

import json
import math
import threading
from pathlib import Path

import pytest
import torch
from torch import nn

from core.data import load_dataset
from core.project import Project
from core.training import TrainingControl, TrainingObserver, train, trained_model

SPIRAL = Path(__file__).resolve().parents[2] / "resources" / "examples" / "spiral.losslab.json"


def spiral(**training) -> Project:
    doc = json.loads(SPIRAL.read_text())
    doc["training"].update({"schedule": {"type": "Constant", "params": {}}, **training})
    return Project.from_dict(doc)


class Recorder(TrainingObserver):
    def __init__(self):
        self.steps, self.epochs, self.info, self.result, self.batches = [], [], None, None, []

    def on_run_start(self, info):
        self.info = info

    def on_steps(self, records):
        self.batches.append(len(records))
        self.steps.append(records)

    def on_epoch_end(self, record):
        self.epochs.append(record)

    def on_run_end(self, result):
        self.result = result


def test_same_losses_as_a_plain_pytorch_loop():
    project = spiral(epochs=3, batch_size=32, seed=7)
    project.training.optimizer.params["lr"] = 0.01
    data = load_dataset(project.data, project.base_dir)
    rec = Recorder()
    result = train(project, dataset=data, diagnose=False, observer=rec)

    torch.manual_seed(7)
    model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    gen = torch.Generator().manual_seed(7)
    x, y = data.x_train, data.y_train["label"]
    losses, norms = [], []
    for _ in range(3):
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), 32):
            idx = perm[i:i + 32]
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            norms.append(float(torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])))
            opt.step()
            losses.append(loss.item())
    assert len(result.step_loss) == len(losses) == 3 * math.ceil(len(x) / 32)
    assert max(abs(a - b) for a, b in zip(result.step_loss, losses)) < 1e-6
    reported = [g for batch in rec.steps for g in batch.grad_norm]
    assert max(abs(a - b) for a, b in zip(reported, norms)) < 1e-5


def test_same_project_and_seed_give_the_same_curve_and_another_seed_does_not():
    a = train(spiral(epochs=2), diagnose=False)
    b = train(spiral(epochs=2), diagnose=False)
    c = train(spiral(epochs=2, seed=1), diagnose=False)
    assert a.step_loss == b.step_loss
    assert a.step_loss != c.step_loss


def test_observer_receives_plain_floats_in_batches():
    rec = Recorder()
    result = train(spiral(epochs=2), observer=rec, diagnose=False)
    assert rec.info.steps_per_epoch == 20 and rec.info.n_params == 4482
    assert sum(rec.batches) == result.steps == 40
    assert max(rec.batches) <= 64
    first = rec.steps[0]
    assert all(type(v) is float for v in first.loss + first.lr + first.grad_norm)
    assert [e.epoch for e in rec.epochs] == [1, 2]
    assert all(type(v) is float for v in rec.epochs[-1].metrics.values())
    assert rec.result is result and result.status == "completed"


def test_a_huge_sgd_learning_rate_diverges_and_keeps_finite_weights():
    project = spiral(epochs=30)
    project.training.optimizer.type, project.training.optimizer.params = "SGD", {"lr": 50.0}
    result = train(project, diagnose=False)
    assert result.status == "diverged"
    assert result.diverged_step is not None and result.diverged_step <= result.steps
    assert "diverged at step" in result.message
    assert all(torch.isfinite(v).all() for v in result.state_dict().values()) or result.best_epoch is None


def test_early_stopping_stops_and_restores_the_best_weights():
    project = spiral(epochs=300)
    project.data.params.update(samples=120, noise=0.35)
    project.training.early_stopping.patience = 10
    result = train(project, diagnose=False)
    assert result.status == "early_stopped"
    assert result.epochs_run == result.best_epoch + 10
    from core.training.evaluate import evaluate
    from core.training.setup import prepare
    setup = prepare(project)
    setup.model.load_state_dict(result.state_dict())
    val_loss, _, _ = evaluate(setup)
    assert val_loss == pytest.approx(result.best_val_loss, rel=1e-5)


def test_stop_from_another_thread_ends_the_run_quickly():
    control = TrainingControl()

    class StopAtEpoch3(Recorder):
        def on_epoch_end(self, record):
            super().on_epoch_end(record)
            if record.epoch == 3:
                threading.Thread(target=control.stop).start()

    rec = StopAtEpoch3()
    result = train(spiral(epochs=10_000), observer=rec, control=control, diagnose=False)
    assert result.status == "stopped"
    assert result.epochs_run <= 5


def test_pause_then_step_runs_exactly_one_batch_and_lr_changes_mid_run():
    control = TrainingControl()
    seen: list[int] = []

    class Driver(Recorder):
        def on_steps(self, records):
            super().on_steps(records)
            seen.append(records.first_step + len(records) - 1)

    control.step(1)          # paused, with one batch allowed
    control.set_lr(0.0005)
    done = threading.Event()
    result_box = {}
    rec = Driver()
    t = threading.Thread(target=lambda: (result_box.update(r=train(spiral(epochs=2), observer=rec, control=control,
                                                                    diagnose=False)), done.set()))
    t.start()
    for _ in range(100):
        if seen:
            break
        threading.Event().wait(0.02)
    assert seen and seen[-1] == 1, "one Step runs one batch, then the run waits"
    control.resume()
    assert done.wait(20)
    t.join()
    assert result_box["r"].status == "completed"
    assert all(lr == 0.0005 for s in rec.steps for lr in s.lr)


def test_two_heads_report_their_losses_separately_and_penalties_too():
    project = Project.load(Path(SPIRAL).parent / "diagnosis.losslab.json")
    project.training.epochs, project.training.l2 = 2, 1e-3
    rec = Recorder()
    result = train(project, observer=rec, diagnose=False)
    assert set(rec.steps[0].heads) == {"diagnosis_head", "severity_head"}
    assert rec.steps[0].penalty and all(v > 0 for v in rec.steps[0].penalty)
    last = result.history[-1]
    assert set(last.heads) == {"diagnosis_head", "severity_head"}
    assert "val_accuracy" in last.heads["diagnosis_head"] and "val_r2" in last.heads["severity_head"]
    assert last.penalty > 0


@pytest.mark.parametrize("schedule", [
    {"type": "StepLR", "params": {"step_size": 1, "gamma": 0.5}},
    {"type": "ExponentialLR", "params": {"gamma": 0.5}},
    {"type": "CosineAnnealingLR", "params": {}},
    {"type": "OneCycleLR", "params": {"max_lr": 0.05}},
    {"type": "ReduceLROnPlateau", "params": {"patience": 0, "factor": 0.5, "threshold": 1.0}},
    {"type": "LinearWarmup", "params": {"warmup_epochs": 2, "start_factor": 0.1}},
])
def test_schedules_change_the_learning_rate(schedule):
    doc = json.loads(SPIRAL.read_text())
    doc["training"].update(epochs=3, schedule=schedule)
    result = train(Project.from_dict(doc), diagnose=False)
    lrs = [h.lr for h in result.history]
    assert len(set(lrs)) > 1, lrs


def test_gradient_clipping_bounds_how_far_the_weights_move():
    from core.training.setup import prepare
    project = spiral(epochs=1, grad_clip=0.01)
    project.training.optimizer.type, project.training.optimizer.params = "SGD", {"lr": 0.1}
    start = [p.detach().clone() for p in prepare(project).model.parameters()]

    def distance(model):
        return math.sqrt(sum(float(((p.detach() - q) ** 2).sum()) for p, q in zip(model.parameters(), start)))

    clipped = train(project, diagnose=False)
    steps = clipped.steps
    assert distance(trained_model(project, clipped)) <= 0.1 * 0.01 * steps + 1e-6   # each step moves at most lr * clip
    project.training.grad_clip = 0.0
    assert distance(trained_model(project, train(project, diagnose=False))) > 0.1 * 0.01 * steps


def test_resuming_continues_numbering_history_and_optimizer_exactly():
    from core.training import prepare
    project = spiral(epochs=5)
    straight = train(project, diagnose=False)
    setup = prepare(project)
    first = train(project, setup=setup, epochs=3, diagnose=False)
    rec = Recorder()
    second = train(project, setup=setup, epochs=2, resume=first, observer=rec, diagnose=False)
    assert rec.info.start_epoch == 3 and [e.epoch for e in rec.epochs] == [4, 5]
    assert rec.steps[0].first_step == first.steps + 1
    assert second.epochs_run == 5 and second.steps == straight.steps and len(second.history) == 5
    assert max(abs(a - b) for a, b in zip(second.step_loss, straight.step_loss)) < 1e-6
    assert second.history[-1].val_loss == pytest.approx(straight.history[-1].val_loss, rel=1e-5)


def test_a_stop_records_only_completed_epochs():
    control = TrainingControl()

    class StopAtEpochEnd(Recorder):
        def on_epoch_end(self, record):
            super().on_epoch_end(record)
            if record.epoch == 2:
                control.stop()      # lands exactly on the boundary: epoch 3 must not appear

    rec = StopAtEpochEnd()
    result = train(spiral(epochs=50), observer=rec, control=control, diagnose=False)
    assert result.status == "stopped" and result.epochs_run == 2
    assert all(h.train_loss > 0.01 for h in result.history)


def test_a_divergence_inside_the_first_epoch_still_gets_its_finding():
    project = spiral(epochs=5)
    project.training.optimizer.type, project.training.optimizer.params = "SGD", {"lr": 50.0}
    result = train(project)
    assert result.status == "diverged" and result.epochs_run == 0
    [finding] = [f for f in result.findings if f.kind == "divergence"]
    assert finding.start_step is not None and finding.start_step <= result.diverged_step
    assert "from 50 to 5" in finding.suggestion


def test_the_test_split_is_evaluated_once_with_the_final_weights():
    project = spiral(epochs=3)
    project.data.test_fraction = 0.1
    result = train(project, diagnose=False)
    assert set(result.test) == {"test_loss", "test_accuracy", "test_balanced_accuracy"}
    assert 0.0 <= result.test["test_accuracy"] <= 1.0
    assert result.to_dict()["test"] == pytest.approx(result.test)
    assert train(spiral(epochs=1), diagnose=False).test == {}
