"""The result table of a study: per setting, mean ± sd over seeds, and whether it beats seed noise.

The score that ranks settings is the best validation loss (the final training loss when the project
has no validation split): lower is better. Each setting is compared with the best one by Welch's
t-test (``scipy.stats.ttest_ind(equal_var=False)``: unequal variances, the safe default for a few
seeds); ``p_value_vs_best`` is its two-sided p-value, ``None`` for the best itself or with fewer than
two finished seeds on either side. A difference is called real at p < 0.05.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ALPHA = 0.05
FIELDS = ("final_train_loss", "best_val_loss", "best_epoch", "gap", "metric", "seconds")
LABELS = {"final_train_loss": "final train loss", "best_val_loss": "best val loss", "best_epoch": "best epoch",
          "gap": "gap at end", "metric": "metric", "seconds": "time (s)"}
TEST_NAME = "Welch's t-test (two-sided) on the score, vs the best setting"


@dataclass
class Row:
    setting: dict[str, Any]
    n: int                                   # seeds that finished (not failed or cancelled)
    runs: list[str | None]
    mean: dict[str, float | None]
    sd: dict[str, float | None]
    scores: list[float]
    failed: int = 0
    cancelled: int = 0
    overfit: int = 0
    diverged: int = 0
    metric_name: str | None = None
    p_value_vs_best: float | None = None
    is_best: bool = False
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)   # loss -> (mean, sd) per epoch
    messages: list[str] = field(default_factory=list)

    @property
    def differs(self) -> bool | None:
        return None if self.p_value_vs_best is None else self.p_value_vs_best < ALPHA

    def to_json(self) -> dict[str, Any]:
        return {"setting": self.setting, "n": self.n, "mean": self.mean, "sd": self.sd,
                "p_value_vs_best": self.p_value_vs_best, "runs": self.runs, "failed": self.failed,
                "cancelled": self.cancelled, "overfit": self.overfit, "diverged": self.diverged,
                "metric_name": self.metric_name, "best": self.is_best, "differs_from_best": self.differs,
                "errors": self.messages}


@dataclass
class StudyResult:
    study: str
    knobs: list[str]
    rows: list[Row]
    score: str                               # best_val_loss | final_train_loss
    best: Row | None

    def to_json(self) -> dict[str, Any]:
        return {"study": self.study, "knobs": self.knobs, "score": self.score, "test": TEST_NAME, "alpha": ALPHA,
                "rows": [r.to_json() for r in self.rows],
                "best": {"setting": self.best.setting, "mean": self.best.mean, "sd": self.best.sd} if self.best else None,
                "sentence": sentence(self)}


def _stats(values: list[float | None]) -> tuple[float | None, float | None]:
    v = [x for x in values if x is not None and math.isfinite(x)]
    if not v:
        return None, None
    return float(np.mean(v)), float(np.std(v, ddof=1)) if len(v) > 1 else 0.0


def welch_p(a: list[float], b: list[float]) -> float | None:
    """Two-sided p-value of Welch's t-test; ``None`` with fewer than two values on a side."""
    if len(a) < 2 or len(b) < 2:
        return None
    if np.std(a) == 0 and np.std(b) == 0:  # no seed noise at all: equal or plainly different
        return 1.0 if np.mean(a) == np.mean(b) else 0.0
    from scipy.stats import ttest_ind
    p = float(ttest_ind(a, b, equal_var=False).pvalue)
    return p if math.isfinite(p) else None


