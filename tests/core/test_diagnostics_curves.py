"""Curve diagnostics pinned on synthetic histories: one rule at a time."""

from __future__ import annotations

import numpy as np
import pytest

from core.diagnostics import (
    DiagnosticContext,
    DiagnosticsTracker,
    diagnose,
    find_dead_units,
    find_divergence,
    find_low_loss_poor_model,
    find_noisy_training,
    find_overfitting_onset,
    find_plateau,
    find_underfitting,
)
from tests.core.diagnostics_histories import (
    STEPS_PER_EPOCH,
    converging,
    falling_train,
    kinds,
    make_history,
    plateau_history,
    stalled_history,
    step_losses,
    u_curve,
)


# ---------------------------------------------------------------- overfitting


def test_overfitting_u_curve_onset_at_true_minimum():
    history, true_min = u_curve()
    finding = find_overfitting_onset(history)
    assert finding is not None and finding.kind == "overfitting" and finding.severity == "warning"
    assert abs(finding.start_epoch - true_min) <= 3
    assert finding.end_epoch == 80
    ev = finding.evidence
    assert ev["best_epoch"] == finding.start_epoch
    assert ev["GL"] > 20 and ev["P5"] > 0 and ev["PQ"] == pytest.approx(ev["GL"] / ev["P5"], rel=1e-2)
    assert ev["UP"] >= 3 and ev["train_fall_pct"] > 20
    assert finding.message.startswith(f"Overfitting since epoch {finding.start_epoch}: validation loss up ")
    assert f"at epoch {finding.start_epoch}" in finding.message and "while training loss fell" in finding.message
    assert f"weights of epoch {ev['best_epoch']}, the lowest validation loss" in finding.suggestion
    # a flat-bottomed valley: the checkpoint at its lowest point, the rise where it leaves the valley
    assert finding.start_epoch <= ev["rise_start_epoch"] <= finding.start_epoch + 8


@pytest.mark.parametrize("seed", range(5))
def test_noisy_u_curve_still_flagged_near_minimum(seed):
    history, true_min = u_curve(seed, noise=0.04)
    finding = find_overfitting_onset(history)
    assert finding is not None
    assert abs(finding.start_epoch - true_min) <= 3 + 3  # noise moves the smoothed minimum a little


@pytest.mark.parametrize("shape", ["flat", "decreasing"])
@pytest.mark.parametrize("seed", range(6))
def test_noisy_flat_or_decreasing_val_is_not_overfitting(shape, seed):
    n = 60
    t = np.arange(1, n + 1)
    rng = np.random.default_rng(seed)
    base = np.full(n, 0.5) if shape == "flat" else 0.4 + 0.5 * np.exp(-t / 10)
    val = base * (1 + 0.06 * rng.standard_normal(n))
    history = make_history(falling_train(n, seed), val)
    if _plain_reading_says_overfitting(falling_train(n, seed), val):
        # 5-epoch means of a curve that wobbles 6% can end 10% above their minimum (seed 5, flat): a person
        # reading the raw curve calls that overfitting, and LossLab must never stay quieter than that reading
        assert find_overfitting_onset(history).evidence["plain_rise_pct"] >= 10
        return
    assert find_overfitting_onset(history) is None
    assert "overfitting" not in kinds(diagnose(history, final=True))


def _plain_reading_says_overfitting(train: np.ndarray, val: np.ndarray) -> bool:
    mv, mt = np.convolve(val, np.ones(5) / 5, "valid"), np.convolve(train, np.ones(5) / 5, "valid")
    j = int(np.argmin(mv))
    return bool(mv[-1] >= 1.1 * mv[j] and mv.size - 1 - j >= 5 and mt[-1] < mt[j])


def test_val_rising_while_train_also_rises_is_not_overfitting():
    history, _ = u_curve()
    for rec in history[30:]:
        rec["train_loss"] = rec["val_loss"] - 0.05
    assert find_overfitting_onset(history) is None


def test_too_short_or_no_validation_gives_no_overfitting():
    history, _ = u_curve()
    assert find_overfitting_onset(history[:6]) is None
    assert find_overfitting_onset([dict(rec, val_loss=None) for rec in history]) is None


# ---------------------------------------------------------------- clean run


