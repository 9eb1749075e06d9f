"""The statistics of a study table: Welch's t-test with the difference and its 95% confidence interval,
and Holm-Bonferroni's correction for the number of comparisons.

Why these: a study has few seeds per setting (3 by default) and settings whose seed noise differs (a
high learning rate scatters more), so the two-sample test must not assume equal variances (Welch).
A study also makes several comparisons and picks "the best" from the same runs; Holm's step-down
correction controls the chance of calling any difference real when it is not (the family-wise error),
under any dependence between the tests, and is never weaker than plain Bonferroni. The family is
*every pair* of settings in the study, not only the comparisons with the best: the best is chosen from
the data, and a comparison with it is one of the pairs whatever was chosen, so the error stays
controlled despite that choice (the "winner's curse").
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

ALPHA = 0.05
TEST = "Welch's t-test (two-sided, unequal variances)"
CORRECTION = "Holm-Bonferroni"


@dataclass(frozen=True)
class Comparison:
    """``a`` against ``b``: the difference of means ``a - b``, its 95% interval, Welch's p-value."""
    difference: float
    ci95: tuple[float, float]
    p_value: float
    df: float | None                     # Welch-Satterthwaite degrees of freedom (None: no spread at all)


def welch(a: Sequence[float], b: Sequence[float], level: float = 0.95) -> Comparison | None:
    """Welch's two-sided test of mean(a) = mean(b) with the ``level`` confidence interval of
    ``mean(a) - mean(b)``; ``None`` with fewer than two values on either side (no spread to judge)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size < 2 or b.size < 2:
        return None
    diff = float(a.mean() - b.mean())
    va, vb = float(a.var(ddof=1)) / a.size, float(b.var(ddof=1)) / b.size
    se2 = va + vb
    if se2 == 0.0:                       # no seed noise on either side: equal, or plainly different
        return Comparison(diff, (diff, diff), 1.0 if diff == 0.0 else 0.0, None)
    from scipy.stats import t as student_t
    df = se2 ** 2 / ((va ** 2 / (a.size - 1) if va else 0.0) + (vb ** 2 / (b.size - 1) if vb else 0.0))
    se = math.sqrt(se2)
    p = float(2.0 * student_t.sf(abs(diff) / se, df))
    half = float(student_t.ppf(0.5 + level / 2.0, df)) * se
    return Comparison(diff, (diff - half, diff + half), min(1.0, p), float(df))


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm-Bonferroni adjusted p-values, in the order given; ``None`` entries are not tests and stay
    ``None`` (they do not count in the number of comparisons).

    Sorted ascending, the i-th smallest (0-based) of m becomes ``(m - i) * p``, made non-decreasing
    and capped at 1; a difference is significant at level alpha when its adjusted p-value is below
    alpha, which is exactly Holm's step-down procedure."""
    tests = [(p, i) for i, p in enumerate(p_values) if p is not None]
    m = len(tests)
    out: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(sorted(tests)):
        running = max(running, min(1.0, (m - rank) * p))
        out[i] = running
    return out


def pairwise_holm(samples: Sequence[Sequence[float]]) -> tuple[dict[tuple[int, int], float], int]:
    """Welch's p-value for every pair of samples that can be tested, Holm-adjusted over all of them:
    ``({(i, j): adjusted p}, number of comparisons)`` with ``i < j``."""
    pairs, raw = [], []
    for i in range(len(samples)):
        for j in range(i + 1, len(samples)):
            c = welch(samples[i], samples[j])
            if c is not None:
                pairs.append((i, j))
                raw.append(c.p_value)
    return dict(zip(pairs, holm(raw))), len(pairs)


def hedges_g(a: Sequence[float], b: Sequence[float]) -> float | None:
    """The effect size of ``mean(a) - mean(b)``: the difference in pooled standard deviations, with Hedges'
    small-sample correction (a study has few seeds, and Cohen's d overstates the effect there); ``None``
    with fewer than two values on either side or no spread at all."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size < 2 or b.size < 2:
        return None
    dof = a.size + b.size - 2
    pooled = math.sqrt(((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / dof)
    if pooled == 0.0:
        return None
    return float((a.mean() - b.mean()) / pooled * (1.0 - 3.0 / (4.0 * dof - 1.0)))
