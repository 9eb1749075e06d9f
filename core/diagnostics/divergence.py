"""Divergence: NaN/inf in the training loss, or a loss that explodes.

Step arrays give the exact step; the epoch history is the fallback when
there are none (epoch means are dominated by a few bad batches, so they must
not overrule the steps). An explosion is a loss above 10x the best so far,
both read on a rolling median (5 to 51 steps, ~2% of the run) and sustained
for as many steps, so that single bad batches and the dips of a noisy loss
are neither; "best" is floored at 1% of the starting loss so that a
near-zero loss wobbling is not called an explosion either. The loss must
also climb back above where training started (or 100x its best): a
memorizing network whose loss jumps from 0.01 to 0.2 and recovers had a
spike, not a divergence. The starting loss is the first batch's when the
loss blows up within the first steps, so that a median that already holds
the blow-up cannot pass for "the start" or "the best".
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
    quiet_numpy,
    rolling_median,
    series,
    step_array,
)
from .findings import DiagnosticContext, Finding
from .wording import lr as fmt_lr
from .wording import num, times

EXPLODE_FACTOR = 10.0
EXPLODE_FACTOR_ANYWAY = 100.0  # this far above the best, even a loss still below the starting one has exploded
BEST_FLOOR = 0.01  # of the starting loss
LONG_RUN = 20_000  # steps; past this, explosions are searched on block medians (cost stays ~flat)


def step_smooth_window(n_steps: int) -> int:
    """Odd, 5..51 steps: half the window must have blown up before it counts."""
    return max(5, min(51, (n_steps // 50) | 1))


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


def _first_sustained(over: np.ndarray, run: int) -> int | None:
    """First index that starts ``run`` consecutive True values (fewer, from half of it, if they reach the end)."""
    if run <= 1:
        return int(np.argmax(over)) if over.any() else None
    padded = np.concatenate(([False], over, [False])).astype(np.int8)
    edges = np.diff(padded)
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    for start, stop in zip(starts, stops):
        length = stop - start
        if length >= run or (stop == over.size and length >= run // 2 + 1):
            return int(start)
    return None


def _explosion(loss: np.ndarray, window: int) -> tuple[int, float, float, int] | None:
    """(index, level, best, best index) of the first sustained rise above EXPLODE_FACTOR x the best so far.

    The best so far is read on a 3x longer median than the current level, so
    that a few lucky batches cannot make a low "best" that every later batch
    exceeds tenfold.
    """
    if loss.size < 2:
        return None
    # The median of the first steps, unless the loss blew up within them: then the first step's.
    start = min(float(np.median(loss[: min(10, loss.size)])), float(loss[0]))
    floor = BEST_FLOOR * abs(start)
    # Cheap exit first: a smoothed point above the limit needs raw points above it.
    if not (loss > EXPLODE_FACTOR * np.maximum(np.minimum.accumulate(loss), floor)).any():
        return None
    current = rolling_median(loss, window) if window > 1 else loss
    slow = rolling_median(loss, 3 * window) if window > 1 else loss
    # Centred windows look ahead: near the start they may already hold the blow-up, so cap by the start.
    best = np.maximum(np.minimum(np.minimum.accumulate(slow), start), floor)
    limit = np.maximum(EXPLODE_FACTOR * best, np.minimum(start, EXPLODE_FACTOR_ANYWAY * best))
    i = _first_sustained(current > limit, window)
    if i is None:
        return None
    # The smoothed curve crosses up to half a window early or late: the first raw step over the limit.
    lo = max(0, i - window // 2)
    over = np.flatnonzero(loss[lo : i + window] > limit[lo : i + window])
    if over.size:
        i = lo + int(over[0])
    best_index = int(np.argmin(slow[: i + 1]))
    level = float(np.median(loss[i : i + window]))
    return i, level, float(best[i]), best_index


def _step_explosion(loss: np.ndarray) -> tuple[int, float, float, int] | None:
    """:func:`_explosion` on step losses; long runs are read as block medians, then refined."""
    n = loss.size
    if n <= LONG_RUN:
        return _explosion(loss, step_smooth_window(n))
    block = n // (LONG_RUN // 4)
    count = n // block
    medians = np.median(loss[: count * block].reshape(count, block), axis=1)
    found = _explosion(medians, 5)
    if found is None:
        return None
    j, level, best, best_j = found
    lo, hi = max(0, (j - 2) * block), min(n, (j + 3) * block)
    above = np.flatnonzero(rolling_median(loss[lo:hi], 5) > EXPLODE_FACTOR * best)
    first = lo + int(above[0]) if above.size else j * block
    return first, level, best, best_j * block + block // 2


def _step_event(history: History, steps: Steps | None) -> _Event | None:
    loss = step_array(steps, "step_loss")
    if loss is None:
        return None
    bad = ~np.isfinite(loss)
    stop = int(np.argmax(bad)) if bad.any() else loss.size
    found = _step_explosion(loss[:stop])
    if found is not None:
        i, level, best, best_i = found
        event = _Event("explode", level, i + 1, epoch_of_step(history, i + 1), None, best, best_i + 1)
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
        i, level, best, best_i = found
        e = int(idx[i])
        # The epoch mean says which epoch, not which step: leave the step unknown.
        return _Event("explode", level, None, int(epochs[e]), e, best, int(epochs[idx[best_i]]))
    if bad is not None:
        value = float(tr[bad])
        return _Event("NaN" if math.isnan(value) else "inf", value, None, int(epochs[bad]), bad)
    return None


@quiet_numpy
def find_divergence(
    history: History,
    steps: Steps | None = None,
    *,
    context: DiagnosticContext | None = None,
) -> Finding | None:
    """Training diverged: NaN/inf loss, or a loss above 10x its best so far and back above its start
    (or 100x its best)."""
    has_steps = step_array(steps, "step_loss") is not None
    event = _step_event(history, steps) if has_steps else _epoch_event(history)
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
