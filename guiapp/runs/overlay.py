"""Selected runs drawn over the live plots: each run its own colour, named in the plot's legend.

By epoch on the epoch-loss plot (validation strong, training faint) and by step on the step-loss plot.
Curves are made once per run and fed numpy arrays; pyqtgraph's peak downsampling and clip-to-view
keep 20 runs x 1,000 epochs cheap to redraw.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: 20 distinguishable colours (Tableau 10 and its light half), none the live run's blue/orange
PALETTE = ("#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79",
           "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363",
           "#ad494a", "#a55194")
PREFIX = "overlay:"


@dataclass
class OverlayRun:
    """What the overlay draws of one run (plain arrays, built from a :class:`core.runs.RunRecord`)."""
    id: str
    name: str
    epoch: np.ndarray
    train: np.ndarray
    val: np.ndarray
    step: np.ndarray
    step_loss: np.ndarray

    @classmethod
    def from_record(cls, rec) -> "OverlayRun":
        h = rec.history
        col = lambda k: np.array([np.nan if r.get(k) is None else r[k] for r in h], dtype=np.float64)  # noqa: E731
        return cls(rec.id, rec.name, col("epoch"), col("train_loss"), col("val_loss"),
                   rec.step_index.astype(np.float64), np.asarray(rec.step_loss, dtype=np.float64))


class RunOverlay:
    """Owns the ``overlay:*`` curves on an epoch plot and (optionally) a step plot."""

    def __init__(self, epoch_plot, step_plot=None) -> None:
        self.epoch_plot, self.step_plot = epoch_plot, step_plot
        self.runs: list[OverlayRun] = []

    def color(self, i: int) -> str:
        return PALETTE[i % len(PALETTE)]

    def show(self, runs: list[OverlayRun]) -> None:
        """Draw exactly ``runs`` (curves of runs no longer selected are removed)."""
        keep = {r.id for r in runs}
        for plot in self._plots():
            for key in [k for k in plot.curves if k.startswith(PREFIX) and k.split(":")[1] not in keep]:
                plot.remove_curve(key)
        self.runs = list(runs)
        for i, r in enumerate(runs):
            color = self.color(i)
            label = r.name if len(r.name) <= 28 else r.name[:27] + "…"
            ep = self.epoch_plot
            if np.isfinite(r.val).any():
                ep.add_curve(f"{PREFIX}{r.id}:val", f"{label} (val)", color, width=1.4)
                ep.set_data(f"{PREFIX}{r.id}:val", r.epoch, r.val)
                # faint and solid: a dotted pen costs Qt several times a solid one per repaint
                ep.add_curve(f"{PREFIX}{r.id}:train", f"{label} (train)", color, width=1.0, alpha=110,
                             legend=False)
            else:
                ep.add_curve(f"{PREFIX}{r.id}:train", f"{label} (train)", color, width=1.4)
            ep.set_data(f"{PREFIX}{r.id}:train", r.epoch, r.train)
            if self.step_plot is not None and r.step.size:
                self.step_plot.add_curve(f"{PREFIX}{r.id}:step", label, color, width=1.0, alpha=200)
                self.step_plot.set_data(f"{PREFIX}{r.id}:step", r.step, r.step_loss)

    def clear(self) -> None:
        self.show([])

    def _plots(self):
        return [p for p in (self.epoch_plot, self.step_plot) if p is not None]
