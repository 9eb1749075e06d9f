"""Performance over time: replay a time-ordered file through a trained model in windows.

Per window: the loss and metric (when the target is there), the drift of its inputs against the
training split, the share of drifted features and the model's mean confidence. Two findings:

- ``input_drift``: the data set verdict is ``drift`` in ``SUSTAIN`` windows in a row; dated from the
  start of the unbroken run of windows with drifted features that leads into it;
- ``performance_decline``: the first window from which the loss is above (or the metric beyond)
  the validation split's own sampling noise for a window of the same size, ``SUSTAIN`` windows in
  a row.

The lead time is how many windows drift was visible before performance fell.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from core.drift.frame import Frame
from core.drift.stats import ALPHA, DRIFT_SHARE, compare

SUSTAIN = 2
DEFAULT_WINDOW = 100

# (start, end) -> (loss | None, metric | None, confidence | None)
Evaluate = Callable[[int, int], tuple[float | None, float | None, float | None]]


@dataclass
class Window:
    index: int
    start_row: int
    end_row: int
    n: int
    loss: float | None
    metric: float | None
    drift_share: float
    drifted_features: list[str]
    confidence: float | None
    statistics: dict[str, dict] = field(default_factory=dict)

    def to_dict(self, metric_name: str) -> dict:
        return {"index": self.index, "start_row": self.start_row, "end_row": self.end_row, "n": self.n,
                "loss": _num(self.loss), metric_name: _num(self.metric), "drift_share": self.drift_share,
                "drifted_features": list(self.drifted_features), "confidence": _num(self.confidence)}


@dataclass(frozen=True)
class StreamFinding:
    kind: str
    start_window: int
    start_row: int
    features: list[str]
    message: str
    evidence: dict

    def to_dict(self) -> dict:
        return {"kind": self.kind, "start_window": self.start_window, "start_row": self.start_row,
                "features": list(self.features), "message": self.message, "evidence": dict(self.evidence)}


@dataclass
class MonitorResult:
    windows: list[Window]
    findings: list[StreamFinding]
    metric_name: str
    has_target: bool
    band: dict
    validation: tuple[float, float] | None = None
    no_loss: str = ""  # why there is no loss per window ("no trained model", "no target column ..."), if none

    def to_dict(self) -> dict:
        return {"windows": [w.to_dict(self.metric_name) for w in self.windows],
                "findings": [f.to_dict() for f in self.findings]}

    def finding(self, kind: str) -> StreamFinding | None:
        return next((f for f in self.findings if f.kind == kind), None)


def _num(v) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


def _first_sustained(flags: list[bool], sustain: int) -> int | None:
    run = 0
    for i, f in enumerate(flags):
        run = run + 1 if f else 0
        if run >= sustain:
            return i - sustain + 1
    return None


def _drift_start(windows: list[Window], share: float, sustain: int) -> tuple[int, int] | None:
    """(start, verdict): ``verdict`` is the first window of ``sustain`` in a row whose data set verdict is
    ``drift``; ``start`` goes back from it over the unbroken run of windows with drifted features, so a
    drift that builds up is dated from its first window, not from the one where it crossed the line."""
    at = _first_sustained([w.drift_share >= share and w.drift_share > 0 for w in windows], sustain)
    if at is None:
        return None
    start = at
    while start > 0 and windows[start - 1].drifted_features:
        start -= 1
    return start, at


def monitor(reference: Frame, stream: Frame, evaluate: Evaluate, *, window: int = DEFAULT_WINDOW,
            band: dict | None = None, metric_name: str = "accuracy", higher_is_better: bool = True,
            has_target: bool = True, alpha: float = ALPHA, share: float = DRIFT_SHARE,
            sustain: int = SUSTAIN, progress: Callable[[float], None] | None = None) -> MonitorResult:
    """Windows of ``window`` rows over ``stream`` (the last one may be shorter, but at least half a window)."""
    if window < 10:
        raise ValueError(f"--window must be at least 10 rows, received {window}")
    starts = list(range(0, stream.n, window))
    if len(starts) > 1 and stream.n - starts[-1] < window // 2:
        starts.pop()  # a tail shorter than half a window joins the previous one
    windows = []
    for i, s in enumerate(starts):
        e = starts[i + 1] if i + 1 < len(starts) else stream.n
        rep = compare(reference, stream.take(slice(s, e)), alpha=alpha, share=share)
        loss, metric, conf = evaluate(s, e)
        windows.append(Window(i, s, e - 1, e - s, loss, metric, rep.share, [f.name for f in rep.sorted() if f.drifted],
                              conf, {f.name: f.to_dict() for f in rep.features}))
        if progress is not None:
            progress((i + 1) / len(starts))
    findings = []
    drift_at = _drift_start(windows, share, sustain)
    if drift_at is not None:
        first, w = windows[drift_at[0]], windows[drift_at[1]]  # where it starts; where the verdict holds
        feats = w.drifted_features
        top = {f: w.statistics[f] for f in feats[:5]}
        n_all = len(w.statistics)

        def count(names: list[str]) -> str:
            return f"{len(names)} of {n_all} feature{'s' if n_all != 1 else ''} ({', '.join(names[:5])})"
        if first is w:
            told = f"{count(feats)} differ from the training data"
        else:  # a drift that builds up: where it starts, and where it holds
            told = (f"{count(first.drifted_features)} there, {count(feats)} from window {w.index} on, against the "
                    "training data")
        findings.append(StreamFinding(
            "input_drift", first.index, first.start_row, feats,
            f"the inputs drift from window {first.index} (rows {first.start_row}-{first.end_row}): {told}",
            {"drift_share": w.drift_share, **{f"{k}_psi": v["psi"] for k, v in top.items()},
             **{f"{k}_statistic": v["statistic"] for k, v in top.items()}}))
        drift_at = first.index
    decline_at = None
    if has_target and band:
        loss_hi = band["loss"][2]
        m_base, m_lo, m_hi = band[metric_name]
        bad = []
        for w in windows:
            worse_metric = (w.metric < m_lo) if higher_is_better else (w.metric > m_hi)
            bad.append(w.loss is not None and (w.loss > loss_hi or worse_metric))
        decline_at = _first_sustained(bad, sustain)
        if decline_at is not None:
            w = windows[decline_at]
            lead = None if drift_at is None else decline_at - drift_at
            if lead is None:
                lead_text = "; the inputs showed no sustained drift"
            elif lead > 0:
                lead_text = f"; the input drift was visible {lead} window{'s' if lead != 1 else ''} earlier"
            elif lead < 0:
                lead_text = "; it came before the input drift was clear"
            else:
                lead_text = "; it started with the input drift"
            findings.append(StreamFinding(
                "performance_decline", decline_at, w.start_row, list(w.drifted_features),
                f"performance falls from window {decline_at} (rows {w.start_row}-{w.end_row}): loss "
                f"{w.loss:.3f} against {band['loss'][0]:.3f} on validation (noise up to {loss_hi:.3f}), "
                f"{metric_name} {w.metric:.3f} against {m_base:.3f}{lead_text}",
                {"loss": w.loss, "validation_loss": band["loss"][0], "validation_loss_high": loss_hi,
                 metric_name: w.metric, f"validation_{metric_name}": m_base,
                 "lead_windows": lead if lead is not None else float("nan")}))
    return MonitorResult(windows, findings, metric_name, has_target, band or {})


def lead_time(result: MonitorResult) -> int | None:
    d, p = result.finding("input_drift"), result.finding("performance_decline")
    return None if d is None or p is None else p.start_window - d.start_window


def window_means(values: np.ndarray | None, s: int, e: int) -> float | None:
    return None if values is None or e <= s else float(np.mean(values[s:e]))
