"""Growing numpy buffers and TensorBoard's smoothing, vectorised (no Qt).

Live plots append to pre-allocated float64 arrays that double when full, so a million steps cost
about twenty reallocations in all, and ``view()`` hands pyqtgraph a contiguous slice without a copy.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["GrowingArray", "EmaState", "ema", "ema_full"]


class GrowingArray:
    """A 1-D float64 array with amortised O(1) append; ``view()`` is the filled part (no copy).

    A view taken before a growth keeps pointing at the old storage, whose filled part never
    changes afterwards, so a plot holding it stays valid.
    """

    def __init__(self, capacity: int = 1024, fill: float = math.nan) -> None:
        self._data = np.full(max(16, int(capacity)), fill, dtype=np.float64)
        self._n = 0
        self._fill = fill

    def __len__(self) -> int:
        return self._n

    @property
    def capacity(self) -> int:
        return int(self._data.size)

    def _reserve(self, n: int) -> None:
        if n <= self._data.size:
            return
        size = self._data.size
        while size < n:
            size *= 2
        grown = np.full(size, self._fill, dtype=np.float64)
        grown[:self._n] = self._data[:self._n]
        self._data = grown

    def extend(self, values) -> None:
        """Append values (any sequence of numbers or a numpy array)."""
        arr = np.asarray(values, dtype=np.float64).ravel()
        m = arr.size
        if not m:
            return
        self._reserve(self._n + m)
        self._data[self._n:self._n + m] = arr
        self._n += m

    def append(self, value: float) -> None:
        self._reserve(self._n + 1)
        self._data[self._n] = value
        self._n += 1

    def pad_to(self, n: int) -> None:
        """Grow to length ``n`` with the fill value (a column that started late, e.g. a penalty)."""
        if n > self._n:
            self._reserve(n)
            self._data[self._n:n] = self._fill
            self._n = n

    def view(self) -> np.ndarray:
        return self._data[:self._n]

    def clear(self) -> None:
        self._n = 0


class EmaState:
    """Where an incremental :func:`ema` left off: the biased running value and the finite count."""

    __slots__ = ("last", "count")

    def __init__(self, last: float = 0.0, count: int = 0) -> None:
        self.last = last
        self.count = count


def _linear_scan(b: np.ndarray, a: float) -> np.ndarray:
    """``y[t] = a * y[t-1] + b[t]`` with ``y[-1] = 0``, by log2(n) doubling passes (Hillis-Steele).

    Each pass multiplies by ``a ** (2 ** k)`` <= 1, so it is as stable as the plain loop; passes stop
    once that factor is below 1e-17 (the older terms no longer change a float64).
    """
    y = b.copy()
    n = y.size
    shift, p = 1, a
    while shift < n and p > 1e-17:
        y[shift:] += p * y[:-shift]
        p *= p
        shift *= 2
    return y


def ema(values: np.ndarray, weight: float, state: EmaState | None = None) -> tuple[np.ndarray, EmaState]:
    """TensorBoard's debiased exponential moving average, continuing from ``state``.

    ``weight`` is the smoothing (0 = none, 0.999 = heavy). Non-finite values are skipped (they come
    out as NaN and do not poison what follows), like TensorBoard's scalar dashboard.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    state = EmaState(state.last, state.count) if state is not None else EmaState()
    if x.size == 0:
        return np.empty(0), state
    a = float(min(max(weight, 0.0), 0.9999))
    mask = np.isfinite(x)
    all_finite = bool(mask.all())
    xf = x if all_finite else x[mask]
    m = xf.size
    if m == 0:
        return np.full(x.shape, np.nan), state
    if a == 0.0:
        smoothed = xf.copy()
        state.last = float(xf[-1])
    else:
        b = (1.0 - a) * xf
        b[0] += a * state.last
        smoothed = _linear_scan(b, a)
        state.last = float(smoothed[-1])
        # debias only where a**count still matters: a**count < 1e-17 leaves the value unchanged
        k = min(m, max(0, int(math.ceil(-39.2 / math.log(a))) - state.count))
        if k > 0:
            counts = np.arange(state.count + 1, state.count + k + 1, dtype=np.float64)
            smoothed[:k] /= 1.0 - np.power(a, counts)
    state.count += m
    if all_finite:
        return smoothed, state
    out = np.full(x.shape, np.nan)
    out[mask] = smoothed
    return out, state


def ema_full(values: np.ndarray, weight: float) -> np.ndarray:
    """The smoothed curve of a whole series (see :func:`ema`)."""
    return ema(values, weight)[0]
