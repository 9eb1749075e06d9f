"""Noisy training: step losses scatter widely around their trend.

The trend is a rolling median of the step losses; the scatter is the MAD of
the residuals (robust: a few hard batches near zero loss do not count),
relative to the trend's level. Measured over the last third of the steps
(50 to 2,000 of them), so an early noisy phase that calmed down is not
reported and a long run costs the same as a short one.
"""

from __future__ import annotations

import numpy as np

from .curves import (
    History,
    Steps,
    epoch_of_step,
    finite_prefix,
    learning_rate_at,
    mad_sigma,
    rolling_median,
    step_array,
)
from .findings import DiagnosticContext, Finding
from .wording import lr as fmt_lr
from .wording import pct

NOISE_THRESHOLD = 0.5  # robust scatter / trend; plain mini-batch noise of a batch of 16-32 sits near 0.1-0.35
MIN_STEPS = 60
TAIL_MIN, TAIL_MAX = 50, 2000
ABS_FLOOR = 0.01  # scatter must also be >= 1% of the starting loss, or it is float dust near zero


def find_noisy_training(
    history: History,
    steps: Steps | None,
    *,
    threshold: float = NOISE_THRESHOLD,
    context: DiagnosticContext | None = None,
) -> Finding | None:
    """Step losses oscillate with a scatter above ``threshold`` times their trend."""
    loss = step_array(steps, "step_loss")
    if loss is None:
        return None
    loss = finite_prefix(loss)
    n = loss.size
    if n < MIN_STEPS:
        return None
    tail = max(TAIL_MIN, min(TAIL_MAX, n // 3))
    trend_window = max(9, min(51, (tail // 10) | 1))
    segment = loss[max(0, n - tail - trend_window) :]
    trend = rolling_median(segment, trend_window)[-tail:]
    values = segment[-tail:]
    residual = values - trend
    level = float(np.median(np.abs(trend)))
    scatter = mad_sigma(residual)
    start_loss = float(np.median(np.abs(loss[: min(10, n)])))
    if level <= 0 or scatter < ABS_FLOOR * start_loss:
        return None
    ratio = scatter / level
    if ratio < threshold:
        return None

    r = residual - residual.mean()
    denom = float(np.dot(r, r))
    lag1 = float(np.dot(r[:-1], r[1:]) / denom) if denom > 0 else 0.0
    spikes = float(np.mean(values > 3 * np.maximum(trend, 1e-12)))
    first, last = n - tail + 1, n
    ctx = context or DiagnosticContext()
    rate = learning_rate_at(history, steps, step=last, fallback=ctx.lr)
    evidence: dict[str, float] = {
        "scatter_ratio": round(ratio, 3),
        "scatter": scatter,
        "trend_level": level,
        "lag1_autocorr": round(lag1, 3),
        "spike_share": round(spikes, 4),
        "steps": tail,
        "trend_window": trend_window,
    }
    message = f"Noisy training: step loss scatters ±{pct(100 * ratio)} around its trend over the last {tail} steps ({first}–{last})"
    if spikes >= 0.01:
        message += f", {pct(100 * spikes)} of them above 3× the trend"
    if lag1 < -0.3:
        message += "; it zig-zags from step to step"
    if rate is not None:
        evidence["lr"] = rate
        lower = f"Lower the learning rate 3–10× (from {fmt_lr(rate)} to {fmt_lr(rate / 10)}–{fmt_lr(rate / 3)})"
    else:
        lower = "Lower the learning rate 3–10×"
    suggestion = f"{lower} or use 2–4× larger batches (the scatter shrinks about as 1/√batch)."
    return Finding(
        kind="noisy",
        severity="warning",
        message=message,
        suggestion=suggestion,
        evidence=evidence,
        start_epoch=epoch_of_step(history, first),
        end_epoch=epoch_of_step(history, last),
        start_step=first,
        end_step=last,
    )