def test_clean_converging_run_has_no_findings():
    history = converging()
    steps = {"step_loss": step_losses(60 * STEPS_PER_EPOCH, scatter=0.15, start=0.7, end=0.08)}
    context = DiagnosticContext(
        baseline_loss=0.69, majority_rate=0.5, lr=0.01, optimizer="adam", dead_unit_share={"relu_1": 0.1}
    )
    assert diagnose(history, steps=steps, context=context) == []
    assert diagnose(history, steps=steps, context=context, final=True) == []
    tracker = DiagnosticsTracker(context)
    for k in range(1, len(history) + 1):
        assert tracker.update(history[:k], steps) == []
    assert tracker.finish(history, steps) == []


# ---------------------------------------------------------------- divergence


def test_nan_at_step_412_is_divergence_at_step_412():
    loss = step_losses(600, scatter=0.05)
    loss[411] = np.nan
    loss[412:] = np.nan
    history = make_history([1.0, 0.8, 0.6, 0.5, 0.45, 0.4, 0.38, 0.36], lr=0.1)  # epochs 1-8 end at steps 50..400
    finding = find_divergence(history, {"step_loss": loss})
    assert finding is not None and finding.kind == "divergence" and finding.severity == "error"
    assert finding.start_step == finding.end_step == 412
    assert finding.start_epoch == 9  # the epoch in progress
    assert "step 412" in finding.message and "NaN" in finding.message
    assert "from 0.1 to 0.01" in finding.suggestion and "clip" in finding.suggestion


def test_nan_in_epoch_train_loss_without_steps():
    history = make_history([1.0, 0.8, 0.7, float("nan")], lr=0.003)
    finding = find_divergence(history)
    assert finding is not None and finding.start_epoch == 4 and finding.start_step is None
    assert "epoch 4" in finding.message
    assert "from 0.003 to 3e-4" in finding.suggestion


def test_inf_in_steps_is_divergence():
    loss = step_losses(300, scatter=0.05)
    loss[250] = np.inf
    finding = find_divergence(make_history([0.9] * 5), {"step_loss": loss})
    assert finding is not None and finding.start_step == 251 and "inf" in finding.message


def test_explosion_in_a_long_run_is_found_to_the_step():
    loss = step_losses(200_000, scatter=0.3, start=1.0, end=0.2)
    loss[123_456:] *= 30
    finding = find_divergence(make_history([0.5] * 10), {"step_loss": loss})
    assert finding is not None and abs(finding.start_step - 123_457) <= 2


def test_explosion_twenty_times_best():
    loss = step_losses(1000, scatter=0.05, start=1.0, end=0.2)
    best = float(np.min(loss[:700]))
    loss[700:] = best * 20 * (1 + 0.05 * np.random.default_rng(1).standard_normal(300))
    history = make_history(np.linspace(1.0, 0.3, 20), lr=None)  # the rate comes from the context
    finding = find_divergence(history, {"step_loss": loss}, context=DiagnosticContext(lr=0.05))
    assert finding is not None and finding.kind == "divergence"
    assert 699 <= finding.start_step <= 705
    assert finding.evidence["ratio"] > 10
    assert "exploded" in finding.message and "×" in finding.message
    assert "from 0.05 to 0.005" in finding.suggestion


def test_epoch_level_explosion_and_spike_tolerance():
    exploding = make_history([1.0, 0.5, 0.3, 0.25, 6.0, 40.0])
    finding = find_divergence(exploding)
    assert finding is not None and finding.start_epoch == 5 and finding.evidence["ratio"] == pytest.approx(24.0)
    # One bad batch among smooth ones is a spike, not a divergence.
    loss = step_losses(1000, scatter=0.05)
    loss[500] *= 50
    assert find_divergence(make_history([0.5] * 20), {"step_loss": loss}) is None


def test_divergence_is_reported_first_and_other_rules_ignore_the_blowup():
    history = converging(30)
    nan = float("nan")
    history.append(dict(history[-1], epoch=31, step=31 * STEPS_PER_EPOCH, train_loss=nan, val_loss=nan))
    found = diagnose(history, final=True)
    assert found[0].kind == "divergence" and kinds(found) == {"divergence"}


# ---------------------------------------------------------------- plateau / stalled


def test_plateau_that_breaks_is_plateau_not_stalled():
    history = plateau_history(break_at=30)
    for final in (False, True):
        finding = find_plateau(history, final=final)
        assert finding is not None and finding.kind == "plateau"
        assert finding.start_epoch <= 12 and 26 <= finding.end_epoch <= 31
        assert "then fell" in finding.message
    assert "stalled" not in kinds(diagnose(history, final=True))


