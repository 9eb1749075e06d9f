"""Performance over time: replay a time-ordered file through a trained model in windows.

Per window: the loss and metric (when the target is there), the drift of its inputs against the
training split, the share of drifted features and the model's mean confidence. Two findings:

- ``input_drift``: some feature drifts in ``SUSTAIN`` windows in a row (any feature: drift confined
  to the few features a model relies on is the common, dangerous case). It names the features, their
  statistics, the window it started and, with a model, the share of the model's reliance they carry
  (:mod:`core.drift.reliance`). The share of drifted features is said beside it, not a gate.
- ``performance_decline``: the first window from which the loss is above (or the metric beyond)
  the validation split's own sampling noise for a window of the same size, ``SUSTAIN`` windows in
  a row. It says which of the two fell, and what the inputs did before it (the lead time).

False alarms are kept out by construction: each window's tests are corrected for the features
(Bonferroni) *and* for the number of windows, so the chance that any window of an unchanged stream
lists a drifted feature is under ``STREAM_ALPHA`` (1%); a finding needs two such windows in a row.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from core.drift.frame import Frame
from core.drift.stats import DRIFT_SHARE, compare
from core.drift.windows import StreamFinding, Window

STREAM_ALPHA = 0.01
SUSTAIN = 2
DEFAULT_WINDOW = 100

# (start, end) -> (loss | None, metric | None, confidence | None)
Evaluate = Callable[[int, int], tuple[float | None, float | None, float | None]]


@dataclass
class MonitorResult:
    windows: list[Window]
    findings: list[StreamFinding]
    metric_name: str
    has_target: bool
    band: dict
    validation: tuple[float, float] | None = None
    no_loss: str = ""  # why there is no loss per window ("no trained model", "no target column ..."), if none
    alpha: float = STREAM_ALPHA        # for the whole stream
    window_alpha: float = STREAM_ALPHA  # for one window (alpha / windows), before the features' correction
    reliance: object | None = None     # the model's Reliance, when a model was given

    def verdict(self) -> str:
        """``stable`` | ``features_drifted`` | ``dataset_drifted`` over the stream, from its findings."""
        f = self.finding("input_drift")
        if f is None:
            return "stable"
        return "dataset_drifted" if f.evidence.get("dataset_drifted_from") is not None else "features_drifted"

    def to_dict(self) -> dict:
        return {"windows": [w.to_dict(self.metric_name) for w in self.windows],
                "findings": [f.to_dict() for f in self.findings], "verdict": self.verdict(),
                "alpha": self.alpha, "window_alpha": self.window_alpha}

    def finding(self, kind: str) -> StreamFinding | None:
        return next((f for f in self.findings if f.kind == kind), None)


def monitor(reference: Frame, stream: Frame, evaluate: Evaluate, *, window: int = DEFAULT_WINDOW,
            band: dict | None = None, metric_name: str = "accuracy", higher_is_better: bool = True,
            has_target: bool = True, alpha: float = STREAM_ALPHA, share: float = DRIFT_SHARE,
            sustain: int = SUSTAIN, reliance=None, progress: Callable[[float], None] | None = None) -> MonitorResult:
    """Windows of ``window`` rows over ``stream`` (the last one may be shorter, but at least half a window).

    ``alpha`` is the chance, for the whole stream, that an unchanged stream shows a drifted feature in any
    window; ``reliance`` (a :class:`~core.drift.reliance.Reliance`) weighs the drifted features."""
    from core.drift.stream_findings import decline_finding, input_drift_finding
    if window < 10:
        raise ValueError(f"--window must be at least 10 rows, received {window}")
    starts = list(range(0, stream.n, window))
    if len(starts) > 1 and stream.n - starts[-1] < window // 2:
        starts.pop()  # a tail shorter than half a window joins the previous one
    per_window = alpha / max(1, len(starts))  # Bonferroni over the windows; compare() corrects for the features
    windows = []
    for i, s in enumerate(starts):
        e = starts[i + 1] if i + 1 < len(starts) else stream.n
        rep = compare(reference, stream.take(slice(s, e)), alpha=per_window, share=share)
        loss, metric, conf = evaluate(s, e)
        windows.append(Window(i, s, e - 1, e - s, loss, metric, rep.share, [f.name for f in rep.sorted() if f.drifted],
                              conf, {f.name: f.to_dict() for f in rep.features}))
        if progress is not None:
            progress((i + 1) / len(starts))
    findings = []
    drift = input_drift_finding(windows, sustain, share, reliance)
    if drift is not None:
        findings.append(drift)
    if has_target and band:
        decline = decline_finding(windows, band, metric_name, higher_is_better, sustain, drift)
        if decline is not None:
            findings.append(decline)
    return MonitorResult(windows, findings, metric_name, has_target, band or {}, alpha=alpha,
                         window_alpha=per_window, reliance=reliance)


def lead_time(result: MonitorResult) -> int | None:
    d, p = result.finding("input_drift"), result.finding("performance_decline")
    return None if d is None or p is None else p.start_window - d.start_window


def window_means(values: np.ndarray | None, s: int, e: int) -> float | None:
    return None if values is None or e <= s else float(np.mean(values[s:e]))
