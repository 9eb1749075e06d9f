"""Per-feature drift statistics between a reference (the training split) and new data.

Numeric features: the two-sample Kolmogorov-Smirnov test (``scipy.stats.ks_2samp``). Categorical
features: the chi-square test of the 2 x k table of counts (``scipy.stats.chi2_contingency``). For
both, the population stability index (PSI) and the share of new values the reference never had
(outside its range, or an unseen category).

Many features are tested at once, so the p-values are corrected with **Bonferroni** (as
alibi-detect does by default): the chance that any feature of an unchanged data set is flagged
stays below ``alpha``. A feature drifts when its corrected p-value is below ``alpha`` *and* its
PSI is at least ``PSI_MIN`` (0.1, the usual "moderate shift" line): with a million rows a
p-value flags differences too small to matter, and the PSI guard keeps those out.

The verdict has three levels and never reads "stable" while a feature drifts: ``stable`` (no
feature drifted), ``features_drifted`` (some did, fewer than ``DRIFT_SHARE`` of them: the common,
dangerous case of drift in the few features that matter) and ``dataset_drifted`` (at least that
share did). Drifted features lead the report, with their PSI and, when a model is known, the share
of the model's reliance they carry.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from core.drift.frame import CATEGORICAL_KIND, Frame

ALPHA = 0.05
PSI_MIN = 0.1
PSI_BINS = 10
PSI_FLOOR = 1e-4        # an empty bin counts as this share, so PSI stays finite
DRIFT_SHARE = 0.2       # the data set drifts when at least this share of its features does
CORRECTION = "bonferroni"
STABLE, FEATURES_DRIFTED, DATASET_DRIFTED = "stable", "features_drifted", "dataset_drifted"
VERDICT_WORDS = {STABLE: "stable", FEATURES_DRIFTED: "features drifted", DATASET_DRIFTED: "data set drifted"}


@dataclass
class FeatureDrift:
    name: str
    test: str                       # "ks" | "chi2"
    statistic: float
    p_value: float
    p_adjusted: float
    psi: float
    out_of_range: float             # share of new values outside the reference range / unseen
    drifted: bool
    n_reference: int
    n_new: int
    unseen: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"name": self.name, "test": self.test, "statistic": _num(self.statistic),
                "p_value": _num(self.p_value), "psi": _num(self.psi), "out_of_range": _num(self.out_of_range),
                "drifted": self.drifted}


def _num(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


def psi_numeric(ref: np.ndarray, new: np.ndarray, bins: int = PSI_BINS) -> float:
    """PSI with bins at the reference's quantiles (open-ended outer bins); empty bins floored."""
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    r = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1) / len(ref)
    n = np.bincount(np.searchsorted(edges, new, side="right"), minlength=len(edges) + 1) / len(new)
    return psi_shares(r, n)


def psi_shares(r: np.ndarray, n: np.ndarray) -> float:
    r, n = np.maximum(r, PSI_FLOOR), np.maximum(n, PSI_FLOOR)
    return float(np.sum((n - r) * np.log(n / r)))


def _numeric(name: str, ref: np.ndarray, new: np.ndarray) -> FeatureDrift:
    ref, new = ref[~np.isnan(ref)], new[~np.isnan(new)]
    if len(ref) == 0 or len(new) == 0:
        return FeatureDrift(name, "ks", math.nan, 1.0, 1.0, 0.0, 0.0, False, len(ref), len(new))
    with warnings.catch_warnings():  # "exact calculation unsuccessful, switching to asymp": expected for big n
        warnings.simplefilter("ignore", RuntimeWarning)
        ks = stats.ks_2samp(ref, new)
    outside = float(np.mean((new < ref.min()) | (new > ref.max())))
    return FeatureDrift(name, "ks", float(ks.statistic), float(ks.pvalue), 1.0, psi_numeric(ref, new), outside,
                        False, len(ref), len(new))


