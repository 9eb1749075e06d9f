"""The result table of a study: per setting, mean ± sd over seeds, the difference from the best with its
95% confidence interval, and whether it is distinguishable from the best after correcting for the
number of comparisons.

The score that ranks settings is the validation loss *at the end* of each run (the mean of its last
five epochs, :mod:`core.studies.scores`), the training loss when the project has no validation split:
lower is better. Each setting is compared with the best by Welch's t-test; ``p_value_vs_best`` is its
raw two-sided p-value, ``p_value_adjusted`` the same after Holm-Bonferroni over every pair of settings
in the study (:mod:`core.studies.stats`), ``None`` for the best itself or with fewer than two finished
seeds on either side. A difference is called real when the adjusted p-value is below 0.05.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .outcome import TrialOutcome, outcomes_of
from .scores import LABELS, score_description
from .stats import ALPHA, CORRECTION, TEST, pairwise_holm, welch

FIELDS = ("end_val_loss", "end_train_loss", "final_train_loss", "best_val_loss", "best_epoch", "gap", "metric",
          "seconds")
METRIC_WORDS = {"val_accuracy": "validation accuracy", "val_r2": "validation R²", "val_mae": "validation mean abs. error"}
TEST_NAME = f"{TEST} on the score, against the best setting"


def metric_words(name: str | None) -> str:
    """``val_accuracy`` -> "validation accuracy" (the end of each run, like the score)."""
    return METRIC_WORDS.get(name or "", (name or "metric").replace("_", " "))


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
    early_dip: int = 0                       # seeds whose lowest validation loss was an early dip
    metric_name: str | None = None
    p_value_vs_best: float | None = None
    p_value_adjusted: float | None = None
    difference_vs_best: float | None = None
    ci95: tuple[float, float] | None = None
    is_best: bool = False
    train_samples: int | None = None         # data_size: training samples the setting keeps
    same_data_as: list[Any] = field(default_factory=list)   # data_size values merged into this row
    lrs: list[float] = field(default_factory=list)          # learning rate of each seed (tuned studies)
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)   # loss -> (mean, sd) per epoch
    messages: list[str] = field(default_factory=list)
    pending: bool = False                    # no trial of it has reported yet and the study still runs

    @property
    def differs(self) -> bool | None:
        """Distinguishable from the best after the correction (``None``: not tested)."""
        return None if self.p_value_adjusted is None else self.p_value_adjusted < ALPHA

    @property
    def dip_flagged(self) -> bool:
        """At least half of the finished seeds had an early dip."""
        return self.n > 0 and 2 * self.early_dip >= self.n

    def to_json(self) -> dict[str, Any]:
        from .words import verdict
        return {"setting": self.setting, "training_samples": self.train_samples, "same_data_as": self.same_data_as,
                "n": self.n, "mean": self.mean, "sd": self.sd, "difference_vs_best": self.difference_vs_best,
                "ci95": list(self.ci95) if self.ci95 else None, "p_value_vs_best": self.p_value_vs_best,
                "p_value_adjusted": self.p_value_adjusted, "verdict": verdict(self),
                "early_dip": {"runs": self.early_dip, "of": self.n, "flagged": self.dip_flagged},
                "lr": self.lrs or None, "runs": self.runs, "failed": self.failed, "cancelled": self.cancelled,
                "overfit": self.overfit, "diverged": self.diverged, "metric_name": self.metric_name,
                "metric_label": metric_words(self.metric_name), "best": self.is_best,
                "differs_from_best": self.differs, "errors": self.messages}


@dataclass
class StudyResult:
    study: str
    knobs: list[str]
    rows: list[Row]
    score: str                               # end_val_loss | end_train_loss
    best: Row | None
    comparisons: int = 0                     # tests in Holm's family: every testable pair of settings
    comparison: str = ""                     # what is compared: "every optimizer at lr 0.005" ...
    notes: list[str] = field(default_factory=list)
    baseline: dict[str, Any] = field(default_factory=dict)   # a study against one setting (the small-data preset)
    versus: list = field(default_factory=list)               # core.studies.versus.Versus, one per other setting

    @property
    def correction(self) -> str:
        if self.comparisons <= 1:
            return f"{CORRECTION} over the study's one comparison (nothing to correct)"
        return (f"{CORRECTION} over all {self.comparisons} pairwise comparisons of this study's settings "
                "(the best is picked from the same runs, so every pair counts)")

    def to_json(self) -> dict[str, Any]:
        from .words import sentence
        return {"study": self.study, "knobs": self.knobs, "score": self.score, "score_label": LABELS[self.score],
                "score_description": score_description(self.score), "comparison": self.comparison,
                "test": TEST_NAME, "correction": {"method": CORRECTION, "comparisons": self.comparisons,
                                                  "description": self.correction},
                "alpha": ALPHA, "notes": self.notes, "rows": [r.to_json() for r in self.rows],
                "best": {"setting": self.best.setting, "mean": self.best.mean, "sd": self.best.sd} if self.best else None,
                "sentence": sentence(self),
                **({"baseline": self.baseline, "versus_baseline": [v.to_json(", ".join(map(str, self.baseline.values())))
                                                                   for v in self.versus]} if self.baseline else {})}


def _stats(values: list[float | None]) -> tuple[float | None, float | None]:
    v = [x for x in values if x is not None and math.isfinite(x)]
    if not v:
        return None, None
    return float(np.mean(v)), float(np.std(v, ddof=1)) if len(v) > 1 else 0.0


def welch_p(a: list[float], b: list[float]) -> float | None:
    """Two-sided p-value of Welch's t-test; ``None`` with fewer than two values on a side."""
    c = welch(a, b)
    return None if c is None else c.p_value


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


