"""Curve diagnostics pinned on synthetic histories (seeded numpy, no torch)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.diagnostics import (
    DiagnosticContext,
    DiagnosticsTracker,
    Finding,
    diagnose,
    find_dead_units,
    find_divergence,
    find_low_loss_poor_model,
    find_noisy_training,
    find_overfitting_onset,
    find_plateau,
    find_underfitting,
)

STEPS_PER_EPOCH = 50


# ---------------------------------------------------------------- builders


def make_history(train, val=None, *, lr=0.01, **metrics) -> list[dict]:
    """Per-epoch records as the trainer emits them."""
    history = []
    for i, loss in enumerate(train):
        rec = {
            "epoch": i + 1,
            "step": (i + 1) * STEPS_PER_EPOCH,
            "train_loss": float(loss),
            "val_loss": None if val is None else float(val[i]),
            "lr": lr[i] if isinstance(lr, (list, np.ndarray)) else lr,
            "seconds": 0.1,
        }
        for key, values in metrics.items():
            rec[key] = float(values[i])
        history.append(rec)
    return history


def falling_train(n: int, seed: int = 0, noise: float = 0.01) -> np.ndarray:
    t = np.arange(1, n + 1)
    rng = np.random.default_rng(seed)
    return (0.05 + 0.9 * np.exp(-t / 12)) * (1 + noise * rng.standard_normal(n))


def u_curve(seed: int = 0, noise: float = 0.0, n: int = 80) -> tuple[list[dict], int]:
    """Train falls; validation falls, bottoms out near epoch 28 and climbs ~45%."""
    t = np.arange(1, n + 1)
    clean = 0.35 + 0.6 * np.exp(-t / 8) + 0.0008 * np.maximum(0, t - 25) ** 1.5
    rng = np.random.default_rng(1000 + seed)
    val = clean * (1 + noise * rng.standard_normal(n))
    return make_history(falling_train(n, seed), val), int(t[np.argmin(clean)])


def converging(n: int = 60, seed: int = 0) -> list[dict]:
    """A healthy run: both losses fall to a floor, val a little above train, accuracy climbs."""
    t = np.arange(1, n + 1)
    rng = np.random.default_rng(seed)
    train = (0.08 + 0.62 * np.exp(-t / 8)) * (1 + 0.005 * rng.standard_normal(n))
    val = (0.11 + 0.60 * np.exp(-t / 8)) * (1 + 0.01 * rng.standard_normal(n))
    acc = 0.97 - 0.47 * np.exp(-t / 6)
    return make_history(train, val, val_accuracy=acc)


def step_losses(n_steps: int, *, scatter: float, seed: int = 0, start: float = 1.0, end: float = 0.2) -> np.ndarray:
    """Step losses: an exponential trend times (1 + scatter * noise)."""
    rng = np.random.default_rng(seed)
    s = np.arange(n_steps)
    trend = end + (start - end) * np.exp(-s / (n_steps / 5))
    return trend * np.clip(1 + scatter * rng.standard_normal(n_steps), 0.02, None)


def kinds(findings) -> set[str]:
    return {f.kind for f in findings}


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
    assert finding.message.startswith(f"Overfitting since epoch {finding.start_epoch}: smoothed validation loss up ")
    assert f"at epoch {finding.start_epoch}" in finding.message and "while training loss fell" in finding.message
    assert f"weights of epoch {ev['lowest_val_epoch']}, the lowest validation loss" in finding.suggestion


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
    assert find_overfitting_onset(history) is None
    assert "overfitting" not in kinds(diagnose(history, final=True))


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


def _plateau_history(break_at: int | None, n: int = 60, seed: int = 0, start: float = 1.0, level: float = 0.6):
    t = np.arange(1, n + 1)
    rng = np.random.default_rng(seed)
    loss = level + (start - level) * np.exp(-t / 2)  # quick drop to a saddle ...
    if break_at is not None:  # ... that breaks: down to ~0.1
        loss = np.where(t > break_at, 0.1 + (level - 0.1) * np.exp(-(t - break_at) / 4), loss)
    loss = loss * (1 + 0.003 * rng.standard_normal(n))
    return make_history(loss, loss * 1.05)


def _stalled_history(seed: int = 0) -> list[dict]:
    """Barely off the starting loss, then flat: it never got going."""
    return _plateau_history(None, seed=seed, start=0.70, level=0.62)


def test_plateau_that_breaks_is_plateau_not_stalled():
    history = _plateau_history(break_at=30)
    for final in (False, True):
        finding = find_plateau(history, final=final)
        assert finding is not None and finding.kind == "plateau"
        assert finding.start_epoch <= 12 and 26 <= finding.end_epoch <= 31
        assert "then fell" in finding.message
    assert "stalled" not in kinds(diagnose(history, final=True))


@pytest.mark.parametrize("seed", range(3))
def test_flat_high_loss_to_the_end_is_stalled(seed):
    history = _stalled_history(seed)
    finding = find_plateau(history, final=True)
    assert finding is not None and finding.kind == "stalled" and finding.severity == "warning"
    assert finding.end_epoch == 60 and finding.start_epoch <= 12
    assert "learning rate" in finding.suggestion and "Adam" in finding.suggestion
    # While the run goes on it is a plateau "so far", not yet a verdict.
    running = find_plateau(history, final=False)
    assert running is not None and running.kind == "plateau" and running.severity == "info"
    # Against the trivial predictor's loss as well.
    with_baseline = find_plateau(history, final=True, context=DiagnosticContext(baseline_loss=0.69, optimizer="adam"))
    assert with_baseline.kind == "stalled" and "majority class" in with_baseline.message
    assert "warm-up" in with_baseline.suggestion


def test_converged_loss_is_not_stalled():
    assert find_plateau(converging(), final=True) is None
    # Fell to 65% of the trivial loss, then flat: the data's noise floor, not a stall.
    floor = _plateau_history(None, start=0.69, level=0.45)
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
    history = _plateau_history(break_at=30)
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
    assert finding is not None and "validation loss swings" in finding.message
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


# ---------------------------------------------------------------- tracker


def test_tracker_does_not_flicker_on_noisy_overfitting():
    for seed in range(3):
        history, true_min = u_curve(seed, noise=0.04)
        tracker = DiagnosticsTracker()
        states, appeared = [], 0
        for k in range(1, len(history) + 1):
            current = tracker.update(history[:k])
            states.append("overfitting" in kinds(current))
            appeared += sum(f.kind == "overfitting" for f in tracker.new_since_last())
        states.append("overfitting" in kinds(tracker.finish(history)))
        transitions = sum(a != b for a, b in zip([False] + states, states))
        assert transitions <= 1 and states[-1]
        assert appeared == 1
        finding = next(f for f in tracker.findings if f.kind == "overfitting")
        assert abs(finding.start_epoch - true_min) <= 6 and finding.end_epoch == len(history)


def test_tracker_reports_each_finding_once_and_keeps_divergence():
    history = make_history([1.0, 0.8, 0.7, 0.65, float("nan")])
    tracker = DiagnosticsTracker()
    tracker.update(history[:4])
    assert tracker.new_since_last() == []
    tracker.update(history)
    assert [f.kind for f in tracker.new_since_last()] == ["divergence"]
    assert kinds(tracker.update(history)) == {"divergence"}
    assert tracker.new_since_last() == []
    assert kinds(tracker.update(history[:5] + [dict(history[3], epoch=6)])) == {"divergence"}


def test_tracker_counts_epochs_not_calls():
    history, _ = u_curve()
    tracker = DiagnosticsTracker()
    onset = None
    for k in range(1, len(history) + 1):
        for _ in range(3):  # e.g. the GUI asks again when step data arrives mid-epoch
            tracker.update(history[:k])
        if onset is None and "overfitting" in kinds(tracker.findings):
            onset = k
    single = DiagnosticsTracker()
    first = next(k for k in range(1, len(history) + 1) if "overfitting" in kinds(single.update(history[:k])))
    assert onset == first


def test_tracker_finish_turns_plateau_into_stalled():
    history = _stalled_history()
    tracker = DiagnosticsTracker()
    for k in range(1, len(history) + 1):
        tracker.update(history[:k])
    assert kinds(tracker.findings) == {"plateau"}
    final = tracker.finish(history)
    assert kinds(final) == {"stalled"} and kinds(tracker.new_since_last()) == {"stalled"}


def test_tracker_hold_extends_range_then_drops_after_contradiction():
    history, _ = u_curve()
    tracker = DiagnosticsTracker(hold=3)
    for k in range(1, len(history) + 1):
        tracker.update(history[:k])
    assert "overfitting" in kinds(tracker.findings)
    # Validation recovers far below the old minimum: clearly contradicted.
    recovered = history + [
        dict(history[-1], epoch=e, step=e * STEPS_PER_EPOCH, val_loss=0.2, train_loss=0.04) for e in range(81, 111)
    ]
    seen_after = []
    for k in range(81, len(recovered) + 1):
        seen_after.append("overfitting" in kinds(tracker.update(recovered[:k])))
    assert seen_after[0] and not seen_after[-1]
    assert seen_after == sorted(seen_after, reverse=True)  # on, then off, once


# ---------------------------------------------------------------- output shape


def test_findings_are_json_ready_one_liners():
    history, _ = u_curve(noise=0.03)
    loss = step_losses(80 * STEPS_PER_EPOCH, scatter=0.9)
    loss[-1] = np.nan
    context = DiagnosticContext(majority_rate=0.9, dead_unit_share={"relu_1": 0.9})
    findings = diagnose(history, steps={"step_loss": loss}, context=context, final=True)
    findings.append(find_divergence(make_history([1.0, float("inf")])))
    assert {"divergence", "overfitting", "noisy", "dead_units"} <= kinds(findings)
    for finding in findings:
        data = finding.to_dict()
        assert list(data) == [
            "kind", "severity", "start_epoch", "end_epoch", "start_step", "end_step",
            "message", "evidence", "suggestion", "node",
        ]
        json.dumps(data, allow_nan=False)
        assert "\n" not in finding.message and "\n" not in finding.suggestion
        assert Finding.from_dict(json.loads(json.dumps(data))).to_dict() == data
    severities = [f.severity for f in findings[:-1]]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)


def test_bad_severity_is_refused():
    with pytest.raises(ValueError, match="severity"):
        Finding(kind="x", severity="fatal", message="", suggestion="")


def test_diagnostics_import_neither_torch_nor_qt():
    code = "import sys, core.diagnostics; print(any(m in sys.modules for m in ('torch', 'PySide6')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- property


def decreasing(n: int):
    """Strictly decreasing positive curves of length n."""
    return st.tuples(
        st.floats(min_value=1e-3, max_value=1e3),
        st.lists(st.floats(min_value=0.5, max_value=0.9999), min_size=n - 1, max_size=n - 1),
    ).map(lambda p: p[0] * np.cumprod([1.0] + p[1]))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(min_value=2, max_value=70))
def test_monotonically_decreasing_curves_never_overfit_or_diverge(data, n):
    train, val = data.draw(decreasing(n)), data.draw(decreasing(n))
    found = kinds(diagnose(make_history(train, val), final=True))
    assert "overfitting" not in found and "divergence" not in found


values = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.floats(min_value=0.0, max_value=10.0),
)
records = st.fixed_dictionaries(
    {},
    optional={
        "train_loss": values,
        "val_loss": values,
        "val_accuracy": values,
        "val_r2": values,
        "lr": values,
    },
)


@settings(max_examples=60, deadline=None)
@given(
    history=st.lists(records, max_size=40),
    step_loss=st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), max_size=300),
    final=st.booleans(),
)
def test_any_history_gives_findings_without_crashing(history, step_loss, final):
    history = [dict(rec, epoch=i + 1, step=(i + 1) * 10) for i, rec in enumerate(history)]
    steps = {"step_loss": np.array(step_loss, dtype=np.float64), "step_lr": np.full(len(step_loss), 0.01)}
    context = DiagnosticContext(baseline_loss=0.7, majority_rate=0.8, lr=0.01, dead_unit_share={"r": 0.9})
    tracker = DiagnosticsTracker(context)
    for k in range(len(history) + 1):
        tracker.update(history[:k], steps)
    for finding in diagnose(history, steps=steps, context=context, final=final) + tracker.finish(history, steps):
        json.dumps(finding.to_dict(), allow_nan=False)
