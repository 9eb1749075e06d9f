"""Noisy training, the mark of a learning rate too high (or batches too small).

Two signals, either one is enough:

- **step losses** scatter widely around their trend: the trend is a rolling
  median, the scatter the MAD of the residuals (robust: a few hard batches
  near zero loss do not count) relative to the trend's level, over the last
  third of the steps (50 to 2,000 of them), so that an early noisy phase that
  calmed down is not reported and a long run costs what a short one does.
  The scatter must also reach 10% of the starting loss: near zero loss a few
  hard samples make every batch loss jumpy without anything being wrong;
- the **validation loss** jumps around from epoch to epoch. It is measured on
  a fixed set, so it moves only when the weights do: large swings mean the
  optimizer is bouncing across the valley (a healthy curve wobbles by a few
  percent).
"""

from __future__ import annotations

import numpy as np

from .curves import (
    History,
    Steps,
    epoch_numbers,
    epoch_of_step,
    finite_prefix,
    learning_rate_at,
    mad_sigma,
    quiet_numpy,
    rolling_median,
    series,
    step_array,
)
from .findings import DiagnosticContext, Finding
from .wording import lr as fmt_lr
from .wording import num, pct

NOISE_THRESHOLD = 0.5  # step scatter / trend; mini-batch noise of healthy runs measured 0.2-0.4
VAL_THRESHOLD = 0.25  # validation scatter / trend; healthy curves stay under ~0.05
MIN_STEPS = 60
MIN_VAL_EPOCHS = 8
TAIL_MIN, TAIL_MAX = 50, 2000
ABS_FLOOR = 0.1  # and >= 10% of the starting loss: near zero a few hard samples make any batch loss jumpy


def _step_scatter(loss: np.ndarray) -> dict[str, float] | None:
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
    if not level > 0 or scatter < ABS_FLOOR * start_loss:
        return None
    r = residual - residual.mean()
    denom = float(np.dot(r, r))
    return {
        "scatter_ratio": round(scatter / level, 3),
        "scatter": scatter,
        "trend_level": level,
        "lag1_autocorr": round(float(np.dot(r[:-1], r[1:]) / denom), 3) if denom > 0 else 0.0,
        "spike_share": round(float(np.mean(values > 3 * np.maximum(trend, 1e-12))), 4),
        "steps": tail,
        "first_step": n - tail + 1,
        "last_step": n,
        "trend_window": trend_window,
    }


def _val_scatter(history: History) -> dict[str, float] | None:
    va_all = series(history, "val_loss")
    mask = np.isfinite(va_all)
    va, epochs = va_all[mask], epoch_numbers(history)[mask]
    if va.size < MIN_VAL_EPOCHS:
        return None
    tail = max(MIN_VAL_EPOCHS, va.size // 2)
    trend = rolling_median(va, 5)[-tail:]
    values = va[-tail:]
    level = float(np.median(np.abs(trend)))
    if not level > 0:
        return None
    worst = int(np.argmax(values))
    return {
        "val_scatter_ratio": round(mad_sigma(values - trend) / level, 3),
        "val_epochs": tail,
        "val_first_epoch": int(epochs[-tail]),
        "val_last_epoch": int(epochs[-1]),
        "val_max": float(values[worst]),
        "val_max_epoch": int(epochs[-tail + worst]),
    }


@quiet_numpy
def find_noisy_training(
    history: History,
    steps: Steps | None,
    *,
    threshold: float = NOISE_THRESHOLD,
    val_threshold: float = VAL_THRESHOLD,
    context: DiagnosticContext | None = None,
) -> Finding | None:
    """Step losses scatter above ``threshold`` times their trend, or the validation loss
    swings above ``val_threshold`` times its trend."""
    loss = step_array(steps, "step_loss")
    step = _step_scatter(loss) if loss is not None else None
    val = _val_scatter(history)
    step_noisy = step is not None and step["scatter_ratio"] >= threshold
    val_noisy = val is not None and val["val_scatter_ratio"] >= val_threshold
    if not (step_noisy or val_noisy):
        return None

    evidence: dict[str, float] = {**(step or {}), **(val or {})}
    parts = []
    if step_noisy:
        first, last = int(step["first_step"]), int(step["last_step"])
        part = (
            f"step loss scatters ±{pct(100 * step['scatter_ratio'])} around its trend "
            f"over the last {int(step['steps'])} steps ({first}–{last})"
        )
        if step["spike_share"] >= 0.01:
            part += f", {pct(100 * step['spike_share'])} of them above 3× the trend"
        if step["lag1_autocorr"] < -0.3:
            part += ", zig-zagging from step to step"
        parts.append(part)
        start_epoch, end_epoch = epoch_of_step(history, first), epoch_of_step(history, last)
        start_step, end_step = first, last
    else:
        start_epoch, end_epoch = int(val["val_first_epoch"]), int(val["val_last_epoch"])
        start_step = end_step = None
    if val_noisy:
        parts.append(
            f"validation loss swings ±{pct(100 * val['val_scatter_ratio'])} around its trend over the last "
            f"{int(val['val_epochs'])} epochs (up to {num(val['val_max'])} at epoch {int(val['val_max_epoch'])})"
        )
    message = "Noisy training: " + "; ".join(parts)

    ctx = context or DiagnosticContext()
    rate = learning_rate_at(history, steps, step=end_step, fallback=ctx.lr)
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
        start_epoch=start_epoch,
        end_epoch=end_epoch,
        start_step=start_step,
        end_step=end_step,
    )
