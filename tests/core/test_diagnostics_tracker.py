"""The diagnostics tracker (stable, incremental), the findings' output shape, and properties that
hold for any history."""

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
    find_divergence,
)
from tests.core.diagnostics_histories import (
    STEPS_PER_EPOCH,
    kinds,
    make_history,
    stalled_history,
    step_losses,
    u_curve,
)


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
    history = stalled_history()
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
    # step scatter under a calm validation curve is batch composition, not the learning rate: not "noisy"
    assert {"divergence", "overfitting"} <= kinds(findings) and "noisy" not in kinds(findings)
    # units that died in the blow-up are part of the divergence, not a second problem
    assert "dead_units" not in kinds(findings)
    assert findings[0].evidence["also_dead_units_dead_share"] == 0.9 and "relu_1" in findings[0].message
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

