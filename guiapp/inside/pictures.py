"""What a node's preview draws, as plain numpy (no Qt): the picture that fits the data and a histogram.

* 2-D inputs (spiral, moons, xor, ...): each unit's output over the input plane, one small heatmap
  per unit, as TensorFlow Playground draws its neurons (``plane``).
* 1-D inputs (a curve): each unit's output along the input line (``curve``).
* images: the feature maps of a few channels of the first sample (``maps``); a flat output after
  the convolutions falls back to a strip.
* tables (and any flat output without a plane): one heat-strip per unit over the sample rows
  (``strips``: units down, samples across).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: most tiles drawn side by side (the rest are counted in the note)
MAX_TILES = 16
#: most feature maps drawn for an image layer
MAX_MAPS = 8
#: most units (rows) and samples (columns) of a heat-strip
MAX_STRIP_UNITS = 64
MAX_STRIP_SAMPLES = 64
HIST_BINS = 30
#: points of a unit's curve over a 1-D input
CURVE_POINTS = 64


@dataclass(frozen=True)
class Picture:
    """Tiles to draw with one colour scale ``(lo, hi)``; ``kind`` says how (see the module doc)."""
    kind: str                                   # plane | curve | maps | strips | none
    tiles: list[np.ndarray] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    lo: float = -1.0
    hi: float = 1.0
    note: str = ""                              # what is shown ("16 of 64 units"), or why nothing
    diverging: bool = True                      # the scale is centred on zero


def data_kind(input_shape) -> str:
    """``plane`` (2 features), ``curve`` (1 feature), ``image`` (channels x height x width), else ``table``."""
    shape = tuple(input_shape or ())
    if shape == (2,):
        return "plane"
    if shape == (1,):
        return "curve"
    if len(shape) == 3:
        return "image"
    return "table"


def _scale(values: np.ndarray) -> tuple[float, float, bool]:
    """A colour scale for ``values``: symmetric about zero when they take both signs (a diverging
    map), else from zero to the largest magnitude; the 99th percentile keeps one outlier from
    washing the rest out."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return -1.0, 1.0, True
    top = float(np.percentile(np.abs(finite), 99)) or float(np.abs(finite).max()) or 1.0
    if finite.min() >= 0:
        return 0.0, top, False
    if finite.max() <= 0:
        return -top, 0.0, False
    return -top, top, True


def _flat(out: np.ndarray) -> np.ndarray:
    return out.reshape(out.shape[0], -1) if out.ndim > 1 else out.reshape(-1, 1)


def _units_note(shown: int, total: int, what: str = "units") -> str:
    return f"{what} 1–{shown} of {total}" if shown < total else f"{total} {what}" if total != 1 else f"1 {what[:-1]}"


def plane_picture(grid_out: np.ndarray, resolution: int) -> Picture:
    """Each unit of ``grid_out`` (one row per grid point, row-major with y down the rows) as a
    ``resolution`` x ``resolution`` heatmap; y grows upwards in the picture, as on the plots."""
    flat = _flat(grid_out)
    total = flat.shape[1]
    k = min(MAX_TILES, total)
    tiles = [np.flipud(flat[:, u].reshape(resolution, resolution)) for u in range(k)]
    lo, hi, div = _scale(flat[:, :k])
    return Picture("plane", tiles, [str(u) for u in range(k)], lo, hi, _units_note(k, total), div)


def curve_picture(grid_out: np.ndarray) -> Picture:
    """Each unit of ``grid_out`` (one row per point of the input line) as a curve."""
    flat = _flat(grid_out)
    if flat.shape[0] > CURVE_POINTS:       # a ~60-pixel tile shows no more (and each point is drawn)
        flat = flat[np.linspace(0, flat.shape[0] - 1, CURVE_POINTS).round().astype(int)]
    total = flat.shape[1]
    k = min(MAX_TILES, total)
    tiles = [flat[:, u].copy() for u in range(k)]
    lo, hi, div = _scale(flat[:, :k])
    return Picture("curve", tiles, [str(u) for u in range(k)], lo, hi, _units_note(k, total), div)


def maps_picture(out: np.ndarray) -> Picture:
    """The first channels of the first sample of a ``(samples, channels, height, width)`` output."""
    first = out[0]
    total = first.shape[0]
    k = min(MAX_MAPS, total)
    tiles = [first[c] for c in range(k)]
    lo, hi, div = _scale(np.stack(tiles))
    return Picture("maps", tiles, [f"ch {c}" for c in range(k)], lo, hi,
                   _units_note(k, total, "channels") + " · first sample", div)


def strips_picture(out: np.ndarray) -> Picture:
    """One row per unit over the sample rows (units down, samples across)."""
    flat = _flat(out)
    samples, total = flat.shape
    k, s = min(MAX_STRIP_UNITS, total), min(MAX_STRIP_SAMPLES, samples)
    strip = flat[:s, :k].T.copy()
    lo, hi, div = _scale(strip)
    return Picture("strips", [strip], [], lo, hi, f"{_units_note(k, total)} × {s} samples", div)


def choose_picture(kind: str, sample_out: np.ndarray | None, grid_out: np.ndarray | None = None,
                   resolution: int = 0) -> Picture:
    """The picture of one node's output: over the plane / line for 2-D and 1-D inputs, feature maps
    for a ``(C, H, W)`` output, else heat-strips over the sample rows."""
    if sample_out is None or sample_out.size == 0:
        return Picture("none", note="no output to draw")
    if kind == "plane" and grid_out is not None and resolution:
        return plane_picture(grid_out, resolution)
    if kind == "curve" and grid_out is not None:
        return curve_picture(grid_out)
    if sample_out.ndim == 4:
        return maps_picture(sample_out)
    if sample_out.ndim == 3 and kind == "image":   # (samples, height, width): one map
        return maps_picture(sample_out[:, None])
    return strips_picture(sample_out)


def histogram(values: np.ndarray, bins: int = HIST_BINS) -> tuple[np.ndarray, np.ndarray]:
    """``(counts, edges)`` of the finite values (a constant output gets one bar)."""
    finite = values[np.isfinite(values)].ravel()
    if finite.size == 0:
        return np.zeros(0), np.zeros(1)
    lo, hi = float(finite.min()), float(finite.max())
    if not math.isfinite(hi - lo) or hi - lo <= 0:
        return np.array([finite.size], dtype=float), np.array([lo - 0.5, lo + 0.5])
    counts, edges = np.histogram(finite, bins=bins, range=(lo, hi))
    return counts.astype(float), edges