def _categorical(name: str, ref: np.ndarray, new: np.ndarray) -> FeatureDrift:
    ref = np.asarray([v for v in ref if v is not None], dtype=object).astype(str)
    new = np.asarray([v for v in new if v is not None], dtype=object).astype(str)
    if len(ref) == 0 or len(new) == 0:
        return FeatureDrift(name, "chi2", math.nan, 1.0, 1.0, 0.0, 0.0, False, len(ref), len(new))
    cats = sorted(set(ref) | set(new))
    index = {c: i for i, c in enumerate(cats)}
    rc = np.bincount([index[v] for v in ref], minlength=len(cats))
    nc = np.bincount([index[v] for v in new], minlength=len(cats))
    seen = set(ref)
    unseen = {c: int(nc[index[c]]) for c in cats if c not in seen and nc[index[c]]}
    if len(cats) < 2:
        stat, p = 0.0, 1.0
    else:
        res = stats.chi2_contingency(np.stack([rc, nc]))
        stat, p = float(res.statistic), float(res.pvalue)
    psi = psi_shares(rc / rc.sum(), nc / nc.sum())
    return FeatureDrift(name, "chi2", stat, p, 1.0, psi, sum(unseen.values()) / len(new), False,
                        len(ref), len(new), unseen)


def feature_drift(name: str, kind: str, ref: np.ndarray, new: np.ndarray) -> FeatureDrift:
    """One feature's statistics (not yet corrected for the other features)."""
    return _categorical(name, ref, new) if kind == CATEGORICAL_KIND else _numeric(name, ref, new)


@dataclass
class DriftReport:
    features: list[FeatureDrift]
    alpha: float = ALPHA
    share_threshold: float = DRIFT_SHARE
    output: dict | None = None       # the model's predictions/confidence, when a model was given
    reliance: object | None = None   # the model's :class:`~core.drift.reliance.Reliance`, when known
    compared: str = ""               # what was compared, in words ("30 columns of a.csv and b.csv; ...")

    @property
    def drifted(self) -> list[FeatureDrift]:
        return [f for f in self.features if f.drifted]

    @property
    def share(self) -> float:
        return len(self.drifted) / len(self.features) if self.features else 0.0

    @property
    def verdict(self) -> str:
        """``stable`` | ``features_drifted`` | ``dataset_drifted`` (see the module doc)."""
        if not self.drifted:
            return STABLE
        return DATASET_DRIFTED if self.share >= self.share_threshold else FEATURES_DRIFTED

    @property
    def verdict_words(self) -> str:
        return VERDICT_WORDS[self.verdict]

    def sorted(self) -> list[FeatureDrift]:
        """Most drifted first: drifted ones, then by PSI."""
        return sorted(self.features, key=lambda f: (not f.drifted, -(f.psi or 0.0)))

    def reliance_share(self) -> float | None:
        """The share of the model's reliance that the drifted features carry, when a model is known."""
        return None if self.reliance is None else self.reliance.share_of(f.name for f in self.drifted)

    def to_dict(self) -> dict:
        out = {"verdict": self.verdict, "headline": self.headline(),
               "drifted_features": [f.name for f in self.sorted() if f.drifted],
               "features": [f.to_dict() for f in self.features]}
        if self.reliance is not None:
            out["reliance_share"] = self.reliance_share()
            for f in out["features"]:
                f["reliance"] = self.reliance.shares.get(f["name"], 0.0)
        if self.compared:
            out["compared"] = self.compared
        return out

    def headline(self) -> str:
        """The verdict in one line, the drifted features first: the same words in the CLI and the window."""
        n, drifted = len(self.features), [f for f in self.sorted() if f.drifted]
        if not drifted:
            return (f"stable: none of {n} feature{'s' if n != 1 else ''} drifted (corrected p < {self.alpha:g} "
                    f"and PSI >= {PSI_MIN:g})")
        named = ", ".join(f"{f.name} (PSI {_fmt(f.psi)})" for f in drifted[:6]) + (", ..." if len(drifted) > 6 else "")
        text = f"{self.verdict_words}: {len(drifted)} of {n} feature{'s' if n != 1 else ''} drifted: {named}"
        share = self.reliance_share()
        if share is not None:
            carry = "together they carry" if len(drifted) > 1 else "it carries"
            text += f"; {carry} {share:.0%} of the model's reliance"
        if self.verdict == FEATURES_DRIFTED:
            text += (f" (the data set as a whole counts as drifted from {self.share_threshold:.0%} of its features; "
                     f"{self.share:.0%} did)")
        return text

    def lines(self) -> list[str]:
        """A readable report."""
        rows = [f"verdict: {self.headline()}"]
        if self.compared:
            rows.append(f"compared: {self.compared}")
        rows += [f"p-values Bonferroni-corrected for {len(self.features)} tests at alpha {self.alpha:g}; a feature "
                 f"drifts when its corrected p < {self.alpha:g} and PSI >= {PSI_MIN:g} (0.25: a large shift)",
                 f"  {'feature':<24} {'test':<5} {'statistic':>10} {'p (corr.)':>10} {'PSI':>7} "
                 f"{'outside':>8}  drifted" + ("  reliance" if self.reliance is not None else "")]
        for f in self.sorted():
            rel = f"  {self.reliance.shares.get(f.name, 0.0):>7.0%}" if self.reliance is not None else ""
            rows.append(f"  {f.name[:24]:<24} {f.test:<5} {_fmt(f.statistic):>10} {_fmt(f.p_adjusted):>10} "
                        f"{_fmt(f.psi):>7} {f.out_of_range:>8.1%}  {'yes' if f.drifted else 'no':<7}{rel}")
            if f.unseen:
                seen = ", ".join(f"{k[:20]!r} x{v}" for k, v in sorted(f.unseen.items(), key=lambda kv: -kv[1])[:5])
                rows.append(f"    unseen categories: {seen}")
        if self.output:
            o = self.output
            rows.append(f"model output: {o['message']}")
        return rows