def _band(curves: list[list[float | None]]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd per epoch over seeds (seeds that stopped early drop out of the later epochs)."""
    if not curves:
        return np.zeros(0), np.zeros(0)
    n = max(len(c) for c in curves)
    a = np.full((len(curves), n), np.nan)
    for i, c in enumerate(curves):
        a[i, :len(c)] = [np.nan if v is None else v for v in c]
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(a, axis=0)
            sd = np.nanstd(a, axis=0, ddof=1) if len(curves) > 1 else np.zeros(n)
    return mean, np.nan_to_num(sd)


def summarize(study: str, knobs: list[str], settings: list[dict[str, Any]], outcomes: list[dict[str, Any]]) -> StudyResult:
    """The table for ``settings`` (in their order) from the trial outcomes seen so far."""
    by_key: dict[str, list[dict]] = {json.dumps(s, sort_keys=True): [] for s in settings}
    for o in outcomes:
        by_key.setdefault(json.dumps(o["setting"], sort_keys=True), []).append(o)
    has_val = any(o.get("best_val_loss") is not None for o in outcomes)
    score = "best_val_loss" if has_val or not outcomes else "final_train_loss"
    rows = []
    for s in settings:
        got = sorted(by_key[json.dumps(s, sort_keys=True)], key=lambda o: o["seed"])
        ok = [o for o in got if o["status"] not in ("failed", "cancelled")]
        mean, sd = {}, {}
        for f in FIELDS:
            mean[f], sd[f] = _stats([o.get(f) for o in ok])
        scores = [o[score] for o in ok if o.get(score) is not None and math.isfinite(o[score])]
        metric = next((o.get("metric_name") for o in ok if o.get("metric_name")), None)
        curves = {k: _band([o.get(f"{k}_curve") or [] for o in ok]) for k in ("train", "val")} if ok else {}
        rows.append(Row(s, len(ok), [o.get("run_id") for o in got], mean, sd, scores,
                        failed=sum(o["status"] == "failed" for o in got),
                        cancelled=sum(o["status"] == "cancelled" for o in got),
                        overfit=sum(bool(o.get("overfit")) for o in ok), diverged=sum(bool(o.get("diverged")) for o in ok),
                        metric_name=metric, curves=curves,
                        messages=sorted({o["message"] for o in got if o["status"] == "failed" and o.get("message")})))
    ranked = [r for r in rows if r.scores]
    best = min(ranked, key=lambda r: float(np.mean(r.scores))) if ranked else None
    if best is not None:
        best.is_best = True
        for r in rows:
            if r is not best and r.scores:
                r.p_value_vs_best = welch_p(r.scores, best.scores)
    return StudyResult(study, knobs, rows, score, best)


def _v(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def setting_label(setting: dict[str, Any]) -> str:
    """``ReLU`` for a named choice, ``lr=0.01`` for a number, both parts for two knobs."""
    if len(setting) == 1 and isinstance(next(iter(setting.values())), str):
        return next(iter(setting.values()))
    return ", ".join(f"{k}={_v(v)}" for k, v in setting.items())


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else "p < 0.01" if p < 0.01 else f"p = {p:.2f}"


def _ms(m: float, s: float | None, n: int) -> str:
    """``0.21 ± 0.02``; a single seed has no spread to show: ``0.21 (n=1)``."""
    return f"{m:.3g} ± {s:.2g}" if n > 1 and s is not None else f"{m:.3g} (n={n})"


def sentence(result: StudyResult) -> str:
    """One sentence of what the study found, e.g. "ReLU reached 0.21 ± 0.02; Sigmoid 0.35 ± 0.04,
    worse beyond noise (p < 0.01)"."""
    best = result.best
    if best is None:
        return "no trial finished, so there is nothing to compare"
    what = LABELS[result.score]
    m, s = best.mean[result.score], best.sd[result.score]
    parts = [f"{setting_label(best.setting)} reached the lowest {what}, {_ms(m, s, best.n)}"]
    for r in result.rows:
        if r is best:
            continue
        if not r.scores:
            why = ", ".join(x for x in (f"{r.failed} failed" if r.failed else "",
                                         f"{r.cancelled} cancelled" if r.cancelled else "") if x)
            parts.append(f"{setting_label(r.setting)} did not finish" + (f" ({why})" if why else ""))
            continue
        rm, rs = r.mean[result.score], r.sd[result.score]
        if r.p_value_vs_best is None:
            verdict = "too few seeds to tell"
        elif r.differs:
            verdict = f"worse beyond noise ({_p(r.p_value_vs_best)})"
        else:
            verdict = f"within seed noise ({_p(r.p_value_vs_best)})"
        parts.append(f"{setting_label(r.setting)} {_ms(rm, rs, r.n)}, {verdict}")
    return "; ".join(parts) + "."
