"""Noisy training, the mark of a learning rate too high (or batches too small).

Two signals, either one is enough:

- **step losses** scatter widely around their trend: the trend is a rolling
  median over 25 steps, the scatter the MAD of the residuals (robust: a few
  hard batches near zero loss do not count) relative to the trend's own level
  (not to the starting loss: batch-2 SGD near zero loss is noisy too), over the
  last 500 steps, so that an early noisy phase that calmed down is not
  reported and every call costs the same, however long the run;
- the **validation loss** jumps around from epoch to epoch, over the last 20
  epochs: its MAD around a 5-epoch median, or the share of epochs 1.5x off
  that median; or, what a person reads as a noisy curve, it goes up and down
  by 5% of its level from one epoch to the next again and again (rises of 5%
  in a quarter of the recent epochs, falls of 5% too, a median move of 5%:
  the 10-20% jumps of batch-1 SGD on a small table, over only 10 epochs).
  It is measured on a fixed set, so it moves only when the weights do: large
  swings mean the optimizer is bouncing across the valley (a healthy curve
  wobbles by a few percent, and a descending one hardly ever rises).

Which one fires tells the cause apart. Step scatter with a steady validation
loss is batch composition (on a 97/3 table, whether a batch holds a minority
sample decides its loss; near zero loss, whether a batch holds a hard
sample): the weights are not bouncing, so the learning rate is not to blame
and nothing is reported (lowering the rate would not change it; measured:
healthy batch-32 runs near zero loss scatter ±70-95% around their trend).
Validation swings (the weights do bounce) are learning-rate noise: ``noisy``,
with ``evidence.lr_driven`` = 1. Without a validation set the cause cannot be
told: step scatter is ``noisy`` when it also reaches 10% of the starting loss
(near zero loss a few hard samples make any batch loss jumpy).
"""

from __future__ import annotations

import math

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
VAL_THRESHOLD = 0.2  # validation scatter / trend; healthy curves stay under ~0.05, batch-2 SGD at 0.3 reaches 0.21+
VAL_JUMP = 1.5  # a validation loss this far off its 5-epoch median (up or down) is a jump
VAL_JUMP_SHARE = 0.2  # ... in a fifth of the recent epochs: bouncing, even if most epochs look calm
VAL_SETTLED = 2.0  # the swing test starts once the validation loss is within 2x of its lowest: the first descent is no swing
VAL_ABS_FLOOR = 0.03  # ... and a swing must reach 3% of the first validation loss (near the noise floor a
#                       constant-rate Adam fit wobbling 0.010 <-> 0.018 on a 0.4 start is no bouncing)
VAL_RISE = 0.05  # an epoch whose validation loss rose 5% over the one before: a healthy descent hardly has one
VAL_BOUNCE = 0.25  # ... in a quarter of the recent epochs, with falls of 5% too, and a median move of 5%: bouncing
VAL_MOVE = 0.05
MIN_STEPS = 60
MIN_VAL_EPOCHS = 8
STEP_TAIL = 500  # steps read, fixed: the verdict and its cost do not grow with the run
TREND_WINDOW = 25
VAL_TAIL = 20  # epochs
ABS_FLOOR = 0.1  # without validation: step scatter must also reach 10% of the starting loss


def _step_scatter(loss: np.ndarray) -> dict[str, float] | None:
    loss = finite_prefix(loss)
    n = loss.size
    if n < MIN_STEPS:
        return None
    tail = min(STEP_TAIL, n)
    trend_window = TREND_WINDOW
    segment = loss[max(0, n - tail - trend_window) :]
    # scipy's C median filter: this runs after every epoch, and numpy's sliding median costs 10x more
    from scipy.ndimage import median_filter  # here, not at import: scipy.ndimage costs ~0.3 s
    trend = median_filter(segment, size=trend_window, mode="nearest")[-tail:]
    values = segment[-tail:]
    residual = values - trend
    level = float(np.median(np.abs(trend)))
    scatter = mad_sigma(residual)
    if not level > 0:
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
        "start_loss": float(np.median(np.abs(loss[: min(10, n)]))),
    }


