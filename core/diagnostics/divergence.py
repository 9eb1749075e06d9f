"""Divergence: NaN/inf in the training loss, or a loss that explodes.

Step arrays give the exact step; the epoch history is the fallback. An
explosion is a (5-step median) loss above 10x the best so far, where "best" is
floored at 1% of the starting loss so that a near-zero loss wobbling is not
called an explosion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .curves import (
    History,
    Steps,
    epoch_numbers,
    epoch_of_step,
    first_nonfinite,
    learning_rate_at,
    rolling_median,
    series,
    step_array,
)
from .findings import DiagnosticContext, Finding
from .wording import lr as fmt_lr
from .wording import num, times

EXPLODE_FACTOR = 10.0
BEST_FLOOR = 0.01  # of the starting loss
STEP_SMOOTH = 5  # one bad batch is a spike, three in five is an explosion


@dataclass
class _Event:
    what: str  # "NaN", "inf" or "explode"
    value: float
    step: int | None
    epoch: int | None
    index: int | None  # epoch index in history
    best: float = math.nan
    best_at: int | None = None  # step or epoch of the best, by the same unit as the event
    nonfinite_step: int | None = None  # where an explosion finally turned NaN/inf


def _explosion(loss: np.ndarray, smooth_window: int) -> tuple[int, float, int] | None:
    """(index, best, best index) of the first point above EXPLODE_FACTOR x the best so far."""
    if loss.size < 2:
        return None
    start = float(np.median(loss[: min(10, loss.size)]))
    floor = BEST_FLOOR * abs(start)
    # Only smooth near raw candidates: a smoothed point above the limit needs raw points above it.
    raw_limit = EXPLODE_FACTOR * np.maximum(np.minimum.accumulate(loss), floor)
    if not (loss > raw_limit).any():
        return None
    smoothed = rolling_median(loss, smooth_window) if smooth_window > 1 else loss
    best = np.minimum.accumulate(smoothed)
    over = smoothed > EXPLODE_FACTOR * np.maximum(best, floor)
    if not over.any():
        return None
    i = int(np.argmax(over))
    best_index = int(np.argmin(smoothed[: i + 1]))
    return i, float(smoothed[best_index]), best_index


def _step_event(history: History, steps: Steps | None) -> _Event | None:
    loss = step_array(steps, "step_loss")
    if loss is None:
        return None
    bad = ~np.isfinite(loss)
    stop = int(np.argmax(bad)) if bad.any() else loss.size
    found = _explosion(loss[:stop], STEP_SMOOTH)
    if found is not None:
        i, best, best_i = found
        event = _Event("explode", float(loss[i]), i + 1, epoch_of_step(history, i + 1), None, best, best_i + 1)
        event.nonfinite_step = stop + 1 if stop < loss.size else None
        return event
    if stop < loss.size:
        value = float(loss[stop])
        return _Event("NaN" if math.isnan(value) else "inf", value, stop + 1, epoch_of_step(history, stop + 1), None)
    return None


def _epoch_event(history: History) -> _Event | None:
    epochs = epoch_numbers(history)
    bad = first_nonfinite(history, "train_loss")
    tr = series(history, "train_loss")
    stop = bad if bad is not None else len(history)
    prefix = tr[:stop]
    finite = np.isfinite(prefix)
    found = _explosion(prefix[finite], 1) if finite.sum() >= 2 else None
    if found is not None:
        idx = np.flatnonzero(finite)
        i, best, best_i = found
        e = int(idx[i])
        # The epoch mean says which epoch, not which step: leave the step unknown.
        return _Event("explode", float(tr[e]), None, int(epochs[e]), e, best, int(epochs[idx[best_i]]))
    if bad is not None:
        value = float(tr[bad])
        return _Event("NaN" if math.isnan(value) else "inf", value, None, int(epochs[bad]), bad)
    return None


def find_divergence(
    history: History,
    steps: Steps | None = None,
    *,
    context: DiagnosticContext | None = None,
) -> Finding | None:
    """Training diverged: NaN/inf loss or a loss above 10x its best so far."""
    event = _step_event(history, steps) or _epoch_event(history)
    if event is None:
        return None
    index = event.index
    if index is None and event.epoch is not None:
        index = min(event.epoch - 1, len(history) - 1)
    rate = learning_rate_at(history, steps, index=index, step=event.step, fallback=context.lr if context else None)

    where = f"step {event.step}" if event.step is not None else f"epoch {event.epoch}"
    if event.step is not None and event.epoch is not None:
        where += f" (epoch {event.epoch})"
    if event.what == "explode":
        unit = "step" if event.index is None else "epoch"
        ratio = event.value / event.best if event.best > 0 else math.inf
        message = (
            f"Training loss exploded at {where}: {num(event.value)}, "
            f"{times(ratio)} its best {num(event.best)} at {unit} {event.best_at}"
        )
    else:
        message = f"Diverged at {where}: training loss became {event.what}"

    if event.nonfinite_step is not None:
        message += f", then NaN/inf at step {event.nonfinite_step}"
    grad = step_array(steps, "step_grad_norm")
    evidence: dict[str, float] = {"loss": event.value}
    if event.step is not None:
        evidence["step"] = event.step
    if event.epoch is not None:
        evidence["epoch"] = event.epoch
    if event.nonfinite_step is not None:
        evidence["nonfinite_step"] = event.nonfinite_step
    if event.what == "explode":
        evidence["best_loss"] = event.best
        evidence["ratio"] = round(event.value / event.best, 2) if event.best > 0 else math.inf
    if rate is not None:
        evidence["lr"] = rate
    if grad is not None and event.step is not None:
        upto = grad[: event.step]
        finite = upto[np.isfinite(upto)]
        if finite.size:
            evidence["max_grad_norm"] = float(finite.max())
            message += f"; gradient norm peaked at {num(float(finite.max()))}"

    if rate is not None:
        lower = f"Lower the learning rate 10× (from {fmt_lr(rate)} to {fmt_lr(rate / 10)})"
    else:
        lower = "Lower the learning rate 10×"
    suggestion = (
        f"{lower} or clip gradients (max norm 1.0); check that the inputs are normalized"
        + (" and that the loss never takes log(0)." if event.what != "explode" else ".")
    )
    return Finding(
        kind="divergence",
        severity="error",
        message=message,
        suggestion=suggestion,
        evidence=evidence,
        start_epoch=event.epoch,
        end_epoch=event.epoch,
        start_step=event.step,
        end_step=event.step,
    )
