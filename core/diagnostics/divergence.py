"""Divergence: NaN/inf in the training loss, or a loss that explodes.

Step arrays give the exact step; the epoch history is the fallback when
there are none (epoch means are dominated by a few bad batches, so they must
not overrule the steps). An explosion is a loss above 10x the best so far,
both read on *trailing* medians of a fixed width (9 steps for the level, 27
for the best), sustained for 9 steps, so that single bad batches and the dips
of a noisy loss are neither; "best" is floored at 1% of the starting loss so
that a near-zero loss wobbling is not called an explosion either. The loss
must also climb back above where training started (or 100x its best): a
memorizing network whose loss jumps from 0.01 to 0.2 and recovers had a
spike, not a divergence. The starting loss is the first batch's: a median
of the first steps may already hold a blow-up (SGD at lr 50 is at 1e4 by
step 3) or a fast fall (batch-2 SGD on separable data is at 1e-3 by step 5,
and a floor that low makes every later wobble "10x the best").

A loss can also blow up for a few steps and then sit at a constant (every
ReLU dead, the output its bias) without ever becoming NaN or staying 10x up:
once the run has ended, a step loss that jumped by orders of magnitude (100x
the best so far and 10x the start) and whose 9-step medians never came back
below 90% of the level before the jump is a divergence too (``evidence.never_back``).

Every quantity at step ``i`` reads steps ``1..i`` only and the windows never
grow with the run, so the verdict is monotone in the history's length (once
found, an explosion stays found, at the same step) and :class:`ExplosionScan`
reads each step once: a live run costs what its new steps cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .curves import (
    History,
    Steps,
    epoch_numbers,
    epoch_of_step,
    first_nonfinite,
    learning_rate_at,
    quiet_numpy,
    series,
    step_array,
)
from .findings import DiagnosticContext, Finding
from .wording import lr as fmt_lr
from .wording import num, times

EXPLODE_FACTOR = 10.0
EXPLODE_FACTOR_ANYWAY = 100.0  # this far above the best, even a loss still below the starting one has exploded
BEST_FLOOR = 0.01  # of the starting loss
STEP_WINDOW = 9  # steps: the trailing median of the level, and how long it must stay above the limit
BEST_SPAN = 3  # the best so far is read on a 3x longer trailing median
CHUNK = 4096  # values per vectorized pass
SPIKE_FACTOR = 100.0  # "orders of magnitude": a step loss this far above the best so far ...
SPIKE_OVER_START = 10.0  # ... and this far above the starting loss
NEVER_BACK = 0.9  # after the jump, every 9-step median stayed above 90% of the level before it


def _trailing_median(ext: np.ndarray, first: int, width: int) -> np.ndarray:
    """Median of ``ext[max(0, j - width + 1) : j + 1]`` for every ``j >= first`` (windows clipped at 0)."""
    n = ext.size
    if width <= 1:
        return ext[first:].copy()
    out = np.empty(n - first)
    for j in range(first, min(n, width - 1)):
        out[j - first] = np.median(ext[: j + 1])
    full_from = max(first, width - 1)
    if full_from < n:
        # scipy's C median filter, shifted to end each window at its point (numpy's sliding median costs 5x more)
        part = ext[full_from - width + 1 :]
        from scipy.ndimage import median_filter  # here, not at import: scipy.ndimage costs ~0.3 s
        out[full_from - first :] = median_filter(part, size=width, origin=(width - 1) // 2, mode="nearest")[width - 1 :]
    return out


def _first_run_end(flags: np.ndarray, length: int) -> int | None:
    """Index where the first run of ``length`` consecutive True values completes, or ``None``."""
    if length <= 1:
        return int(np.argmax(flags)) if flags.any() else None
    if flags.size < length:
        return None
    full = sliding_window_view(flags, length).all(axis=1)
    return int(np.argmax(full)) + length - 1 if full.any() else None


class ExplosionScan:
    """Incremental search for the first sustained explosion of a loss series.

    :meth:`feed` appends finite values; :meth:`close` says the series ended on
    NaN/inf (then a rise that lasted half the window counts). :attr:`found` is
    ``(index, level, best, best index)`` (0-based) or ``None``. Feeding a series
    in pieces gives exactly what feeding it whole gives; each value is read
    once, with a fixed context of a few windows kept from before.
    """

    def __init__(self, window: int = STEP_WINDOW) -> None:
        self.window = max(1, int(window))
        self.slow_width = BEST_SPAN * self.window if self.window > 1 else 1
        self.keep = self.slow_width + 2 * self.window
        self.n = 0
        self.start = math.nan  # the first value: the starting loss
        self.buf = np.empty(0)  # the last `keep` values
        self.best_slow, self.best_slow_index = math.inf, -1
        self.run = 0  # smoothed values over the limit in a row, ending at the last one
        self.past_limits = np.empty(0)  # limits of the last `window` values
        self.found: tuple[int, float, float, int] | None = None
        self.closed = False

    def feed(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.float64).ravel()
        for lo in range(0, values.size, CHUNK):  # bounded temporaries: a million steps cost no 200 MB
            self._feed(values[lo : lo + CHUNK])

    def _feed(self, values: np.ndarray) -> None:
        m = values.size
        if self.closed or self.found is not None or not m:
            self.n += 0 if self.closed else m
            return
        first = self.n
        if first == 0:
            self.start = float(values[0])
        ext = np.concatenate((self.buf, values))
        offset = first - self.buf.size  # ext[j] holds value offset + j; 0 while the series is short
        local = self.buf.size
        cur = _trailing_median(ext, local, self.window)
        slow = _trailing_median(ext, local, self.slow_width)
        starts = np.full(m, self.start)
        run_min = np.minimum.accumulate(np.concatenate(([self.best_slow], slow)))[1:]
        best = np.maximum(np.minimum(run_min, starts), BEST_FLOOR * np.abs(starts))
        limit = np.maximum(EXPLODE_FACTOR * best, np.minimum(starts, EXPLODE_FACTOR_ANYWAY * best))
        over = cur > limit
        limits = np.concatenate((self.past_limits, limit))  # limits[p] is value first - past + p
        past = self.past_limits.size
        end = _first_run_end(np.concatenate((np.ones(self.run, dtype=bool), over)), self.window)
        if end is not None:
            self._settle(first - self.run + end - self.window + 1, ext, offset, limits, first - past, slow, first)
        else:
            k = int(np.argmin(slow))
            if slow[k] < self.best_slow:
                self.best_slow, self.best_slow_index = float(slow[k]), first + k
            self.run = m + self.run if over.all() else int(np.argmin(over[::-1]))
        self.n = first + m
        self.buf = ext[-self.keep :]
        self.past_limits = limits[-self.window :]

    def close(self) -> None:
        """The series ended on NaN/inf: a rise over the limit for half the window is enough."""
        if self.found is None and not self.closed and self.run >= self.window // 2 + 1:
            ext, offset = self.buf, self.n - self.buf.size
            self._settle(self.n - self.run, ext, offset, self.past_limits, self.n - self.past_limits.size, None, self.n)
        self.closed = True

    def _settle(self, run_start, ext, offset, limits, limits_from, slow, first) -> None:
        limit = float(limits[run_start - limits_from])
        # The trailing median crosses up to a window late: the first raw value over the limit.
        lo = max(offset, run_start - self.window + 1)
        raw = ext[lo - offset : run_start - offset + 1]
        above = np.flatnonzero(raw > limit)
        index = lo + int(above[0]) if above.size else run_start
        level = float(np.median(ext[index - offset : index - offset + self.window]))
        best_value, best_index = self.best_slow, self.best_slow_index
        if slow is not None and index >= first:
            part = slow[: index - first + 1]
            k = int(np.argmin(part))
            if part[k] < best_value:
                best_value, best_index = float(part[k]), first + k
        best = max(min(best_value, self.start), BEST_FLOOR * abs(self.start))
        self.found = (index, level, best, max(0, best_index))


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
    series: str = "training"  # which loss it was read on


def _stuck_after_spike(loss: np.ndarray) -> tuple[int, float, float, float] | None:
    """``(index, spike, level before, lowest 9-step median after)`` of a jump by orders of magnitude that
    never came back (see the module's docstring), or ``None``; reads the whole (finite) series once."""
    n = loss.size
    if n < 3 * STEP_WINDOW or not np.isfinite(loss).all():
        return None
    start = float(loss[0])
    if not start > 0:
        return None
    slow = _trailing_median(loss, 0, BEST_SPAN * STEP_WINDOW)
    before = np.concatenate(([start], np.minimum.accumulate(slow)[:-1]))
    before = np.maximum(np.minimum(before, start), BEST_FLOOR * start)
    spikes = np.flatnonzero(loss >= np.maximum(SPIKE_FACTOR * before, SPIKE_OVER_START * start))
    if not spikes.size:
        return None
    i = int(spikes[0])
    if n - i < 2 * STEP_WINDOW:
        return None  # too few steps after it to say it never came back
    after = _trailing_median(loss, i + STEP_WINDOW, STEP_WINDOW)
    low = float(np.min(after))
    if low < NEVER_BACK * float(before[i]):
        return None
    return i, float(loss[i]), float(before[i]), low


class DivergenceScan:
    """What :func:`find_divergence` reads, kept between calls: the step scan advances by the new steps only.

    One per run; handed a series that is not an extension of what it saw (a
    new run, fewer steps), it starts over.
    """

    def __init__(self) -> None:
        self.scan = ExplosionScan(STEP_WINDOW)
        self.first = math.nan
        self.nonfinite: int | None = None  # 0-based index of the first NaN/inf step

    def advance(self, loss: np.ndarray) -> None:
        n = loss.size
        if n < self.scan.n or (self.scan.n and not _same(loss[0], self.first)):
            self.__init__()
        if not self.scan.n and n:
            self.first = float(loss[0])
        if self.nonfinite is not None or n == self.scan.n:
            return
        new = loss[self.scan.n :]
        bad = ~np.isfinite(new)
        if bad.any():
            k = int(np.argmax(bad))
            self.scan.feed(new[:k])
            self.nonfinite = self.scan.n
            self.scan.close()
        else:
            self.scan.feed(new)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _step_event(history: History, steps: Steps | None, state: DivergenceScan | None) -> _Event | None:
    loss = step_array(steps, "step_loss")
    if loss is None:
        return None
    state = state or DivergenceScan()
    state.advance(loss)
    found, stop = state.scan.found, state.nonfinite
    if found is not None:
        i, level, best, best_i = found
        event = _Event("explode", level, i + 1, epoch_of_step(history, i + 1), None, best, best_i + 1)
        event.nonfinite_step = stop + 1 if stop is not None else None
        return event
    if stop is not None:
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
    found = None
    if finite.sum() >= 2:
        scan = ExplosionScan(1)
        scan.feed(prefix[finite])
        found = scan.found
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


def _val_event(history: History) -> _Event | None:
    """The validation loss became NaN/inf (the training steps may still be finite numbers)."""
    bad = first_nonfinite(history, "val_loss")
    if bad is None:
        return None
    value = float(series(history[bad : bad + 1], "val_loss")[0])
    epoch = int(epoch_numbers(history)[bad])
    return _Event("NaN" if math.isnan(value) else "inf", value, None, epoch, bad, series="validation")


def _headline(event: _Event, stuck: tuple | None) -> str:
    """What happened, where, against what: the first part of the divergence message."""
    where = f"step {event.step}" if event.step is not None else f"epoch {event.epoch}"
    if event.step is not None and event.epoch is not None:
        where += f" (epoch {event.epoch})"
    if stuck is not None:
        message = (
            f"Training loss exploded at {where} to {num(event.value)}, {times(event.value / event.best)} its level "
            f"{num(event.best)} before, and never came back: the lowest it reached afterwards was {num(stuck[3])} "
            "(a network whose units died in the blow-up: the loss sits at a constant)"
        )
    elif event.what == "explode":
        unit = "step" if event.index is None else "epoch"
        ratio = event.value / event.best if event.best > 0 else math.inf
        message = (
            f"Training loss exploded at {where}: {num(event.value)}, "
            f"{times(ratio)} its best {num(event.best)} at {unit} {event.best_at}"
        )
    else:
        message = f"Diverged at {where}: {event.series} loss became {event.what}"

    return message


@quiet_numpy
def find_divergence(
    history: History,
    steps: Steps | None = None,
    *,
    context: DiagnosticContext | None = None,
    state: DivergenceScan | None = None,
    final: bool = False,
) -> Finding | None:
    """Training diverged: NaN/inf loss, or a loss above 10x its best so far and back above its start
    (or 100x its best); once the run has ended (``final``), also a jump by orders of magnitude that never
    came back.

    ``state`` (a :class:`DivergenceScan` kept by the caller across calls on one growing run) makes the
    step scan incremental; the answer is the same with or without it."""
    has_steps = step_array(steps, "step_loss") is not None
    event = _step_event(history, steps, state) if has_steps else _epoch_event(history)
    stuck = None
    if event is None and final and has_steps:
        stuck = _stuck_after_spike(step_array(steps, "step_loss"))
        if stuck is not None:
            i, spike, before, low = stuck
            event = _Event("explode", spike, i + 1, epoch_of_step(history, i + 1), None, before, None)
    if event is None:
        event = _val_event(history)  # the steps stayed finite, but the model's outputs overflowed
    if event is None:
        return None
    index = event.index
    if index is None and event.epoch is not None:
        index = min(event.epoch - 1, len(history) - 1)
    rate = learning_rate_at(history, steps, index=index, step=event.step, fallback=context.lr if context else None)

    message = _headline(event, stuck)
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
    if stuck is not None:
        evidence["never_back"] = 1
        evidence["lowest_after"] = stuck[3]
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