def _val_scatter(history: History) -> dict[str, float] | None:
    va_all = series(history, "val_loss")
    mask = np.isfinite(va_all)
    va, epochs = va_all[mask], epoch_numbers(history)[mask]
    if va.size < MIN_VAL_EPOCHS:
        return None
    tail = min(VAL_TAIL, va.size)
    segment = va[-(tail + 4) :]  # the median's window reaches 2 epochs back: the same values every call
    trend = rolling_median(segment, 5)[-tail:]
    values = va[-tail:]
    # the first descent is not a swing: judge from the first epoch of the tail within 2x of its lowest loss
    settled = int(np.argmax(values <= VAL_SETTLED * float(np.min(values))))
    if tail - settled < MIN_VAL_EPOCHS:
        return None
    values, trend = values[settled:], trend[settled:]
    level = float(np.median(np.abs(trend)))
    if not level > 0:
        return None
    worst = int(np.argmax(values))
    ratio = values / np.maximum(trend, 1e-12)
    jumps = float(np.mean((ratio > VAL_JUMP) | (ratio < 1.0 / VAL_JUMP)))
    scatter = mad_sigma(values - trend)
    first = -tail + settled
    change = values[1:] / np.maximum(values[:-1], 1e-12) - 1.0
    return {
        "val_rise_share": round(float(np.mean(change >= VAL_RISE)), 3),
        "val_fall_share": round(float(np.mean(change <= -VAL_RISE)), 3),
        "val_median_move": round(float(np.median(np.abs(change))), 3),
        "val_jump_share": round(jumps, 3),
        "val_scatter_ratio": round(scatter / level, 3),
        "val_scatter": scatter,
        "val_start": float(va[0]),
        "val_epochs": values.size,
        "val_first_epoch": int(epochs[first]),
        "val_last_epoch": int(epochs[-1]),
        "val_max": float(values[worst]),
        "val_max_epoch": int(epochs[first + worst]),
    }


def _bouncing(val: dict[str, float]) -> bool:
    """Up and down by 5% from epoch to epoch, again and again: what a person reads as a noisy curve."""
    return (val["val_rise_share"] >= VAL_BOUNCE and val["val_fall_share"] >= VAL_BOUNCE / 2
            and val["val_median_move"] >= VAL_MOVE and val["val_scatter_ratio"] >= VAL_MOVE / 2)


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
    val_noisy = val is not None and (
        val["val_scatter_ratio"] >= val_threshold or val["val_jump_share"] >= VAL_JUMP_SHARE or _bouncing(val)
    ) and not (val["val_start"] > 0 and val["val_scatter"] < VAL_ABS_FLOOR * val["val_start"])
    if not (step_noisy or val_noisy):
        return None

    if step_noisy and val is not None and not val_noisy:
        return None  # batch composition: the weights hold still (see the module's docstring)
    if step_noisy and val is None and step["scatter"] < ABS_FLOOR * step["start_loss"]:
        return None
    evidence: dict[str, float] = {**(step or {}), **(val or {})}
    evidence["lr_driven"] = 1.0 if val_noisy else math.nan  # NaN: no validation set to tell
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
        swing = f"validation loss swings ±{pct(100 * val['val_scatter_ratio'])} around its trend"
        if _bouncing(val) and val["val_scatter_ratio"] < val_threshold:
            swing = (f"validation loss moves {pct(100 * val['val_median_move'])} of its level from one epoch to the "
                     f"next (median) and rises in {pct(100 * val['val_rise_share'])} of the epochs")
        if val["val_jump_share"] >= VAL_JUMP_SHARE:
            swing = (f"validation loss jumps {VAL_JUMP:g}× off its trend in {pct(100 * val['val_jump_share'])} "
                     "of the epochs")
        parts.append(
            f"{swing} over the last {int(val['val_epochs'])} epochs (up to {num(val['val_max'])} at epoch "
            f"{int(val['val_max_epoch'])}): the weights bounce, the learning rate is too high for this batch size"
        )
    message = "Noisy training: " + "; ".join(parts)

    ctx = context or DiagnosticContext()
    rate = learning_rate_at(history, steps, step=end_step, fallback=ctx.lr)
    if rate is not None:
        evidence["lr"] = rate
        lower = f"Lower the learning rate 3–10× (from {fmt_lr(rate)} to {fmt_lr(rate / 10)}–{fmt_lr(rate / 3)})"
    else:
        lower = "Lower the learning rate 3–10×"
    suggestion = (f"{lower} or use 2–4× larger batches (the scatter shrinks about as 1/√batch); judge the curve by "
                  "its 5-epoch moving average (the plot's smoothing), not by single epochs.")
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