def _fmt(v: float) -> str:
    if v is None or not math.isfinite(v):
        return "-"
    return f"{v:.3g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.1e}"


def compare(reference: Frame, new: Frame, *, alpha: float = ALPHA, share: float = DRIFT_SHARE,
            names: list[str] | None = None) -> DriftReport:
    """Every shared feature's drift, corrected for the number of features tested."""
    names = names if names is not None else [n for n in reference.names if n in new.columns]
    features = [feature_drift(n, reference.kinds[n], reference.columns[n], new.columns[n]) for n in names]
    m = len(features)
    for f in features:
        f.p_adjusted = min(1.0, f.p_value * m)
        f.drifted = bool(f.p_adjusted < alpha and f.psi >= PSI_MIN)
    return DriftReport(features, alpha, share)


def output_drift(ref_values: np.ndarray, new_values: np.ndarray, what: str, alpha: float = ALPHA) -> dict:
    """The change in the distribution of a model's outputs (confidence or predicted values): KS + PSI."""
    f = _numeric(what, np.asarray(ref_values, np.float64), np.asarray(new_values, np.float64))
    drifted = bool(f.p_value < alpha and f.psi >= PSI_MIN)
    msg = (f"{what} {np.mean(ref_values):.3g} on the reference, {np.mean(new_values):.3g} on the new data "
           f"(KS {_fmt(f.statistic)}, p {_fmt(f.p_value)}, PSI {_fmt(f.psi)}): "
           + ("changed" if drifted else "no clear change"))
    return {"what": what, "reference_mean": float(np.mean(ref_values)), "new_mean": float(np.mean(new_values)),
            "statistic": _num(f.statistic), "p_value": _num(f.p_value), "psi": _num(f.psi), "drifted": drifted,
            "message": msg}
