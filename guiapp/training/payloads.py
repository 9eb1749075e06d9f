"""What crosses from the training thread to the GUI: plain numbers and numpy arrays, never tensors."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["BoundarySnapshot", "ConfusionMatrix", "StepChunk"]


@dataclass(frozen=True)
class StepChunk:
    """Consecutive steps merged from one or more ``StepRecords`` (one per GUI drain).

    ``first_step`` is the 1-based global step of element 0 (counted since the last Reset, so a
    continued run goes on where the previous one stopped); ``penalty`` is empty when the project has
    no L1/L2; ``heads`` holds each head's loss when there are several heads.
    """

    first_step: int
    epoch: int
    loss: np.ndarray
    lr: np.ndarray
    grad_norm: np.ndarray
    penalty: np.ndarray = field(default_factory=lambda: np.empty(0))
    heads: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.loss.size)

    @property
    def steps(self) -> np.ndarray:
        """The global step numbers, float64 (pyqtgraph wants float x)."""
        return np.arange(self.first_step, self.first_step + len(self), dtype=np.float64)

    @property
    def last_step(self) -> int:
        return self.first_step + len(self) - 1


@dataclass(frozen=True)
class BoundarySnapshot:
    """The model's answer over a grid of raw input points, taken between two training steps.

    ``kind``: ``"classes"`` (``values`` is ``(ny, nx, C)`` class probabilities), ``"surface"``
    (``(ny, nx)`` predicted values of a 2-D regression) or ``"curve"`` (``(nx,)`` predictions of a
    1-D regression over ``xs``). ``extent`` is ``(x0, x1, y0, y1)`` in raw input units (y unused
    for a curve). ``step``/``epoch`` are those of the run segment; the controller shifts them.
    """

    kind: str
    values: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    extent: tuple[float, float, float, float]
    step: int
    epoch: int

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)


@dataclass(frozen=True)
class ConfusionMatrix:
    """Validation confusion counts: ``counts[true, predicted]``; ``classes`` names the rows."""

    counts: np.ndarray
    classes: tuple[str, ...]
    epoch: int

    @property
    def accuracy(self) -> float:
        total = float(self.counts.sum())
        return float(np.trace(self.counts)) / total if total else float("nan")
