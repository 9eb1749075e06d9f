"""Colour maps for the previews and the health view, as 256-entry lookup tables, and numpy arrays
turned into ``QImage``s through them (one vectorised lookup, no per-pixel Python)."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage

#: negative - zero - positive, as TensorFlow Playground colours its neurons (orange / white / blue)
DIVERGING = ("#e66101", "#f7f7f7", "#2c7bb6")
#: low - high for a statistic with one sign (viridis' ends and middle, like fastai's colourful dimension)
SEQUENTIAL = ("#440154", "#21918c", "#fde725")


def lut(anchors: tuple[str, ...]) -> np.ndarray:
    """A ``(256, 3)`` uint8 table interpolated between the anchor colours, evenly spaced."""
    rgb = np.array([QColor(c).getRgb()[:3] for c in anchors], dtype=float)
    at = np.linspace(0.0, 1.0, len(anchors))
    t = np.linspace(0.0, 1.0, 256)
    return np.stack([np.interp(t, at, rgb[:, i]) for i in range(3)], axis=1).round().astype(np.uint8)


_LUTS: dict[tuple[str, ...], np.ndarray] = {}


def table(anchors: tuple[str, ...]) -> np.ndarray:
    if anchors not in _LUTS:
        _LUTS[anchors] = lut(anchors)
    return _LUTS[anchors]


def colour_at(anchors: tuple[str, ...], t: float) -> QColor:
    """The colour at ``t`` in 0..1 of the map."""
    r, g, b = table(anchors)[int(round(min(1.0, max(0.0, t)) * 255))]
    return QColor(int(r), int(g), int(b))


def to_qimage(values: np.ndarray, lo: float, hi: float, anchors: tuple[str, ...] = DIVERGING,
              missing: tuple[int, int, int] = (128, 128, 128)) -> QImage:
    """A 2-D array as an RGB image: ``lo`` at the map's first colour, ``hi`` at its last; NaN grey."""
    v = np.asarray(values, dtype=np.float64)
    span = (hi - lo) or 1.0
    idx = np.clip((np.nan_to_num(v, nan=lo) - lo) / span * 255.0, 0, 255).astype(np.uint8)
    rgb = table(anchors)[idx]
    rgb[~np.isfinite(v)] = missing
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return image.copy()   # own the pixels (the numpy buffer goes away)
