"""What a sample looks like to a person: an image, a table row with its column names, a 2-D point."""
from __future__ import annotations

import numpy as np

from .predictions import split_data

IMAGE = "image"
POINTS = "points"
ROWS = "rows"


def sample_kind(dataset) -> str:
    """``image`` for ``(C, H, W)`` inputs, ``points`` for two features (the toy sets), else ``rows``."""
    shape = tuple(dataset.input_shape)
    if len(shape) == 3:
        return IMAGE
    return POINTS if shape == (2,) else ROWS


def sample_inputs(dataset, split: str, indices) -> np.ndarray:
    """The inputs of rows ``indices`` of ``split`` in the person's units: the unnormalized values
    (the split's raw copy when the data set keeps one, else the normalization undone)."""
    idx = np.asarray(indices, dtype=np.int64)
    raw = getattr(dataset, f"raw_{split}", None)
    if raw is not None and len(raw) == int(getattr(dataset, f"x_{split}").shape[0]):
        return np.asarray(raw)[idx].astype(np.float64)
    x, _ = split_data(dataset, split)
    values = x[idx].numpy().astype(np.float64) if len(idx) else np.zeros((0, *dataset.input_shape))
    if dataset.mean is not None and dataset.std is not None:
        values = values * np.asarray(dataset.std, dtype=np.float64) + np.asarray(dataset.mean, dtype=np.float64)
    return values


def image_pixels(values: np.ndarray) -> np.ndarray:
    """``(N, C, H, W)`` inputs -> ``(N, H, W, C)`` uint8 for display, scaled by the batch's own range
    (an 8x8 digit in 0..16 and a photo in 0..1 both fill the grey scale)."""
    v = np.asarray(values, dtype=np.float64)
    lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
    scaled = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
    return np.ascontiguousarray((np.clip(scaled, 0, 1) * 255).round().astype(np.uint8).transpose(0, 2, 3, 1))


def column_names(dataset) -> list[str]:
    """The input columns' names (``x1``, ``x2``... where the data set names none)."""
    n = int(np.prod(dataset.input_shape))
    names = list(dataset.feature_names or [])
    return names if len(names) == n else [f"x{i + 1}" for i in range(n)]
