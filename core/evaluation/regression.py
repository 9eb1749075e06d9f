"""Regression heads: residuals by target range and the largest errors."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RANGES = 5            # target ranges (quantile bins of the given values)


@dataclass
class ResidualSummary:
    """``ranges``: one dict per target range (``low``, ``high``, ``count``, ``mean_residual`` = the bias,
    ``mean_abs``, ``rmse``) over the first target column; ``worst``: sample indices, largest absolute
    error first; ``residuals``: predicted - given, per sample (first column)."""

    ranges: list[dict]
    worst: np.ndarray
    residuals: np.ndarray
    mae: float
    rmse: float

    def to_dict(self, limit: int = 10) -> dict:
        return {"mae": self.mae, "rmse": self.rmse, "ranges": self.ranges,
                "worst": [{"row": int(i), "residual": float(self.residuals[i])} for i in self.worst[:limit]]}


def residual_summary(labels: np.ndarray, predicted: np.ndarray, ranges: int = RANGES) -> ResidualSummary:
    """Residuals of a regression head (``labels``/``predicted``: ``(N,)`` or ``(N, width)``; the ranges
    and residuals use the first column, the worst samples the error over all columns)."""
    y = np.asarray(labels, dtype=np.float64).reshape(len(labels), -1)
    p = np.asarray(predicted, dtype=np.float64).reshape(len(predicted), -1)
    res = p[:, 0] - y[:, 0]
    err = np.sqrt(((p - y) ** 2).mean(axis=1))
    edges = np.unique(np.quantile(y[:, 0], np.linspace(0, 1, ranges + 1))) if y.size else np.array([])
    rows = []
    for k in range(max(len(edges) - 1, 0)):
        lo, hi = edges[k], edges[k + 1]
        inside = (y[:, 0] >= lo) & ((y[:, 0] < hi) if k < len(edges) - 2 else (y[:, 0] <= hi))
        r = res[inside]
        if r.size:
            rows.append({"low": float(lo), "high": float(hi), "count": int(r.size), "mean_residual": float(r.mean()),
                         "mean_abs": float(np.abs(r).mean()), "rmse": float(np.sqrt((r ** 2).mean()))})
    worst = np.argsort(-err, kind="stable")
    return ResidualSummary(rows, worst, res, float(np.abs(p - y).mean()) if y.size else 0.0,
                           float(np.sqrt(((p - y) ** 2).mean())) if y.size else 0.0)