@pytest.mark.parametrize("seed", range(3))
def test_flat_high_loss_to_the_end_is_stalled(seed):
    history = stalled_history(seed)
    finding = find_plateau(history, final=True)
    assert finding is not None and finding.kind == "stalled" and finding.severity == "warning"
    assert finding.end_epoch == 60 and finding.start_epoch <= 12
    assert "learning rate" in finding.suggestion and "Adam" in finding.suggestion
    # While the run goes on it is a plateau "so far", not yet a verdict.
    running = find_plateau(history, final=False)
    assert running is not None and running.kind == "plateau" and running.severity == "info"
    # Against the trivial predictor's loss as well.
    with_baseline = find_plateau(history, final=True, context=DiagnosticContext(baseline_loss=0.69, optimizer="adam"))
    assert with_baseline.kind == "stalled" and "class shares" in with_baseline.message
    assert "warm-up" in with_baseline.suggestion


def test_converged_loss_is_not_stalled():
    assert find_plateau(converging(), final=True) is None
    # Fell to 65% of the trivial loss, then flat: the data's noise floor, not a stall.
    floor = plateau_history(None, start=0.69, level=0.45)
    assert find_plateau(floor, final=True, context=DiagnosticContext(baseline_loss=0.69)) is None


def test_late_flat_stretch_near_zero_is_not_a_plateau():
    # An annealed run: the last gains near zero come in bursts; that is not a saddle.
    t = np.arange(1, 61)
    loss = np.where(t <= 40, 0.04 + 0.96 * np.exp(-t / 2), 0.028 + 0.012 * np.exp(-(t - 40) / 3))
    history = make_history(loss, loss * 1.1)
    assert find_plateau(history, final=True) is None
    assert find_plateau(history, final=True, flat_rate=1e-3, window=10) is None
    # The same shape high up (a flat stretch at 60% of the start, then 30% lower) is a plateau.
    high = np.where(t <= 40, 0.6 + 0.4 * np.exp(-t / 2), 0.42 + 0.18 * np.exp(-(t - 40) / 3))
    assert find_plateau(make_history(high, high), final=True).kind == "plateau"


def test_plateau_broken_by_lr_drop_names_it():
    n = 60
    lr = [0.1 if e <= 30 else 0.01 for e in range(1, n + 1)]
    history = plateau_history(break_at=30)
    for rec, rate in zip(history, lr):
        rec["lr"] = rate
    finding = find_plateau(history, final=True)
    assert "learning rate changed from 0.1 to 0.01" in finding.message
    for i, rec in enumerate(history):  # a cosine schedule drifts every epoch: not worth naming
        rec["lr"] = 0.05 * (1 + np.cos(np.pi * i / n))
    assert "learning rate changed" not in find_plateau(history, final=True).message


# ---------------------------------------------------------------- underfitting


def test_underfitting_against_baseline():
    n = 40
    t = np.arange(1, n + 1)
    train = 0.62 + 0.07 * np.exp(-t / 3)
    history = make_history(train, train + 0.01, lr=None)
    context = DiagnosticContext(baseline_loss=0.69, lr=0.001)
    finding = find_underfitting(history, context)
    assert finding is not None and finding.kind == "underfitting"
    assert finding.evidence["train_vs_baseline_pct"] > 80
    assert "capacity" in finding.suggestion and "to 0.003" in finding.suggestion
    assert "underfitting" in kinds(diagnose(history, context=context, final=True))


def test_no_underfitting_when_well_below_baseline_or_without_baseline():
    assert find_underfitting(converging(), DiagnosticContext(baseline_loss=0.69), final=True) is None
    history = make_history(np.full(30, 0.66), np.full(30, 0.67))
    assert find_underfitting(history, DiagnosticContext(), final=True) is None


def test_underfitting_waits_while_loss_still_falls_fast():
    t = np.arange(1, 11)
    train = 0.69 * np.exp(-t / 80)
    history = make_history(train, train)
    context = DiagnosticContext(baseline_loss=0.69)
    assert find_underfitting(history, context) is None
    final = find_underfitting(history, context, final=True)
    assert final is not None and "train longer" in final.suggestion


