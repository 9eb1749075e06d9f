"""Each setting of a study against one baseline setting (the small-data preset: every helper against
scratch): the difference with its 95% interval (Welch), the p-value Holm-adjusted over the comparisons
with the baseline, and the effect size (Hedges' g), over the seeds.

The family here is "each helper against scratch", the question the preset asks, not every pair of
settings (the main table's comparison with the best keeps its own, larger family).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .stats import ALPHA, CORRECTION, hedges_g, holm, welch


@dataclass(frozen=True)
class Versus:
    """One setting against the baseline; ``difference`` = its mean score minus the baseline's (lower loss:
    negative); ``p_adjusted``/``effect`` are None when either side has fewer than two finished seeds."""
    setting: dict[str, Any]
    n: int
    difference: float | None
    ci95: tuple[float, float] | None
    p_value: float | None
    p_adjusted: float | None
    effect: float | None

    def verdict(self, baseline: str) -> str:
        """In words: lower, higher or not distinguishable from the baseline."""
        if self.p_adjusted is None:
            return f"not tested (fewer than 2 finished seeds here or for {baseline})"
        if self.p_adjusted >= ALPHA:
            return f"not distinguishable from {baseline}"
        return f"{'lower' if (self.difference or 0.0) < 0 else 'higher'} than {baseline}"

    def to_json(self, baseline: str) -> dict[str, Any]:
        return {"setting": self.setting, "n": self.n, "difference": self.difference,
                "ci95": list(self.ci95) if self.ci95 else None, "p_value": self.p_value,
                "p_value_adjusted": self.p_adjusted, "effect_size": self.effect, "verdict": self.verdict(baseline)}


def versus_baseline(rows, baseline: dict[str, Any]) -> list[Versus]:
    """Every row of a study table other than ``baseline`` against it (rows: :class:`core.studies.results.Row`)."""
    base = next((r for r in rows if r.setting == baseline), None)
    others = [r for r in rows if r.setting != baseline]
    if base is None:
        return []
    tests = [welch(r.scores, base.scores) for r in others]
    adjusted = holm([None if c is None else c.p_value for c in tests])
    out = []
    for r, c, p in zip(others, tests, adjusted):
        diff = c.difference if c is not None else (
            float(np.mean(r.scores) - np.mean(base.scores)) if r.scores and base.scores else None)
        out.append(Versus(r.setting, r.n, diff, c.ci95 if c else None, c.p_value if c else None, p,
                          hedges_g(r.scores, base.scores)))
    return out


def versus_lines(found: list[Versus], baseline: str, base_mean: float | None) -> list[str]:
    """One line per setting: the change against the baseline, its interval, Holm's p and the effect size."""
    m = sum(v.p_adjusted is not None for v in found)
    lines = []
    for v in found:
        name = ", ".join(str(x) for x in v.setting.values())
        if v.difference is None:
            lines.append(f"{name} against {baseline}: no finished seeds to compare")
            continue
        pct = f" ({100 * v.difference / base_mean:+.0f}%)" if base_mean else ""
        ci = f", 95% CI {v.ci95[0]:+.4g} to {v.ci95[1]:+.4g}" if v.ci95 else ""
        p = f", Holm p = {v.p_adjusted:.3g}" if v.p_adjusted is not None else ""
        g = f", effect size g = {v.effect:+.2f}" if v.effect is not None else ""
        lines.append(f"{name} against {baseline}: {v.difference:+.4g}{pct}{ci}{p}{g} over {v.n} seeds: "
                     f"{v.verdict(baseline)}")
    if m > 1:
        lines.append(f"({CORRECTION} over the {m} comparisons with {baseline}; g: the difference in pooled "
                     "standard deviations, Hedges' correction; negative = lower loss)")
    elif m == 1:
        lines.append("(g: the difference in pooled standard deviations, Hedges' correction; negative = lower loss)")
    return lines
