"""A node's health at one probe as a level (ok / watch / problem) with its numbers in words, for a
badge on the canvas. ``problem`` uses the thresholds of the findings (:mod:`core.health.rules`);
``watch`` is half-way there."""
from __future__ import annotations

import math

from .rules import DEAD, LARGE_UPDATE, SATURATED, VANISHING

LEVELS = ("ok", "watch", "problem")

__all__ = ["LEVELS", "grade_nodes", "sparkline", "trend_statistic"]

_BARS = "▁▂▃▄▅▆▇█"


def trend_statistic(stats: dict) -> str:
    """The statistic a node's sparkline follows: what can go wrong at it first."""
    for key in ("dead", "saturated", "grad_norm", "std"):
        if key in stats:
            return key
    return "mean"


def sparkline(values: list[float], *, log: bool = False, width: int = 24) -> str:
    """``values`` as a line of block characters (the last ``width``; NaN as a space)."""
    values = values[-width:]
    xs = [math.log10(v) if log and v > 0 else (v if not log else math.nan) for v in values]
    finite = [x for x in xs if math.isfinite(x)]
    if not finite:
        return ""
    lo, hi = min(finite), max(finite)
    span = hi - lo
    if span <= 0:  # a flat line: at the bottom when it is zero, else in the middle
        return "".join(" " if not math.isfinite(x) else (_BARS[0] if hi == 0 else _BARS[3]) for x in xs)
    return "".join(" " if not math.isfinite(x) else _BARS[min(7, int((x - lo) / span * 8))] for x in xs)


def _finite(stats: dict, key: str) -> float | None:
    v = stats.get(key)
    return v if isinstance(v, (int, float)) and math.isfinite(v) else None


def _numbers(stats: dict, grad_share: float | None) -> list[str]:
    lines = []
    mean, std = _finite(stats, "mean"), _finite(stats, "std")
    if mean is not None and std is not None:
        lines.append(f"output mean {mean:.3g}, spread {std:.3g}")
    if _finite(stats, "dead") is not None:
        lines.append(f"dead units: {100 * stats['dead']:.0f}% (zero on every probe sample)")
    if _finite(stats, "saturated") is not None:
        lines.append(f"saturated: {100 * stats['saturated']:.0f}% of outputs at the ends of the range")
    if _finite(stats, "grad_norm") is not None:
        share = f" ({grad_share:.1e} of the largest layer's)" if grad_share is not None else ""
        lines.append(f"gradient norm {stats['grad_norm']:.3g}{share}")
    if _finite(stats, "update_ratio") is not None:
        lines.append(f"update / weight {stats['update_ratio']:.2g} per step (healthy about 0.001)")
    return lines


def _level(stats: dict, grad_share: float | None) -> tuple[int, str]:
    """(0 ok / 1 watch / 2 problem, why)."""
    checks = [
        (_finite(stats, "dead"), DEAD, "dead units"),
        (_finite(stats, "saturated"), SATURATED, "saturated outputs"),
        (_finite(stats, "update_ratio"), LARGE_UPDATE, "large updates"),
    ]
    level, why = 0, ""
    for value, limit, name in checks:
        if value is None:
            continue
        if value >= limit:
            return 2, name
        if value >= limit / 2 and level < 1:
            level, why = 1, name
    if grad_share is not None:
        if grad_share < VANISHING:
            return 2, "vanishing gradient"
        if grad_share < 10 * VANISHING and level < 1:
            level, why = 1, "weak gradient"
    if any(isinstance(v, float) and not math.isfinite(v) for v in stats.values()):
        return 2, "NaN or infinite values"
    return level, why


def grade_nodes(nodes: dict[str, dict], step: int | None = None,
                history: dict[str, list[float]] | None = None) -> dict[str, tuple[str, str]]:
    """``{node: (level, tooltip)}`` for one probe's ``{node: {statistic: value}}``; ``history``
    (node -> the values of its :func:`trend_statistic` over the run) adds a sparkline."""
    norms = {n: _finite(s, "grad_norm") for n, s in nodes.items()}
    top = max((v for v in norms.values() if v is not None), default=0.0)
    out = {}
    for node, stats in nodes.items():
        stats = {k: (math.nan if v is None else v) for k, v in stats.items()}
        share = norms[node] / top if norms[node] is not None and top > 0 else None
        level, why = _level(stats, share)
        head = f"health: {LEVELS[level]}" + (f" ({why})" if why else "") + (f" at step {step}" if step else "")
        lines = [head, *_numbers(stats, share)]
        trend = (history or {}).get(node)
        if trend and len(trend) > 1:
            key = trend_statistic(stats)
            line = sparkline(trend, log=key == "grad_norm")
            if line:
                lines.append(f"{key.replace('_', ' ')} over the run: {line}")
        out[node] = (LEVELS[level], "\n".join(lines))
    return out
