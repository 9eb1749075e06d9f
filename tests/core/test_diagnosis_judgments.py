"""Judgments a person acts on (issue 18): overfitting is always a warning, noisy short runs are named,
a blow-up that never came back is a divergence, unfinished and underfit runs are never "healthy", and
live diagnostics read a bounded part of the run. Fast synthetic histories here; real runs at the end."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from core.diagnostics import DiagnosticContext, DiagnosticsTracker, diagnose, find_overfitting_onset
from core.diagnostics import tracker as tracker_module
from core.diagnostics.divergence import find_divergence
from core.diagnostics.noise import find_noisy_training
from core.diagnostics.unfinished import find_unfinished
from tests.core.diagnostics_histories import falling_train, kinds, make_history


def overfit_history(acc: np.ndarray, n: int = 60, seed: int = 0) -> list[dict]:
    t = np.arange(1, n + 1)
    val = 0.4 + 0.5 * np.exp(-t / 5) + 0.004 * np.maximum(0, t - 20) ** 1.3
    val = val * (1 + 0.01 * np.random.default_rng(seed).standard_normal(n))
    return make_history(falling_train(n, seed) * 0.5, val, val_accuracy=acc)


# -- overfitting: a warning whatever the accuracy does ---------------------------------------------------
def test_a_rising_loss_with_held_accuracy_is_an_overfitting_warning_with_the_sample_count():
    acc = np.full(60, 0.80)
    finding = find_overfitting_onset(overfit_history(acc), val_samples=30)
    assert finding.kind == "overfitting" and finding.severity == "warning"
    assert finding.evidence["accuracy_held"] == 1 and finding.evidence["val_samples"] == 30
    assert finding.evidence["accuracy_se"] == pytest.approx((0.8 * 0.2 / 30) ** 0.5, abs=1e-4)
    assert "has not fallen yet" in finding.message and "30 validation samples" in finding.message
    assert "probabilities can no longer be trusted" in finding.message


def test_held_is_judged_on_the_binomial_noise_of_the_validation_set():
    acc = np.concatenate([np.full(30, 0.83), np.full(30, 0.80)])  # 3 points down
    small = find_overfitting_onset(overfit_history(acc), val_samples=30)  # one standard error: 7 points
    large = find_overfitting_onset(overfit_history(acc), val_samples=3000)  # 0.7 points
    assert small.evidence["accuracy_held"] == 1 and large.evidence["accuracy_held"] == 0
    assert small.severity == large.severity == "warning"
    assert "fell 3.0 points" in large.message


def test_held_compares_with_the_best_accuracy_reached_not_only_at_the_loss_minimum():
    acc = np.full(60, 0.80)
    acc[35:45] = 0.87  # the best accuracy came after the loss minimum, then fell back
    finding = find_overfitting_onset(overfit_history(acc), val_samples=300)
    assert finding.evidence["accuracy_best"] == pytest.approx(0.87)
    assert finding.evidence["metric_change"] == pytest.approx(0.0, abs=0.01)  # level with the minimum ...
    assert finding.evidence["accuracy_held"] == 0  # ... but 7 points under its best
    assert "from its best 87.0%" in finding.message


def test_the_plain_reading_of_a_short_sharp_rise_is_overfitting():
    # 14 epochs: the validation loss bottoms out at epoch 4 and climbs 40% while training falls
    val = np.array([0.9, 0.6, 0.5, 0.45, 0.47, 0.5, 0.52, 0.55, 0.58, 0.6, 0.62, 0.64, 0.66, 0.68])
    train = np.linspace(0.9, 0.05, 14)
    finding = find_overfitting_onset(make_history(train, val))
    assert finding is not None and finding.kind == "overfitting" and finding.evidence["plain_rise_pct"] > 10


# -- noisy -------------------------------------------------------------------------------------------
def test_a_ten_epoch_curve_that_jumps_ten_to_twenty_percent_is_noisy_with_what_to_do():
    val = np.array([0.62, 0.48, 0.55, 0.46, 0.53, 0.44, 0.50, 0.43, 0.51, 0.45])
    history = make_history(np.linspace(0.7, 0.4, 10), val, lr=0.1)
    finding = find_noisy_training(history, None)
    assert finding is not None and finding.severity == "warning"
    assert "from one epoch to the next" in finding.message
    assert "larger batches" in finding.suggestion and "from 0.1" in finding.suggestion
    assert "moving average" in finding.suggestion


def test_a_steady_ten_epoch_descent_is_not_noisy():
    val = 0.3 + 0.4 * np.exp(-np.arange(10) / 3)
    assert find_noisy_training(make_history(np.linspace(0.7, 0.3, 10), val), None) is None


# -- divergence without NaN ----------------------------------------------------------------------------
def blown_then_constant(recover_to: float | None = None) -> dict:
    loss = np.full(200, 1.4)
    loss[:2] = [0.7, 0.69]
    loss[2:5] = [3e4, 2e9, 5e3]
    if recover_to is not None:
        loss[5:] = np.linspace(0.6, recover_to, 195)
    return {"step_loss": loss}


def test_a_loss_that_jumped_by_orders_of_magnitude_and_stayed_up_is_diverged_once_the_run_ended():
    history = make_history([1e9, 1.4, 1.4, 1.4])
    steps = blown_then_constant()
    assert find_divergence(history, steps) is None  # while it runs the loss may still come back
    finding = find_divergence(history, steps, final=True)
    assert finding.kind == "divergence" and finding.severity == "error" and finding.start_step == 3
    assert finding.evidence["never_back"] == 1 and "never came back" in finding.message


def test_a_spike_the_loss_came_back_from_is_no_divergence():
    history = make_history([1e9, 0.4, 0.3, 0.2])
    assert find_divergence(history, blown_then_constant(recover_to=0.1), final=True) is None


# -- unfinished and underfit -----------------------------------------------------------------------------
def test_a_run_that_stops_while_its_loss_still_falls_is_unfinished_with_the_baseline():
    train = 1.3 * np.exp(-np.arange(15) / 25)  # 1.08 -> 0.80 over the last epochs, still steep
    history = make_history(train, train * 1.02, lr=1e-3)
    ctx = DiagnosticContext(baseline_loss=1.09, optimizer="SGD", lr=1e-3)
    assert find_unfinished(history, ctx, final=False) is None  # every run is "still falling" while it runs
    found = diagnose(history, context=ctx, final=True)
    assert kinds(found) == {"unfinished"}, [f.message for f in found]
    assert "still improving at the end" in found[0].message and "1.09 for predicting the class shares" in found[0].message
    assert "Train longer" in found[0].suggestion and "raise the learning rate" in found[0].suggestion


def test_a_converged_run_is_not_unfinished():
    t = np.arange(60)
    train = 0.1 + 0.6 * np.exp(-t / 8)
    assert find_unfinished(make_history(train, train * 1.1), DiagnosticContext(baseline_loss=0.69), final=True) is None


def test_a_model_barely_better_than_the_class_shares_is_underfitting():
    # the starter example: validation 0.61 against 0.69 for guessing, training 0.53, both flat
    n = 100
    train = 0.53 + 0.14 * np.exp(-np.arange(n) / 10)
    val = 0.61 + 0.08 * np.exp(-np.arange(n) / 10)
    found = diagnose(make_history(train, val), context=DiagnosticContext(baseline_loss=0.693), final=True)
    under = [f for f in found if f.kind == "underfitting"]
    assert len(under) == 1 and under[0].severity == "warning", [f.message for f in found]
    assert "0.693 of predicting the class shares" in under[0].message


# -- bounded live diagnostics ---------------------------------------------------------------------------
def test_live_updates_read_a_bounded_part_of_the_run_and_the_end_reads_it_whole(monkeypatch):
    n = 3 * tracker_module.LIVE_EPOCHS
    t = np.arange(1, n + 1)
    val = 0.3 + 0.5 * np.exp(-t / 30) + 0.0003 * np.maximum(0, t - 250)
    history = make_history(falling_train(n, 0), val, val_accuracy=np.full(n, 0.9))
    read: list[int] = []
    real = tracker_module.diagnose

    def counting(h, **kw):
        read.append(len(h))
        return real(h, **kw)

    monkeypatch.setattr(tracker_module, "diagnose", counting)
    tracker = DiagnosticsTracker(DiagnosticContext(val_samples=200))
    for i in range(1, n + 1):
        tracker.update(history[:i])
    end = tracker.finish(history)
    assert max(read[:-1]) == tracker_module.LIVE_EPOCHS and read[-1] == n
    assert [f.to_dict() for f in end] == [f.to_dict() for f in real(history, context=tracker.context, final=True)]
    assert "overfitting" in kinds(end)


# -- real runs ----------------------------------------------------------------------------------------------
def _scenario(label: str, table: str | None = None, **changes):
    from tests.benchmarks.diagnosis_scenarios import scenarios
    found = next(s for s in scenarios((0,)) if s.label == label and (table is None or (s.table or ("",))[0] == table))
    return dataclasses.replace(found, **changes)


def test_sgd_at_lr_10_whose_loss_blew_up_and_sat_at_a_constant_is_diverged():
    from tests.benchmarks.diagnosis_scenarios import run_scenario
    outcome = run_scenario(_scenario("divergence", "table30", hidden=(64, 64), batch_size=16, seed=1))
    r = outcome.result
    assert np.isfinite(r.step_loss).all()  # no NaN anywhere: the old rule let this end "completed"
    assert r.status == "diverged"
    assert [f.kind for f in r.findings] == ["divergence"], [f.message for f in r.findings]
    message = r.findings[0].message  # the units that died in the blow-up are said inside it (health probe or count)
    assert r.findings[0].evidence["never_back"] == 1 and ("dead" in message or "never fire" in message), message


def test_a_few_epochs_of_sgd_at_a_tiny_rate_are_unfinished():
    from tests.benchmarks.diagnosis_scenarios import run_scenario
    outcome = run_scenario(_scenario("unfinished", "wine"))
    assert outcome.readings["unfinished"]
    found = [f for f in outcome.result.findings if f.kind == "unfinished"]
    assert len(found) == 1 and "predicting the class shares" in found[0].message


def test_the_starter_example_is_not_healthy():
    from core.project import Project
    from core.training import train
    from tests.conftest import EXAMPLES
    r = train(Project.load(EXAMPLES / "starter.losslab.json"), threads=1)
    loud = {f.kind for f in r.findings if f.severity == "warning"}
    assert loud & {"underfitting", "unfinished"}, [f.message for f in r.findings]
    assert any("predicting the class shares" in f.message for f in r.findings)
