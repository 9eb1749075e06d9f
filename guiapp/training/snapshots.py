"""Model snapshots for the views, computed on the training thread between two steps (no Qt).

A decision boundary is the first head's answer over a small grid of raw input points (80 x 80 by
default: ~6,400 rows, a millisecond or two for a small MLP); the grid is normalized once per run.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.catalog import LOSSES

from .payloads import BoundarySnapshot, ConfusionMatrix

__all__ = ["GridSpec", "boundary_kind", "class_probabilities", "compute_boundary", "compute_confusion",
           "data_extent", "make_grid", "raw_points"]

MARGIN = 0.1          # grid extends this share of the data range beyond the points
CURVE_POINTS = 200    # samples of a fitted 1-D curve


@dataclass(frozen=True)
class GridSpec:
    kind: str                    # classes | surface | curve
    xs: np.ndarray
    ys: np.ndarray
    x: torch.Tensor              # normalized model inputs, (ny*nx, 2) or (nx, 1)
    extent: tuple[float, float, float, float]


def raw_points(dataset, split: str) -> np.ndarray | None:
    """The un-normalized inputs of ``split`` ("train"/"val") as ``(N, d)``, or None."""
    raw = getattr(dataset, f"raw_{split}", None)
    if raw is None:
        x = getattr(dataset, f"x_{split}", None)
        if x is None or dataset.mean is not None:
            return None
        raw = x.numpy()
    raw = np.asarray(raw, dtype=np.float64)
    return raw.reshape(raw.shape[0], -1)


def boundary_kind(dataset) -> str | None:
    """"classes" / "surface" for 2-D inputs, "curve" for a 1-D regression, None otherwise."""
    if dataset is None or not dataset.targets:
        return None
    task = next(iter(dataset.targets.values())).task
    shape = tuple(dataset.input_shape)
    if shape == (2,):
        return "classes" if task == "classification" else "surface"
    if shape == (1,) and task == "regression":
        return "curve"
    return None


def _range(values: np.ndarray) -> tuple[float, float]:
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    pad = (hi - lo) * MARGIN or 1.0
    return lo - pad, hi + pad


def _all_points(dataset) -> np.ndarray | None:
    parts = [p for p in (raw_points(dataset, "train"), raw_points(dataset, "val")) if p is not None and p.size]
    return np.concatenate(parts) if parts else None


def data_extent(dataset) -> tuple[float, float, float, float] | None:
    """``(x0, x1, y0, y1)`` the picture shows: the inputs' range plus a margin on both axes (the
    grid of :func:`make_grid` covers exactly this), or for a 1-D regression ("curve") the input's
    range and the targets' range, each with a margin. None when there is no picture."""
    kind = boundary_kind(dataset)
    pts = _all_points(dataset) if kind is not None else None
    if pts is None:
        return None
    x0, x1 = _range(pts[:, 0])
    if kind != "curve":
        return (x0, x1) + _range(pts[:, 1])
    target = dataset.default_target
    ys = [np.asarray(getattr(dataset, f"y_{split}")[target].numpy(), dtype=np.float64).reshape(-1)
          for split in ("train", "val")]
    ys = np.concatenate([y for y in ys if y.size])
    finite = ys[np.isfinite(ys)]
    return (x0, x1) + (_range(finite) if finite.size else (-1.0, 1.0))


def make_grid(dataset, resolution: int = 80) -> GridSpec | None:
    """The grid over the data's range (with a margin), normalized like the training inputs."""
    kind = boundary_kind(dataset)
    if kind is None:
        return None
    pts = _all_points(dataset)
    if pts is None:
        return None
    x0, x1 = _range(pts[:, 0])
    if kind == "curve":
        xs = np.linspace(x0, x1, max(2, CURVE_POINTS))
        raw = xs[:, None]
        extent = (x0, x1, 0.0, 0.0)
        ys = np.empty(0)
    else:
        y0, y1 = _range(pts[:, 1])
        n = max(4, int(resolution))
        xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
        gx, gy = np.meshgrid(xs, ys)             # row-major: row = y, column = x
        raw = np.column_stack([gx.ravel(), gy.ravel()])
        extent = (x0, x1, y0, y1)
    x = torch.from_numpy(dataset.normalize_inputs(raw.reshape((-1,) + tuple(dataset.input_shape))))
    return GridSpec(kind, xs, ys, x, extent)


def class_probabilities(head, out: torch.Tensor) -> np.ndarray:
    """``(N, C)`` class probabilities from a head's raw output, by what its loss expects."""
    out = out.float().reshape(out.shape[0], -1)
    probs = LOSSES.get(head.loss_name).probabilities(out)
    return probs.cpu().numpy().astype(np.float32)


def compute_boundary(setup, grid: GridSpec, step: int, epoch: int) -> BoundarySnapshot:
    """The first head's predictions over ``grid`` (eval mode; the model's mode is restored)."""
    from core.training.evaluate import predict_heads
    head = setup.heads[0]
    out = predict_heads(setup, grid.x.to(setup.device))[0]
    if grid.kind == "classes":
        probs = class_probabilities(head, out)
        values = probs.reshape(grid.ys.size, grid.xs.size, probs.shape[1])
    else:
        flat = out.float().reshape(out.shape[0], -1)[:, 0].cpu().numpy().astype(np.float64)
        values = flat if grid.kind == "curve" else flat.reshape(grid.ys.size, grid.xs.size)
    return BoundarySnapshot(grid.kind, values, grid.xs, grid.ys, grid.extent, step, epoch)


def compute_confusion(setup, epoch: int, outputs: list | None = None) -> ConfusionMatrix | None:
    """Validation confusion matrix of the first head, when it is a classification head. ``outputs``:
    the heads' outputs over the validation rows from this epoch's evaluation (``setup.val_outputs``
    at the epoch's end), else the model is run over them again."""
    from core.training.evaluate import predict_heads
    head = setup.heads[0]
    if head.predict is None or setup.x_val.shape[0] == 0:
        return None
    with torch.inference_mode():
        out = (outputs if outputs is not None else predict_heads(setup, setup.x_val))[0]
        pred = head.predict(out).long().reshape(-1)
        true = head.y_val_raw.long().reshape(-1)
        c = max(int(head.info.width), 2)
        counts = torch.bincount(true * c + pred.clamp(0, c - 1), minlength=c * c).reshape(c, c)
    classes = tuple(head.info.classes) if len(head.info.classes) == c else tuple(str(i) for i in range(c))
    return ConfusionMatrix(counts.cpu().numpy().astype(np.int64), classes, epoch)
