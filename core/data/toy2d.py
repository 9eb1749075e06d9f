"""2-D classification sets in the style of TensorFlow Playground: circle, xor, gauss, spiral, moons.

Points live in the Playground's square of about -6..6. Labels come from the clean point, then
Gaussian jitter with standard deviation ``2.5 * noise`` is added, so noise really mixes the
classes: 0.1 leaves a set a small network learns well, 0.5 makes it hard, 1 nearly hopeless.

The shifted ("deployment") variant rotates every point by 25 degrees about the origin, moves
it by (+1.5, +0.5) and keeps only a third of class 0, so both the input distribution and the
class balance change.
"""
from __future__ import annotations

import math

import numpy as np

from core.data.dataset import CLASSIFICATION, RawData, TargetInfo

RADIUS = 5.0
NOISE_SCALE = 2.5
SHIFT_ANGLE_DEG = 25.0
SHIFT_OFFSET = (1.5, 0.5)
SHIFT_KEEP_CLASS0 = 1 / 3
FEATURES = ["x1", "x2"]


def _rng(params: dict, shifted: bool) -> np.random.Generator:
    # The deployment data is a fresh draw, not the training points moved.
    return np.random.default_rng([int(params["seed"]), 1 if shifted else 0])


def _finish(x: np.ndarray, y: np.ndarray, n_classes: int, noise: float, rng: np.random.Generator,
            shifted: bool) -> RawData:
    x = x + rng.normal(0.0, NOISE_SCALE * noise, size=x.shape)
    if shifted:
        a = math.radians(SHIFT_ANGLE_DEG)
        rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
        x = x @ rot.T + np.asarray(SHIFT_OFFSET)
        keep = (y != 0) | (rng.random(y.shape[0]) < SHIFT_KEEP_CLASS0)
        x, y = x[keep], y[keep]
    info = TargetInfo("label", CLASSIFICATION, [str(c) for c in range(n_classes)], n_classes)
    return RawData(x.astype(np.float32), {"label": y.astype(np.int64)}, {"label": info}, list(FEATURES))


def _polar(r: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.stack([r * np.sin(t), r * np.cos(t)], axis=1)


def circle(params: dict, shifted: bool = False) -> RawData:
    """Class 1 inside a disc of radius 2.5, class 0 on a ring from 3.5 to 5 around it."""
    n, rng = params["samples"], _rng(params, shifted)
    n_in = n // 2
    n_out = n - n_in
    inner = _polar(rng.uniform(0, RADIUS * 0.5, n_in), rng.uniform(0, 2 * math.pi, n_in))
    outer = _polar(rng.uniform(RADIUS * 0.7, RADIUS, n_out), rng.uniform(0, 2 * math.pi, n_out))
    x = np.concatenate([outer, inner])
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    return _finish(x, y, 2, params["noise"], rng, shifted)


def xor(params: dict, shifted: bool = False) -> RawData:
    """Class 1 where x1 and x2 have the same sign; a small gap keeps the quadrants apart."""
    n, rng = params["samples"], _rng(params, shifted)
    pad = 0.3
    x = rng.uniform(-RADIUS, RADIUS, size=(n, 2))
    x = x + np.where(x > 0, pad, -pad)
    y = (x[:, 0] * x[:, 1] >= 0).astype(np.int64)
    return _finish(x, y, 2, params["noise"], rng, shifted)


def gauss(params: dict, shifted: bool = False) -> RawData:
    """Two Gaussian blobs (sd 0.7) centred at (2, 2) (class 1) and (-2, -2) (class 0)."""
    n, rng = params["samples"], _rng(params, shifted)
    n1 = n // 2
    n0 = n - n1
    x = np.concatenate([rng.normal(-2.0, 0.7, size=(n0, 2)), rng.normal(2.0, 0.7, size=(n1, 2))])
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    return _finish(x, y, 2, params["noise"], rng, shifted)


def spiral(params: dict, shifted: bool = False) -> RawData:
    """``classes`` interleaved spiral arms, each winding 1.75 turns out to radius 5."""
    n, k, rng = params["samples"], params["classes"], _rng(params, shifted)
    xs, ys = [], []
    for c in range(k):
        m = n // k + (1 if c < n % k else 0)
        i = np.arange(m) / max(m, 1)
        xs.append(_polar(i * RADIUS, 1.75 * i * 2 * math.pi + 2 * math.pi * c / k))
        ys.append(np.full(m, c))
    return _finish(np.concatenate(xs), np.concatenate(ys), k, params["noise"], rng, shifted)


def moons(params: dict, shifted: bool = False) -> RawData:
    """Two interleaving half circles (scikit-learn's make_moons, scaled by 2.5 and centred)."""
    n, rng = params["samples"], _rng(params, shifted)
    n0 = n // 2
    n1 = n - n0
    t0 = np.linspace(0, math.pi, n0)
    t1 = np.linspace(0, math.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    x = (np.concatenate([upper, lower]) - np.array([0.5, 0.25])) * 2.5
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    return _finish(x, y, 2, params["noise"], rng, shifted)
