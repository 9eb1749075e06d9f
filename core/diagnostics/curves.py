"""Reading metric histories: series, smoothing, robust noise, step <-> epoch.

The history is what the trainer produces: a list of per-epoch mappings with
``epoch`` (1-based), ``step`` (global step at epoch end), ``train_loss``,
``val_loss`` and metrics. Per-step arrays (``step_loss`` …) have index
``i`` = step ``i + 1``. Missing values (``None``) read as NaN.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

History = Sequence[Mapping[str, Any]]
Steps = Mapping[str, Any]

_MAD_TO_SIGMA = 1.4826  # MAD of a normal distribution times this is its sigma

_F = TypeVar("_F", bound=Callable[..., Any])


def quiet_numpy(func: _F) -> _F:
    """Rules read whatever the trainer logged, 1e308 and inf included: overflow is expected, not news."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(all="ignore"):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _as_float(value: Any) -> float:
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def series(history: History, key: str) -> np.ndarray:
    """``history[i][key]`` as float64, NaN where missing."""
    return np.array([_as_float(rec.get(key)) for rec in history], dtype=np.float64)


def first_nonfinite(history: History, key: str) -> int | None:
    """Index of the first record whose ``key`` holds NaN/inf (``None`` is missing, not bad)."""
    for i, rec in enumerate(history):
        value = rec.get(key)
        if value is not None and not math.isfinite(_as_float(value)):
            return i
    return None


def epoch_numbers(history: History) -> np.ndarray:
    """The 1-based epoch of each record (its position + 1 where absent)."""
    out = np.empty(len(history), dtype=np.int64)
    for i, rec in enumerate(history):
        value = _as_float(rec.get("epoch"))
        out[i] = int(value) if math.isfinite(value) and abs(value) < 2**62 else i + 1
    return out


def step_array(steps: Steps | None, key: str) -> np.ndarray | None:
    """A per-step array as 1-D float64, or ``None`` when absent or empty."""
    if not steps or steps.get(key) is None:
        return None
    arr = np.asarray(steps[key], dtype=np.float64).ravel()
    return arr if arr.size else None


def epoch_of_step(history: History, step: int) -> int | None:
    """The epoch that contains global ``step``; the epoch in progress if past the last end."""
    ends = series(history, "step")
    epochs = epoch_numbers(history)
    if not len(history) or not np.isfinite(ends).any():
        return None
    for end, epoch in zip(ends, epochs):
        if math.isfinite(end) and step <= end:
            return int(epoch)
    return int(epochs[-1]) + 1


def step_at_end_of(history: History, index: int) -> int | None:
    value = _as_float(history[index].get("step")) if 0 <= index < len(history) else math.nan
    return int(value) if math.isfinite(value) else None


def learning_rate_at(
    history: History,
    steps: Steps | None = None,
    *,
    index: int | None = None,
    step: int | None = None,
    fallback: float | None = None,
) -> float | None:
    """The learning rate in use at a step or epoch index, else ``fallback``."""
    step_lr = step_array(steps, "step_lr")
    if step is not None and step_lr is not None and 1 <= step <= step_lr.size:
        value = step_lr[step - 1]
        if math.isfinite(value) and value > 0:
            return float(value)
    lrs = series(history, "lr")
    if index is None:
        index = len(history) - 1
    if 0 <= index < len(lrs) and math.isfinite(lrs[index]) and lrs[index] > 0:
        return float(lrs[index])
    if fallback is not None and math.isfinite(fallback) and fallback > 0:
        return float(fallback)
    return None


def _rolling(x: np.ndarray, window: int, reduce) -> np.ndarray:
    """Centred rolling ``reduce`` whose window is clipped (not shrunk) at the ends.

    Clipping keeps ``window`` points near the ends, so the last value is as
    smooth as the middle ones (at the price of a small lag there), and a
    monotone input stays monotone.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    half = max(0, int(window) // 2)
    if n == 0 or half == 0:
        return x.copy()
    width = 2 * half + 1
    if n < width:
        return np.full(n, float(reduce(x)))
    out = np.empty(n)
    out[half : n - half] = reduce(sliding_window_view(x, width), axis=1)
    # Every clipped window near an end is the same first (or last) `width` points.
    out[:half] = reduce(x[:width])
    out[n - half :] = reduce(x[n - width :])
    return out


def rolling_median(x: np.ndarray, window: int) -> np.ndarray:
    return _rolling(x, window, np.median)


def rolling_mean(x: np.ndarray, window: int) -> np.ndarray:
    return _rolling(x, window, np.mean)


def smooth(x: np.ndarray, window: int) -> np.ndarray:
    """Rolling median (drops outliers) then rolling mean (averages the rest)."""
    return rolling_mean(rolling_median(x, window), window)


def noise_sigma(x: np.ndarray) -> float:
    """Noise sigma of a curve, blind to slow trends.

    The larger of two estimates: the MAD of first differences (robust, but
    with few points it can come out far too small by chance) and the standard
    deviation of second differences (steadier, cancels any linear trend).
    Erring high only makes the rules more careful.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.size < 4:
        return 0.0
    d1 = np.diff(x)
    mad = _MAD_TO_SIGMA * float(np.median(np.abs(d1 - np.median(d1)))) / math.sqrt(2.0)
    d2 = np.diff(x, 2)
    return max(mad, float(np.std(d2)) / math.sqrt(6.0))


def mad_sigma(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return 0.0
    return _MAD_TO_SIGMA * float(np.median(np.abs(x - np.median(x))))


def finite_prefix(x: np.ndarray) -> np.ndarray:
    """``x`` up to (not including) its first NaN/inf."""
    bad = ~np.isfinite(x)
    return x[: int(np.argmax(bad))] if bad.any() else x
