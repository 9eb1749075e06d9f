"""The learning-curve chart: the loss at each training-set size (mean ± sd over seeds) on a log axis, the
fitted power law extended to 10x the largest size, and the forecasts with their 95% intervals."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ..theme import SERIES_COLOURS


def _colour(i: int, alpha: int = 255):
    c = pg.mkColor(SERIES_COLOURS[i % len(SERIES_COLOURS)])
    c.setAlpha(alpha)
    return c


class LearningCurvePlot(pg.PlotWidget):
    """``show_curve(curve)``: a :class:`core.studies.learning_curve.LearningCurve` (points only while
    the study runs, the fit and forecasts once it is done)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent, background="w")
        for name in ("left", "bottom"):
            self.getAxis(name).enableAutoSIPrefix(False)
        self.setTitle("Learning curve: loss against training samples (log scale)")
        self.setLabel("bottom", "training samples")
        self.setLabel("left", "validation loss at the end")
        self.setLogMode(x=True, y=False)
        self.showGrid(x=True, y=True, alpha=0.15)
        self.legend = self.addLegend(offset=(-10, 10))
        self.items: list = []
        self.kind = ""            # "points" | "fit" (what is drawn: for tests and screenshots)

    def _add(self, item) -> None:
        self.addItem(item)
        self.items.append(item)

    def show_curve(self, curve, what: str = "validation loss at the end") -> None:
        for it in self.items:
            self.removeItem(it)
        self.items.clear()
        self.legend.clear()
        self.setLabel("left", what)
        pts = curve.points if curve is not None else []
        if not pts:
            self.kind = ""
            return
        n = np.array([p.n for p in pts], dtype=np.float64)
        mean = np.array([p.mean for p in pts])
        sd = np.array([p.sd for p in pts])
        lx = np.log10(n)
        self._add(pg.ErrorBarItem(x=lx, y=mean, height=2 * sd, beam=0.03, pen=pg.mkPen(_colour(0), width=1.5)))
        self._add(pg.PlotDataItem(n, mean, pen=None, symbol="o", symbolSize=8, symbolBrush=_colour(0),
                                  name="measured: mean ± sd over seeds"))
        xs = [float(n.min()), float(n.max())]
        self.kind = "points"
        if curve.fit.a is not None and curve.fit.verdict != "poor":
            self.kind = "fit"
            top = max([float(n.max())] + [f.n for f in curve.forecast])
            start = float(n[min(getattr(curve, "small_data", 0), len(n) - 1)])   # the small-data region is not fitted
            grid = np.geomspace(start, top, 200)
            self._add(pg.PlotDataItem(grid, curve.predict(grid), pen=pg.mkPen(_colour(1), width=2),
                                      name="fit: " + curve.fit.law()))
            inside = grid <= n.max()
            self._add(pg.PlotDataItem(grid[~inside], curve.predict(grid[~inside]),
                                      pen=pg.mkPen(_colour(1), width=2, style=Qt.PenStyle.DashLine)))
            f = [x for x in curve.forecast if np.isfinite(x.low) and np.isfinite(x.high)]
            if f:
                fx = np.array([x.n for x in f], dtype=np.float64)
                fy = np.array([x.loss for x in f])
                self._add(pg.ErrorBarItem(x=np.log10(fx), y=fy, top=np.array([x.high for x in f]) - fy,
                                          bottom=fy - np.array([x.low for x in f]), beam=0.03,
                                          pen=pg.mkPen(_colour(3), width=1.5)))
                self._add(pg.PlotDataItem(fx, fy, pen=None, symbol="d", symbolSize=10, symbolBrush=_colour(3),
                                          name="forecast (95% interval)"))
                for x in f:
                    label = pg.TextItem(x.label if x.label.endswith("x") else "full split", color=_colour(3),
                                        anchor=(0.5, 1.4))
                    label.setPos(float(np.log10(x.n)), x.high)
                    self._add(label)
            xs.append(top)
        # the sizes trained and forecast, as plain numbers (a log axis's own minor ticks crowd into each other)
        shown = sorted({int(v) for v in n} | {int(x.n) for x in (curve.forecast if self.kind == "fit" else [])})
        self.getAxis("bottom").setTicks([[(float(np.log10(v)), f"{v:,}") for v in shown], []])
        lo, hi = np.log10(min(xs)), np.log10(max(xs))
        pad = 0.06 * (hi - lo or 1.0)
        self.setXRange(lo - pad, hi + pad, padding=0)
        self.enableAutoRange(axis="y")
