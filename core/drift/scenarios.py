"""Deployment scenarios applied to held-out rows (raw values, before normalization).

Each returns new arrays and leaves its inputs alone. ``x`` is ``(N, features)`` raw inputs, ``y``
the class indices or values of the first target; ``sd`` the per-feature standard deviation of
the training split, so a shift of ``k`` is ``k`` standard deviations whatever the units.

- :func:`covariate_shift`: chosen features moved by ``k`` sd (and/or scaled about their mean);
  the targets stay, as when a sensor drifts or a population changes in a way the labels don't;
- :func:`gradual_shift`: the same shift growing linearly over the rows (a ramp), then holding;
- :func:`class_balance`: rows resampled so the classes have the given shares;
- :func:`label_noise`: a share of the labels replaced by another class (or noise on values);
- the built-in sets' shifted variants come from ``load_dataset(..., shifted=True)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCENARIOS = ("shift", "ramp", "balance", "label_noise", "builtin_shifted")


@dataclass
class Scenario:
    """A scenario as the window and CLI describe it."""

    kind: str = "ramp"
    features: tuple[str, ...] = ()
    k: float = 1.0
    scale: float = 1.0
    start: float = 0.3          # ramp: where it starts and ends, as shares of the rows
    end: float = 0.7
    shares: tuple[float, ...] = ()
    rate: float = 0.2
    seed: int = 0


def _columns(names: list[str], features) -> list[int]:
    idx = []
    for f in features:
        if f not in names:
            raise ValueError(f"no feature {f!r}; the features are: {', '.join(names)}")
        idx.append(names.index(f))
    return idx


def covariate_shift(x: np.ndarray, names: list[str], features, sd: np.ndarray, k: float = 1.0,
                    scale: float = 1.0) -> np.ndarray:
    """``features`` moved by ``k`` standard deviations and their spread multiplied by ``scale``."""
    out = np.array(x, dtype=np.float64, copy=True)
    for j in _columns(names, features):
        mean = out[:, j].mean()
        out[:, j] = mean + (out[:, j] - mean) * scale + k * sd[j]
    return out


def ramp(n: int, start: float, end: float) -> np.ndarray:
    """0 before row ``start*n``, rising linearly to 1 at ``end*n``, then 1."""
    t = np.arange(n, dtype=np.float64)
    a, b = start * n, max(end * n, start * n + 1)
    return np.clip((t - a) / (b - a), 0.0, 1.0)


def gradual_shift(x: np.ndarray, names: list[str], features, sd: np.ndarray, k: float = 1.0,
                  start: float = 0.3, end: float = 0.7) -> np.ndarray:
    """A shift of ``k`` sd that grows over the rows in time order (row 0 is the oldest)."""
    out = np.array(x, dtype=np.float64, copy=True)
    r = ramp(len(out), start, end)
    for j in _columns(names, features):
        out[:, j] += k * sd[j] * r
    return out


def class_balance(y: np.ndarray, shares, seed: int = 0, n: int | None = None) -> np.ndarray:
    """Row indices (with replacement) that give class ``c`` the share ``shares[c]``."""
    shares = np.asarray(shares, dtype=np.float64)
    if shares.size == 0 or (shares < 0).any() or shares.sum() <= 0:
        raise ValueError("class shares must be non-negative numbers, one per class, not all zero")
    shares = shares / shares.sum()
    rng = np.random.default_rng(seed)
    n = len(y) if n is None else n
    counts = np.floor(shares * n + 0.5).astype(int)
    idx = []
    for c, k in enumerate(counts):
        members = np.flatnonzero(y == c)
        if k and members.size == 0:
            raise ValueError(f"class {c} has no rows to draw from")
        if k:
            idx.append(rng.choice(members, k, replace=True))
    out = np.concatenate(idx) if idx else np.empty(0, np.int64)
    rng.shuffle(out)
    return out


def label_noise(y: np.ndarray, rate: float, n_classes: int | None, seed: int = 0) -> np.ndarray:
    """A ``rate`` share of the labels replaced by a different class; for values, Gaussian noise of one sd."""
    rng = np.random.default_rng(seed)
    out = np.array(y, copy=True)
    hit = rng.random(len(out)) < rate
    if n_classes:
        out[hit] = (out[hit] + rng.integers(1, n_classes, hit.sum())) % n_classes
    else:
        out = out.astype(np.float64)
        out[hit] += rng.normal(0, out.std() or 1.0, hit.sum())
    return out