def test_regression_underfitting_from_r2():
    history = make_history(np.full(20, 0.9), np.full(20, 0.92), val_r2=np.full(20, 0.08))
    finding = find_underfitting(history, DiagnosticContext(task="regression"), final=True)
    assert finding is not None and "R²" in finding.message


# ---------------------------------------------------------------- noisy


def test_oscillating_step_losses_are_noisy():
    n_steps = 20 * STEPS_PER_EPOCH
    loss = step_losses(n_steps, scatter=0.9, start=1.0, end=0.6)
    history = make_history(np.linspace(1.0, 0.6, 20), lr=0.3)
    finding = find_noisy_training(history, {"step_loss": loss})
    assert finding is not None and finding.kind == "noisy" and finding.severity == "warning"
    assert finding.evidence["scatter_ratio"] > 0.5
    assert finding.end_step == n_steps and finding.end_epoch == 20
    assert "from 0.3 to 0.03–0.1" in finding.suggestion and "batch" in finding.suggestion


def test_smooth_step_losses_are_not_noisy():
    history = make_history(np.linspace(1.0, 0.2, 20))
    for seed in range(3):
        loss = step_losses(20 * STEPS_PER_EPOCH, scatter=0.2, seed=seed)
        assert find_noisy_training(history, {"step_loss": loss}) is None
    assert find_noisy_training(history, None) is None


def test_validation_loss_swinging_wildly_is_noisy_even_without_steps():
    n = 30
    t = np.arange(1, n + 1)
    rng = np.random.default_rng(0)
    train = 0.3 + 0.4 * np.exp(-t / 5)
    val = (0.35 + 0.4 * np.exp(-t / 5)) * np.exp(0.6 * rng.standard_normal(n))  # a learning rate of 3 with SGD
    finding = find_noisy_training(make_history(train, val, lr=3.0), None)
    assert finding is not None and "validation loss" in finding.message and "weights bounce" in finding.message
    assert finding.start_step is None and finding.end_epoch == n and "from 3 to 0.3–1" in finding.suggestion
    calm, _ = u_curve(noise=0.05)
    assert find_noisy_training(calm, None) is None


def test_rare_hard_batches_near_zero_loss_are_not_noisy():
    rng = np.random.default_rng(0)
    loss = np.full(2000, 0.002) * (1 + 0.1 * rng.standard_normal(2000))
    loss[rng.random(2000) < 0.1] = 0.15  # a few batches hold a misclassified sample
    loss[:20] = 0.7
    assert find_noisy_training(make_history([0.1] * 40), {"step_loss": loss}) is None


# ---------------------------------------------------------------- low loss, poor model


def test_accuracy_stuck_at_majority_while_loss_falls():
    n = 30
    t = np.arange(1, n + 1)
    loss = 0.33 + 0.36 * np.exp(-t / 5)
    acc = 0.90 + 0.004 * np.sin(t)
    history = make_history(loss, loss + 0.01, val_accuracy=acc)
    context = DiagnosticContext(majority_rate=0.9, baseline_loss=0.325)
    finding = find_low_loss_poor_model(history, context)
    assert finding is not None and finding.kind == "low_loss_poor_model"
    assert "90.0%" in finding.message and "majority class" in finding.message
    assert "CrossEntropyLoss" in finding.suggestion and "9×" in finding.suggestion


def test_accuracy_that_beats_majority_is_fine():
    n = 30
    t = np.arange(1, n + 1)
    loss = 0.2 + 0.5 * np.exp(-t / 5)
    acc_pct = 100 * (0.97 - 0.07 * np.exp(-t / 5))  # percentages are read too
    history = make_history(loss, loss, val_accuracy=acc_pct)
    assert find_low_loss_poor_model(history, DiagnosticContext(majority_rate=0.9)) is None
    assert find_low_loss_poor_model(history, DiagnosticContext()) is None


# ---------------------------------------------------------------- dead units


def test_dead_units_names_the_worst_node():
    context = DiagnosticContext(dead_unit_share={"relu_1": 0.55, "relu_2": 0.8, "relu_3": 0.1})
    finding = find_dead_units(context)
    assert finding is not None and finding.kind == "dead_units" and finding.severity == "warning"
    assert finding.node == "relu_2" and "80%" in finding.message and "relu_1: 55%" in finding.message
    assert "relu_3" not in finding.message
    assert find_dead_units(DiagnosticContext(dead_unit_share={"relu_1": 0.3})) is None
    assert find_dead_units(None) is None


