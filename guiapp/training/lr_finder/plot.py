"""The range test's plot: loss against the learning rate on a log axis, with the suggestions marked.

The curves hold ``log10(lr)`` as x and the bottom axis labels it as powers of ten (pyqtgraph's
axis log mode), so the crosshair and the markers work in the same units as the data. The chosen
rate is a solid line the person can drag; :attr:`LRFinderPlot.chosenMoved` reports where it went.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor

from ...plots.live_plot import LivePlot
from ..loss_plots import COLORS

__all__ = ["LRFinderPlot", "MARKER_COLORS", "RateAxis"]

MIN_DECADES = 3.0
MARKER_COLORS = {"steepest": "#9467bd", "valley": "#2e9d3a", "current": "#7f7f7f", "chosen": "#d62728"}


def _finite_or_nan(values) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return np.where(np.isfinite(arr), arr, np.nan)


class RateAxis(pg.AxisItem):
    """A log axis labelled at the decades, and at 2 and 5 between them when it spans few decades
    (pyqtgraph labels every minor tick of a narrow log range, and the labels overlap)."""

    def tickValues(self, minVal: float, maxVal: float, size: float):  # noqa: N802,N803 - pyqtgraph's names
        if not self.logMode or not (math.isfinite(minVal) and math.isfinite(maxVal)) or maxVal <= minVal:
            return super().tickValues(minVal, maxVal, size)
        decades = range(math.floor(minVal), math.ceil(maxVal) + 1)
        majors = [float(k) for k in decades if minVal <= k <= maxVal]
        minors = [] if maxVal - minVal > 4 else [
            k + math.log10(m) for k in decades for m in (2, 5) if minVal <= k + math.log10(m) <= maxVal]
        return [(1.0, majors), (0.5, minors)]


class LRFinderPlot(LivePlot):
    """Raw (faint) and smoothed loss of a :class:`~core.lr_finder.LRFinderResult`; markers at the
    steepest point, the valley suggestion and the optimizer's current rate; a draggable chosen rate."""

    chosenMoved = Signal(float)

    def __init__(self, parent=None) -> None:
        super().__init__("Loss against learning rate", "learning rate", "loss", parent)
        axis = RateAxis("bottom")
        axis.setPen(pg.mkPen(self._fg))
        axis.setTextPen(pg.mkPen(self._fg))
        axis.enableAutoSIPrefix(False)
        self.getPlotItem().setAxisItems({"bottom": axis})
        self.getPlotItem().setLabel("bottom", "learning rate")
        axis.setLogMode(True)
        self.crosshair.x_name = "lr"
        self.crosshair.fmt_x = lambda v: f"{10 ** v:.3g}"
        self.add_curve("raw", "loss (raw)", COLORS["train"], width=1.0, alpha=80)
        self.add_curve("smooth", "loss (smoothed)", COLORS["train"], width=2.0)
        color, band = QColor(MARKER_COLORS["chosen"]), QColor(MARKER_COLORS["chosen"])
        band.setAlpha(110)              # a translucent band: a marker at the same rate shows through
        self.chosen = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen(band, width=4),
                                      hoverPen=pg.mkPen(color, width=5), label="",
                                      labelOpts={"position": 0.08, "color": color, "movable": False})
        self.chosen.setToolTip("The rate Apply sets: drag it, or type it below")
        self.chosen.setZValue(20)
        self.chosen.hide()
        self.getPlotItem().addItem(self.chosen, ignoreBounds=True)
        self.chosen.sigPositionChangeFinished.connect(self._on_chosen_positionChangeFinished)
        self.chosen.sigPositionChanged.connect(self._on_chosen_positionChanged)

    def show_result(self, result) -> None:
        """Draw ``result``: both curves over every tested rate, the markers, a y range that keeps the
        falling part readable (the cliff at the end may be thousands of times the best loss)."""
        x = np.log10(np.asarray(result.lrs, dtype=float))
        raw, smooth = _finite_or_nan(result.losses), _finite_or_nan(result.smoothed)
        self.set_data("raw", x, raw)
        self.set_data("smooth", x, smooth)
        for key, value, position in (("steepest", result.steepest, 0.92), ("valley", result.valley, 0.8)):
            if value is None:
                self.marks.remove_marker(key)
                continue
            label = f"{key} {value:.2g}"
            line = self.marks.set_marker(key, math.log10(value), label, MARKER_COLORS[key])
            line.label.setPosition(position)
        self._fit_y(raw, smooth)
        if x.size:
            self._fit_x(float(x[0]), float(x[-1]))

    def show_partial(self, lrs: list[float], losses: list[float], smoothed: list[float]) -> None:
        """The curves of a test still running (no markers yet)."""
        x = np.log10(np.asarray(lrs, dtype=float))
        raw, smooth = _finite_or_nan(losses), _finite_or_nan(smoothed)
        self.set_data("raw", x, raw)
        self.set_data("smooth", x, smooth)
        finite = raw[np.isfinite(raw)]
        if finite.size:                 # the raw spread so far (the smoothed curve is still flat), cliff cut
            low = float(finite.min())
            top = min(float(finite.max()), low + 4 * max(abs(low), 1e-6))
            span = max(top - low, 0.05 * max(abs(top), 1e-6))
            self.getPlotItem().setYRange(low - 0.1 * span, top + 0.1 * span, padding=0)

    def clear_result(self) -> None:
        self.clear_data()
        for key in ("steepest", "valley"):
            self.marks.remove_marker(key)
        self.chosen.hide()

    def set_current(self, lr: float | None) -> None:
        """Mark the optimizer's current rate (None: no marker)."""
        if lr is None or not lr > 0:
            self.marks.remove_marker("current")
            return
        line = self.marks.set_marker("current", math.log10(lr), f"current {lr:.2g}", MARKER_COLORS["current"])
        line.label.setPosition(0.68)

    def set_chosen(self, lr: float) -> None:
        """Put the chosen-rate line at ``lr`` (without emitting ``chosenMoved``)."""
        if not lr > 0:
            return
        self.chosen.blockSignals(True)
        try:
            self.chosen.setPos(math.log10(lr))
        finally:
            self.chosen.blockSignals(False)
        self._label_chosen(lr)
        self.chosen.show()

    def chosen_lr(self) -> float:
        return float(10 ** self.chosen.value())

    def marker_lr(self, key: str) -> float | None:
        """The rate a marker (``steepest``, ``valley``, ``current``) stands at, or None."""
        line = self.marks.marker(key)
        return None if line is None else float(10 ** line.value())

    def show_sweep(self, start_lr: float, end_lr: float) -> None:
        """Before a result: the x axis of the sweep about to run, no curves."""
        self.clear_result()
        self._fit_x(math.log10(start_lr), math.log10(end_lr))

    def _fit_x(self, lo: float, hi: float) -> None:
        """At least three decades: over a narrower range the log axis labels every minor tick and
        they overlap."""
        middle, half = (lo + hi) / 2, max((hi - lo) / 2, MIN_DECADES / 2)
        self.getPlotItem().setXRange(middle - half, middle + half, padding=0.02)

    def _fit_y(self, raw: np.ndarray, smooth: np.ndarray) -> None:
        """From just under the lowest smoothed loss to a little over the highest before it: the fall
        fills the plot, and the cliff leaves it at the top (the raw curve's noise may leave it too)."""
        finite = smooth[np.isfinite(smooth)]
        if not finite.size:
            return
        best = int(np.argmin(finite))
        top, low = float(finite[:best + 1].max()), float(finite[best])
        span = max(top - low, 0.02 * max(abs(top), 1e-6))
        self.getPlotItem().setYRange(low - 0.3 * span, top + 0.6 * span, padding=0)

    def _label_chosen(self, lr: float) -> None:
        self.chosen.label.setFormat(f"apply {lr:.2g}")

    def _on_chosen_positionChanged(self, _line) -> None:
        self._label_chosen(self.chosen_lr())

    def _on_chosen_positionChangeFinished(self, _line) -> None:
        self.chosenMoved.emit(float(f"{self.chosen_lr():.2g}"))