def _key(setting: dict[str, Any]) -> str:
    return json.dumps(setting, sort_keys=True)


def _finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def _row(s: dict[str, Any], got: list[TrialOutcome], score: str) -> Row:
    ok = [o for o in got if o.finished]
    mean, sd = {}, {}
    for f in FIELDS:
        mean[f], sd[f] = _stats([o.score(f) for o in ok])
    scores = [o.score(score) for o in ok if _finite(o.score(score))]
    metric = next((o.metric_name for o in ok if o.metric_name), None)
    curves = {"train": _band([list(o.train_curve) for o in ok]), "val": _band([list(o.val_curve) for o in ok])} if ok else {}
    return Row(s, len(ok), [o.run_id for o in got], mean, sd, scores,
               failed=sum(o.status == "failed" for o in got), cancelled=sum(o.status == "cancelled" for o in got),
               overfit=sum(o.overfit for o in ok), diverged=sum(o.diverged for o in ok),
               early_dip=sum(o.early_dip for o in ok), metric_name=metric, curves=curves,
               train_samples=next((o.train_samples for o in ok if o.train_samples), None),
               lrs=[o.lr for o in ok if o.lr_source and o.lr is not None],
               messages=sorted({o.message for o in got if o.status == "failed" and o.message}))


def summarize(study: str, knobs: list[str], settings: list[dict[str, Any]],
              outcomes: list[TrialOutcome] | list[dict[str, Any]], *,
              samples: dict[str, int] | None = None, same_data: dict[str, list[Any]] | None = None,
              comparison: str = "", notes: list[str] | None = None, running: bool = False) -> StudyResult:
    """The table for ``settings`` (in their order) from the trial outcomes seen so far.

    ``samples`` and ``same_data`` (by setting, as JSON) come from the plan: the training samples each
    data size keeps, and the sizes merged into it because they keep as many. ``outcomes`` may be
    :class:`TrialOutcome` objects or their dict form (a results file). ``running``: the study still runs,
    so a setting none of whose trials has reported is waiting its turn (:attr:`Row.pending`), not failed."""
    outcomes = outcomes_of(outcomes)
    by_key: dict[str, list[TrialOutcome]] = {_key(s): [] for s in settings}
    for o in outcomes:
        by_key.setdefault(_key(o.setting), []).append(o)
    has_val = any(o.end_val_loss is not None or o.best_val_loss is not None for o in outcomes)
    score = "end_val_loss" if has_val or not outcomes else "end_train_loss"
    rows = []
    for s in settings:
        row = _row(s, sorted(by_key[_key(s)], key=lambda o: o.seed), score)
        row.train_samples = (samples or {}).get(_key(s), row.train_samples)
        row.same_data_as = list((same_data or {}).get(_key(s), []))
        row.pending = running and not by_key[_key(s)]
        rows.append(row)
    ranked = [r for r in rows if r.scores]
    best = min(ranked, key=lambda r: float(np.mean(r.scores))) if ranked else None
    adjusted, m = pairwise_holm([r.scores for r in ranked])
    if best is not None:
        best.is_best = True
        b = ranked.index(best)
        for i, r in enumerate(ranked):
            c = welch(r.scores, best.scores) if r is not best else None
            if c is not None:
                r.p_value_vs_best, r.difference_vs_best, r.ci95 = c.p_value, c.difference, c.ci95
                r.p_value_adjusted = adjusted[(min(i, b), max(i, b))]
            elif r is not best and best.scores:
                r.difference_vs_best = float(np.mean(r.scores) - np.mean(best.scores))
    return StudyResult(study, knobs, rows, score, best, m, comparison, list(notes or []))
