"""Learning curve: validation loss against the training-set size, a power law with an offset fitted to it
(loss ≈ a·n^(−b) + c, Hestness et al. 2017), and what more data is worth, in one sentence.

The study itself is the data-size study of :mod:`core.studies.batch` (stratified subsets of the training
split, several seeds per size, :func:`learning_curve_sizes` log-spaced). :func:`learning_curve` reads its
outcomes: per size the mean and sd over seeds of :func:`curve_score` (under the default ``"steps"`` budget
each run's lowest validation loss, every size trained for the full split's steps; under ``"epochs"`` its
validation loss at the end; the training loss without a validation split), a weighted least-squares fit
(each size weighted by its standard error over seeds, floored so one lucky size with three equal seeds
cannot pin the curve; for each exponent the other two parameters are a closed-form linear fit, so
hundreds of fits take milliseconds) and a bootstrap that gives every forecast its 95% interval.

Hestness et al. describe a small-data region before the power-law region, where the loss stays near that
of the best guess without the data. The smallest sizes whose loss is still near the trivial predictor's
(:func:`small_data_sizes`) are left out of the fit; they bent it steeply down and the forecasts came out
too low (spiral: −53%). Where the power law begins past them is still uncertain, so the bootstrap pools
fits on the sizes from the first, the second, ... onwards (at least :data:`MIN_FIT` each) with the seed
resampling: the forecast is the median of the pooled draws and the interval their 2.5-97.5 percentiles.

It says so instead of forecasting when too few sizes lie past the small-data region, when the curve has
flattened (the fitted drop from the largest size to 10x it is within the seed noise, or the exponent is
about zero) or when the points do not follow the law (the fit explains too little of the spread between
sizes, or it fails).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

MIN_SIZES = 5                 # a 3-parameter curve needs more points than parameters, and some to spare
BOOTSTRAP = 300
MIN_R2 = 0.8                  # the fit must explain this share of the spread of the means between sizes
FLAT_B = 0.02                 # an exponent below this is "no measurable gain from more data"
REL_SD_FLOOR = 0.01           # each size's standard error is at least 1% of its mean (weights stay finite)
FORECAST_FACTORS = (2.0, 10.0)
MIN_FIT = 4                   # sizes past the small-data region a forecast needs (3 parameters + 1)
STEEP_DROP = 0.10             # a forecast at 2x this much below the largest size's loss: more data would pay
SMALL_DATA_SHARE = 0.8        # a mean loss at or above this share of the trivial predictor's: small-data region


@dataclass(frozen=True)
class SizePoint:
    fraction: float
    n: int                       # training samples the size keeps
    mean: float
    sd: float
    scores: tuple[float, ...]    # one per finished seed


@dataclass(frozen=True)
class Forecast:
    n: int
    loss: float
    low: float
    high: float
    label: str = ""              # "full training split", "2x", "10x"


@dataclass
class CurveFit:
    a: float | None = None
    b: float | None = None
    c: float | None = None
    ok: bool = False
    r2: float | None = None
    verdict: str = "poor"        # "forecast" | "flat" | "poor" | "too few"
    reason: str = ""

    def law(self) -> str:
        """The fitted curve in words: ``loss ≈ 2.3·n^−0.52 + 0.081`` (no ``+ 0`` when c sits at 0)."""
        if self.a is None:
            return ""
        return f"loss ≈ {self.a:.3g}·n^−{self.b:.2f}" + (f" + {self.c:.3g}" if self.c else "")


@dataclass
class LearningCurve:
    points: list[SizePoint]
    fit: CurveFit
    forecast: list[Forecast] = field(default_factory=list)
    n_full: int | None = None
    sentence: str = ""
    small_data: int = 0          # the smallest sizes left out of the fit as the small-data region
    budget: str = ""             # how each size was trained: "steps" (the full split's steps) or "epochs"
    finding: str = ""            # when more data would pay: that, and the small-data preset to try meanwhile

    def predict(self, n: float | np.ndarray) -> float | np.ndarray:
        """The fitted curve at ``n`` training samples (NaN without a fit)."""
        if self.fit.a is None:
            return np.full(np.shape(n), np.nan) if np.ndim(n) else float("nan")
        return power_law(np.asarray(n, dtype=np.float64), self.fit.a, self.fit.b, self.fit.c)

    def to_json(self) -> dict[str, Any]:
        """``{"sizes": [{fraction, n, mean, sd}], "fit": {a, b, c, ok, ...}, "forecast": [{n, loss, low, high}]}``."""
        f = self.fit
        return {"sizes": [{"fraction": p.fraction, "n": p.n, "mean": _num(p.mean), "sd": _num(p.sd),
                           "seeds": len(p.scores)} for p in self.points],
                "fit": {"a": _num(f.a), "b": _num(f.b), "c": _num(f.c), "ok": f.ok, "r2": _num(f.r2),
                        "verdict": f.verdict, "reason": f.reason},
                "forecast": [{"n": x.n, "loss": _num(x.loss), "low": _num(x.low), "high": _num(x.high),
                              "label": x.label} for x in self.forecast],
                "n_full": self.n_full, "small_data_sizes": self.small_data, "budget": self.budget or None,
                "sentence": self.sentence, "finding": self.finding or None}


def _num(v: float | None) -> float | None:
    """JSON has no NaN: a missing or non-finite number is null."""
    return float(v) if v is not None and math.isfinite(v) else None


def power_law(n: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
    return a * np.power(n, -b) + c


def learning_curve_sizes(n_train: int, n_classes: int = 0, count: int = 6, largest: float = 1.0) -> tuple[float, ...]:
    """``count`` log-spaced shares of the training split up to ``largest``, the smallest keeping at least
    4 samples per class (or 16 samples), rounded to 4 places; sizes that keep as many samples are merged."""
    if count < 2:
        raise ValueError(f"a learning curve needs at least 2 sizes, received {count}")
    floor = min(largest, max(16, 4 * n_classes) / max(1, n_train))
    out: list[float] = []
    for f in np.geomspace(max(floor, largest / 64), largest, count):
        v = round(float(f), 4)
        if v > 0 and (not out or int(v * n_train) > int(out[-1] * n_train)):
            out.append(v)
    return tuple(out)


def points_from_outcomes(outcomes: Sequence[Any], score: str = "end_val_loss") -> list[SizePoint]:
    """Per data size (``setting["data_size"]``): the finished seeds' ``score``, mean and sd, by size
    (``outcomes``: :class:`~core.studies.outcome.TrialOutcome` objects or their dict form)."""
    from .outcome import outcomes_of
    by: dict[float, list[Any]] = {}
    for o in outcomes_of(outcomes):
        size = o.setting.get("data_size")
        if size is None or not o.finished:
            continue
        by.setdefault(float(size), []).append(o)
    out = []
    for size, rows in sorted(by.items()):
        values = [o.score(score) for o in rows]
        scores = tuple(float(v) for v in values if v is not None and math.isfinite(v))
        if not scores:
            continue
        n = int(rows[0].train_samples or 0)
        out.append(SizePoint(size, n, float(np.mean(scores)), float(np.std(scores, ddof=1)) if len(scores) > 1 else 0.0,
                             scores))
    return out


B_GRID = np.linspace(0.0, 3.0, 601)   # exponents tried; for each, a and c are a weighted linear fit


def fit_power_laws(n: np.ndarray, ys: np.ndarray, sigmas: np.ndarray) -> np.ndarray:
    """Weighted least-squares fits of ``a·n^(−b) + c`` to each row of ``ys`` (shape (D, k)), with
    ``a >= 0`` and ``c`` between ``min(0, 2·min(y))`` and ``max(y)``: for each exponent of :data:`B_GRID`
    the best ``a, c`` are a closed-form linear fit (clipped to the bounds), and the exponent with the
    least weighted squared error wins. Returns (D, 3) rows of ``a, b, c``. Vectorised: a bootstrap of
    hundreds of fits takes milliseconds (scipy's bounded curve_fit took about 50 ms a fit)."""
    ys = np.atleast_2d(ys).astype(np.float64)
    w = 1.0 / np.atleast_2d(sigmas).astype(np.float64) ** 2                  # (D, k)
    x = np.power(n[None, :], -B_GRID[:, None])                             # (G, k)
    lo = np.minimum(0.0, ys.min(axis=1) - np.abs(ys.min(axis=1)))[:, None]  # (D, 1)
    hi = ys.max(axis=1)[:, None]
    sw = w.sum(axis=1)[:, None]                                            # (D, 1)
    sy = (w * ys).sum(axis=1)[:, None]
    sx = w @ x.T                                                           # (D, G)
    sxx = w @ (x * x).T
    sxy = (w * ys) @ x.T
    det = sw * sxx - sx * sx
    with np.errstate(divide="ignore", invalid="ignore"):
        a = (sw * sxy - sx * sy) / det
        c = (sxx * sy - sx * sxy) / det
        flat = ~np.isfinite(a) | (det <= 1e-12 * sw * sxx) | (a < 0)       # b = 0 (x constant) or a falling curve
        a = np.where(flat, 0.0, a)
        c = np.where(flat, np.broadcast_to(sy / sw, a.shape), c)
        for bound in (lo, hi):                                             # c pinned at a bound: a refitted
            out = c < bound if bound is lo else c > bound
            a_b = np.maximum(0.0, (sxy - bound * sx) / np.where(sxx > 0, sxx, 1.0))
            a = np.where(out, a_b, a)
            c = np.where(out, np.broadcast_to(bound, c.shape), c)
    err = (w[:, None, :] * (ys[:, None, :] - a[:, :, None] * x[None, :, :] - c[:, :, None]) ** 2).sum(axis=2)
    best = np.nanargmin(np.where(np.isfinite(err), err, np.inf), axis=1)
    rows = np.arange(ys.shape[0])
    return np.stack([a[rows, best], B_GRID[best], c[rows, best]], axis=1)


def _fit_once(n: np.ndarray, y: np.ndarray, sigma: np.ndarray) -> tuple[float, float, float] | None:
    p = fit_power_laws(n, y[None, :], sigma[None, :])[0]
    if not np.all(np.isfinite(p)):
        return None
    return float(p[0]), float(p[1]), float(p[2])


def _sigma(points: Sequence[SizePoint]) -> np.ndarray:
    se = np.array([p.sd / math.sqrt(len(p.scores)) for p in points])
    floor = REL_SD_FLOOR * np.abs(np.array([p.mean for p in points])) + 1e-12
    # a size with one seed has no spread of its own: give it the median standard error of the others
    known = se[se > 0]
    se = np.where(se > 0, se, np.median(known) if known.size else 0.0)
    return np.maximum(se, floor)


def small_data_sizes(points: Sequence[SizePoint], baseline: float | None) -> int:
    """How many of the smallest sizes still sit in the small-data region (Hestness et al. 2017): before the
    power-law region the loss stays near that of the best guess without the data, here a mean loss at or
    above :data:`SMALL_DATA_SHARE` of the trivial predictor's (the class shares, the mean target). Such a
    size says how the network fails to learn, not how the loss falls with data, and bends the fit.
    Only leading sizes count: a larger size that fails again is the fit's problem, not the region's."""
    if baseline is None or not math.isfinite(baseline) or baseline <= 0:
        return 0
    k = 0
    while k < len(points) and points[k].mean >= SMALL_DATA_SHARE * baseline:
        k += 1
    return k


def fit_learning_curve(points: Sequence[SizePoint], *, n_full: int | None = None, seed: int = 0,
                       bootstrap: int = BOOTSTRAP, what: str = "validation loss",
                       baseline: float | None = None, pool_starts: bool = True) -> LearningCurve:
    """Fit the power law to ``points`` and forecast the loss at the full training split (when the sizes
    stop short of it), 2x and 10x the largest size, each with a bootstrap 95% interval over seeds.
    ``baseline``: the loss of a trivial predictor; the smallest sizes whose loss is still near it (the
    small-data region, :func:`small_data_sizes`) are left out of the fit, and with fewer than
    :data:`MIN_FIT` sizes past them there is no forecast. ``pool_starts=False``: the interval from the seed
    bootstrap of the one fit on every size, the forecast that fit's (the method before the pooling, kept so
    the benchmark can print both)."""
    pts = sorted((p for p in points if p.n > 0), key=lambda p: p.n)
    curve = LearningCurve(pts, CurveFit(), n_full=n_full)
    skip = small_data_sizes(pts, baseline)
    curve.small_data = skip
    if len(pts) < MIN_SIZES:
        curve.fit = CurveFit(verdict="too few", reason=f"{len(pts)} size(s) finished; a fit needs at least {MIN_SIZES}")
    elif len(pts) - skip < MIN_FIT:
        curve.fit = CurveFit(verdict="small data", reason=(
            f"{skip} of the {len(pts)} sizes (up to {pts[skip - 1].n:,} samples) are still in the small-data "
            f"region, their {what} at or above {SMALL_DATA_SHARE:.0%} of the {baseline:.3g} of a trivial predictor, "
            f"and a fit needs {MIN_FIT} sizes past it: measure larger sizes"))
    if curve.fit.verdict in ("too few", "small data"):
        curve.sentence = f"No forecast: {curve.fit.reason}."
        _add_finding(curve, what)
        return curve
    pts = pts[skip:]
    n = np.array([p.n for p in pts], dtype=np.float64)
    y = np.array([p.mean for p in pts])
    sigma = _sigma(pts)
    best = _fit_once(n, y, sigma)
    if best is None:
        curve.fit = CurveFit(verdict="poor", reason="the power law could not be fitted to the points")
        curve.sentence = f"No forecast: {curve.fit.reason}."
        return curve
    curve.fit = _judge(n, y, sigma, best, pts[-1], what)
    curve.forecast = [] if curve.fit.verdict == "poor" else _forecasts(pts, best, n_full, seed, bootstrap, pool_starts)
    curve.sentence = _sentence(curve, what)
    _add_finding(curve, what)
    return curve


SMALL_DATA_PRESET = ("the small-data preset tries augmentation, transfer and pseudo-labels on this project "
                     "(`losslab sweep PROJECT --preset small-data`, or Small data in the study dialog)")


def steep_finding(curve: LearningCurve, what: str = "validation loss") -> str:
    """One sentence when more data would pay: the fit's forecast at 2x lies more than :data:`STEEP_DROP` below
    the largest size's loss, or every size so far is in the small-data region; "" otherwise (flat, no fit)."""
    if not curve.points:
        return ""
    last = curve.points[-1]
    if curve.fit.verdict == "small data":
        if curve.small_data >= len(curve.points):
            return (f"Every size so far is still in the small-data region, where more data pays most; until there "
                    f"is more, {SMALL_DATA_PRESET}.")
        prev = curve.points[-2].mean if len(curve.points) > 1 else None
        if prev and 1.0 - last.mean / prev > STEEP_DROP:
            return (f"The {what} still fell {1.0 - last.mean / prev:.0%} from the size before the largest, so more "
                    f"data would likely pay; until there is more, {SMALL_DATA_PRESET}.")
        return ""
    twice = next((x for x in curve.forecast if x.label == "2x"), None)
    if curve.fit.verdict != "forecast" or twice is None or not last.mean > 0:
        return ""
    drop = 1.0 - twice.loss / last.mean
    if drop <= STEEP_DROP:
        return ""
    return (f"The curve is still steep, so more data would pay (twice the data: {drop:.0%} lower {what}); "
            f"until there is more, {SMALL_DATA_PRESET}.")


def _add_finding(curve: LearningCurve, what: str) -> None:
    curve.finding = steep_finding(curve, what)
    if curve.finding:
        curve.sentence = f"{curve.sentence} {curve.finding}"


def _judge(n: np.ndarray, y: np.ndarray, sigma: np.ndarray, best: tuple[float, float, float], largest: SizePoint,
           what: str) -> CurveFit:
    """The fit with its verdict: "poor" when the points do not follow the law, "flat" when more data would
    not lower the loss beyond the seed noise, else "forecast"."""
    a, b, c = best
    resid = y - power_law(n, a, b, c)
    w = 1.0 / sigma ** 2
    spread = float(np.sum(w * (y - np.average(y, weights=w)) ** 2))
    r2 = 1.0 - float(np.sum(w * resid ** 2)) / spread if spread > 0 else 0.0
    fit = CurveFit(a, b, c, True, r2, "forecast")
    noise = max(largest.sd, float(sigma[-1]))
    drop10 = float(power_law(np.array([largest.n]), a, b, c)[0] - power_law(np.array([10.0 * largest.n]), a, b, c)[0])
    rising = _slope_per_decade(n, y) >= -0.5 * noise
    # the sizes differ by more than their seed noise (reduced chi-square of a flat line well above 1)
    differ = spread / max(1, len(n) - 1) > 4.0
    if r2 < MIN_R2 and differ:
        fit.ok, fit.verdict = False, "poor"
        fit.reason = f"the points do not follow a power law (it explains {max(r2, 0):.0%} of their spread)"
    elif b < FLAT_B or drop10 <= noise or rising:
        fit.verdict = "flat"
        by = f"by about {drop10:.2g}" if drop10 > 1e-4 * max(abs(largest.mean), 1e-9) else "not measurably"
        fit.reason = (f"the curve has flattened: 10x the data would lower the {what} {by}, "
                      f"within the seed noise (sd {noise:.3g} at {largest.n:,} samples)")
    return fit


def _slope_per_decade(n: np.ndarray, y: np.ndarray) -> float:
    """Least-squares change of the loss per tenfold more data (negative: more data helps)."""
    return float(np.polyfit(np.log10(n), y, 1)[0])


def _targets(largest: int, n_full: int | None) -> list[tuple[int, str]]:
    out = []
    if n_full is not None and n_full > largest * 1.05:
        out.append((int(n_full), "the full training split"))
    out += [(int(round(largest * f)), f"{f:g}x") for f in FORECAST_FACTORS]
    return out


def _draws(pts: Sequence[SizePoint], xs: np.ndarray, rng: np.random.Generator, bootstrap: int) -> np.ndarray:
    """Bootstrap forecasts at ``xs``: each size's seeds resampled with replacement (all draws at once), the
    curve refitted to each draw. Returns (draws, len(xs)); draws whose fit failed are left out."""
    n = np.array([p.n for p in pts], dtype=np.float64)
    means, ses = [], []
    for p in pts:
        scores = np.asarray(p.scores)
        r = scores[rng.integers(0, len(scores), size=(bootstrap, len(scores)))]
        means.append(r.mean(axis=1))
        ses.append(r.std(axis=1, ddof=1) / math.sqrt(len(scores)) if len(scores) > 1 else np.zeros(bootstrap))
    ys, se = np.array(means).T, np.array(ses).T                          # (bootstrap, sizes)
    floor = REL_SD_FLOOR * np.abs(ys) + 1e-12
    known = np.where(se > 0, se, np.nan)
    with warnings.catch_warnings():   # a draw whose every size repeats one seed has no spread at all
        warnings.simplefilter("ignore", RuntimeWarning)
        fill = np.nan_to_num(np.nanmedian(known, axis=1, keepdims=True), nan=0.0)
    sigmas = np.maximum(np.where(se > 0, se, fill), floor)               # as _sigma, row by row
    fits = fit_power_laws(n, ys, sigmas) if bootstrap else np.zeros((0, 3))
    fits = fits[np.all(np.isfinite(fits), axis=1)]
    return power_law(xs[None, :], fits[:, :1], fits[:, 1:2], fits[:, 2:3])


def _forecasts(pts: list[SizePoint], best: tuple[float, float, float], n_full: int | None, seed: int,
               bootstrap: int, pool: bool = True) -> list[Forecast]:
    """The forecasts and their 95% intervals. Two uncertainties are pooled: the seed noise (a bootstrap
    over seeds) and where the power-law region begins (each draw refits the curve on the sizes from the
    first, the second, ... onwards, as long as :data:`MIN_FIT` remain: the smallest sizes may still bend
    towards the small-data region, and which ones do is not known). The forecast is the median of the
    pooled draws, so no single choice of sizes decides it."""
    targets = _targets(pts[-1].n, n_full)
    xs = np.array([t for t, _ in targets], dtype=np.float64)
    rng = np.random.default_rng(seed)
    starts = range(0, max(1, len(pts) - MIN_FIT + 1)) if pool else range(1)
    d = np.concatenate([_draws(pts[s:], xs, rng, bootstrap) for s in starts]) if bootstrap else np.zeros((0, len(xs)))
    if len(d) >= max(10, bootstrap // 4):
        low, high = np.percentile(d, 2.5, axis=0), np.percentile(d, 97.5, axis=0)
        central = np.median(d, axis=0) if pool else power_law(xs, *best)
    else:
        central = power_law(xs, *best)
        low, high = np.full_like(central, np.nan), np.full_like(central, np.nan)
    return [Forecast(int(x), float(m), float(min(lo, m)), float(max(hi, m)), label)
            for (x, label), m, lo, hi in zip(targets, central, low, high)]


def _sentence(curve: LearningCurve, what: str) -> str:
    f = curve.fit
    last = curve.points[-1]
    if f.verdict == "poor":
        return f"No forecast: {f.reason}."
    if f.verdict == "flat":
        return (f"More data is unlikely to help much: {f.reason}; the {what} is {last.mean:.3g} at {last.n:,} samples "
                "and would stay about there.")
    twice = next(x for x in curve.forecast if x.label == "2x")
    ten = next(x for x in curve.forecast if x.label == "10x")
    head = (f"With twice the data ({twice.n:,} samples), {what} would fall from {last.mean:.3g} to about "
            f"{twice.loss:.3g} ({twice.low:.3g}–{twice.high:.3g})")
    law = f.law()
    floor = (f"The curve levels off near {f.c:.3g}" if f.c > 1e-3 * last.mean else
             "The fit sees no floor above 0 yet")
    return f"{head}; with 10x, about {ten.loss:.3g} ({ten.low:.3g}–{ten.high:.3g}). {floor} ({law})."


BUDGETS = ("steps", "epochs")      # how each size is trained (core.studies.curve_study.learning_curve_batch)
DEFAULT_BUDGET = "steps"


def batch_learning_curve(batch, outcomes: Sequence[dict[str, Any]], dataset_n_train: int | None = None,
                         **kw) -> LearningCurve:
    """The learning curve of a learning-curve batch's outcomes (:func:`curve_score` of its budget)."""
    result = batch.result(0, list(outcomes))
    budget = getattr(batch, "budget", None) or DEFAULT_BUDGET
    kw.setdefault("baseline", getattr(batch, "baseline", None))
    curve = learning_curve(outcomes, n_full=dataset_n_train, score=curve_score(result.score, budget), **kw)
    curve.budget = budget
    return curve


def curve_score(study_score: str, budget: str | None = None) -> str:
    """What the curve measures. Under the ``"steps"`` budget: each run's *lowest* validation loss, the
    network each size reaches when stopped at its best within the full split's steps (Hestness et al.
    take each size at its best; it is also the model early stopping with restore-best hands back). The
    end of such a run is no measure of the size: its early-stopping patience is scaled with its epochs,
    so a small size ends up to 16x the project's patience past its best (fraud at 250 samples: 2.89 at
    the end, 0.50 at its best) and the small sizes fell into the small-data region. Under ``"epochs"``:
    the study's own score, the validation loss at the end (the mean of the last epochs), as the table
    beside it ranks; the lowest validation loss was tried there too and did no better (csv-moons +45%,
    digits -15%, tests/benchmarks/bench_learning_curve.py). The training loss (no validation split) is
    the study's end-of-run training loss under either budget. ``budget`` None: :data:`DEFAULT_BUDGET`."""
    if (budget or DEFAULT_BUDGET) == "steps" and study_score == "end_val_loss":
        return "best_val_loss"
    return study_score


SCORE_WORDS = {"best_val_loss": "lowest validation loss", "end_val_loss": "validation loss at the end",
               "end_train_loss": "training loss at the end"}


def learning_curve(outcomes: Sequence[dict[str, Any]], *, n_full: int | None = None, score: str = "end_val_loss",
                   seed: int = 0, bootstrap: int = BOOTSTRAP, baseline: float | None = None) -> LearningCurve:
    """The learning curve of a data-size study's outcomes (other knobs must not vary); ``baseline``: the
    trivial predictor's loss, which marks the small-data region (the training loss has none: not used)."""
    what = "training loss" if score == "end_train_loss" else "validation loss"
    return fit_learning_curve(points_from_outcomes(outcomes, score), n_full=n_full, seed=seed, bootstrap=bootstrap,
                              what=what, baseline=baseline if score != "end_train_loss" else None)
