"""Regression curves and surfaces: sine (1-D), plane and gauss_regression (2-D).

Targets stay within about -1..1 and ``noise`` is the standard deviation of the Gaussian noise
added to them, so 0.1 is a clean fit and 0.5 buries most of the signal.

The shifted variants move the inputs partly outside the training range, where a network has
to extrapolate: sine by +pi, the 2-D sets by (+2.5, +1).
"""
from __future__ import annotations

import math

import numpy as np

from core.data.dataset import REGRESSION, RawData, TargetInfo

SHIFT_2D = (2.5, 1.0)
SHIFT_SINE = math.pi


def _rng(params: dict, shifted: bool) -> np.random.Generator:
    return np.random.default_rng([int(params["seed"]), 1 if shifted else 0])


def _raw(x: np.ndarray, y: np.ndarray, noise: float, rng: np.random.Generator, features: list[str]) -> RawData:
    y = y + rng.normal(0.0, noise, size=y.shape)
    info = TargetInfo("y", REGRESSION, [], 1)
    return RawData(x.astype(np.float32), {"y": y.astype(np.float32)}, {"y": info}, features)


def sine(params: dict, shifted: bool = False) -> RawData:
    """y = sin(x) + noise for x uniform in -2*pi..2*pi (two periods)."""
    rng = _rng(params, shifted)
    x = rng.uniform(-2 * math.pi, 2 * math.pi, size=(params["samples"], 1))
    if shifted:
        x = x + SHIFT_SINE
    return _raw(x, np.sin(x[:, 0]), params["noise"], rng, ["x"])


def _square(params: dict, shifted: bool, rng: np.random.Generator) -> np.ndarray:
    x = rng.uniform(-5.0, 5.0, size=(params["samples"], 2))
    return x + np.asarray(SHIFT_2D) if shifted else x


def plane(params: dict, shifted: bool = False) -> RawData:
    """y = (0.7 * x1 - 0.3 * x2) / 5 + noise on the square -5..5."""
    rng = _rng(params, shifted)
    x = _square(params, shifted, rng)
    return _raw(x, (0.7 * x[:, 0] - 0.3 * x[:, 1]) / 5.0, params["noise"], rng, ["x1", "x2"])


def gauss_regression(params: dict, shifted: bool = False) -> RawData:
    """A bump up at (-2, 2) and a bump down at (2, -2) (Gaussian, width 1.5) on the square -5..5."""
    rng = _rng(params, shifted)
    x = _square(params, shifted, rng)

    def bump(cx: float, cy: float) -> np.ndarray:
        return np.exp(-((x[:, 0] - cx) ** 2 + (x[:, 1] - cy) ** 2) / (2 * 1.5 ** 2))

    return _raw(x, bump(-2.0, 2.0) - bump(2.0, -2.0), params["noise"], rng, ["x1", "x2"])
