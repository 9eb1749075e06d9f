"""A study's charts: loss curves as mean ± sd bands per setting, and the summary (error bars for a
numeric knob, bars for a categorical one, a heat map for two knobs)."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from core.studies.results import LABELS
from core.studies.words import row_label

from ..theme import SERIES_COLOURS


def _plain_axes(plot: pg.PlotWidget) -> None:
    """Numbers as they are: "loss (x0.001)" reads badly."""
    for name in ("left", "bottom"):
        plot.getAxis(name).enableAutoSIPrefix(False)


def _color(i: int, alpha: int = 255):
    c = pg.mkColor(SERIES_COLOURS[i % len(SERIES_COLOURS)])
    c.setAlpha(alpha)
    return c


class BandsPlot(pg.PlotWidget):
    """Validation loss (training when there is none) per epoch: a mean line and a ± sd band per setting."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent, background="w")
        self.setTitle("Loss per epoch: mean ± sd over seeds")
        self.setLabel("bottom", "epoch")
        self.setLabel("left", "loss")
        self.legend = self.addLegend(offset=(-10, 10))
        _plain_axes(self)
        self.items: list = []

    def update_rows(self, result) -> None:
        for it in self.items:
            self.removeItem(it)
        self.items.clear()
        self.legend.clear()
        key = "val" if result.score == "end_val_loss" else "train"
        for i, row in enumerate(result.rows):
            mean, sd = row.curves.get(key, (np.zeros(0), np.zeros(0)))
            if not mean.size:
                continue
            x = np.arange(1, mean.size + 1, dtype=np.float64)
            lo = pg.PlotDataItem(x, mean - sd, pen=pg.mkPen(None))
            hi = pg.PlotDataItem(x, mean + sd, pen=pg.mkPen(None))
            band = pg.FillBetweenItem(lo, hi, brush=pg.mkBrush(_color(i, 60)))
            line = pg.PlotDataItem(x, mean, pen=pg.mkPen(_color(i), width=2), name=row_label(row))
            for it in (lo, hi, band, line):
                self.addItem(it)
                self.items.append(it)


class SummaryPlot(pg.PlotWidget):
    """The score per setting: error bars (numeric knob), bars (categories), or a heat map (two knobs)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent, background="w")
        _plain_axes(self)
        self.items: list = []
        self.kind = ""

    def update_rows(self, result, knobs) -> None:
        for it in self.items:
            self.removeItem(it)
        self.items.clear()
        label = LABELS[result.score]
        rows = result.rows
        mean = np.array([r.mean[result.score] if r.mean.get(result.score) is not None else np.nan for r in rows])
        sd = np.array([r.sd[result.score] if r.sd.get(result.score) is not None else 0.0 for r in rows])
        self.setTitle(f"{label}: mean ± sd over seeds (lower is better)")
        ax = self.getAxis("bottom")
        if len(knobs) == 2:
            self.kind = "heatmap"
            a = list(dict.fromkeys(r.setting[knobs[0].name] for r in rows))
            b = list(dict.fromkeys(r.setting[knobs[1].name] for r in rows))
            grid = np.full((len(a), len(b)), np.nan)
            for r, m in zip(rows, mean):
                grid[a.index(r.setting[knobs[0].name]), b.index(r.setting[knobs[1].name])] = m
            img = pg.ImageItem(np.nan_to_num(grid, nan=np.nanmax(grid) if np.isfinite(grid).any() else 0.0))
            img.setColorMap(pg.colormap.get("viridis"))
            self.addItem(img)
            self.items.append(img)
            for i in range(len(a)):
                for j in range(len(b)):
                    if math.isfinite(grid[i, j]):
                        t = pg.TextItem(f"{grid[i, j]:.3g}", color="w", anchor=(0.5, 0.5))
                        t.setPos(i + 0.5, j + 0.5)
                        self.addItem(t)
                        self.items.append(t)
            ax.setTicks([[(i + 0.5, _s(v)) for i, v in enumerate(a)]])
            self.getAxis("left").setTicks([[(j + 0.5, _s(v)) for j, v in enumerate(b)]])
            self.setLabel("bottom", knobs[0].name)
            self.setLabel("left", knobs[1].name)
            return
        self.getAxis("left").setTicks(None)
        self.setLabel("left", label)
        self.setLabel("bottom", knobs[0].name)
        values = [r.setting[knobs[0].name] for r in rows]
        ok = np.isfinite(mean)
        if knobs[0].numeric:
            self.kind = "errorbars"
            x = np.array([float(v) for v in values])
            log = bool(knobs[0].log and (x > 0).all())
            self.setLogMode(x=log, y=False)
            xs = np.log10(x) if log else x
            line = pg.PlotDataItem(x[ok], mean[ok], pen=pg.mkPen(_color(0), width=2), symbol="o", symbolSize=7,
                                   symbolBrush=_color(0))
            err = pg.ErrorBarItem(x=xs[ok], y=mean[ok], height=2 * sd[ok], beam=0.05 * (np.ptp(xs) or 1),
                                  pen=pg.mkPen(_color(0), width=1.5))
            ax.setTicks([[(float(p), _s(v)) for p, v in zip(xs, values)]])   # the studied values only
            for it in (line, err):
                self.addItem(it)
                self.items.append(it)
            if ok.any():    # the error bars are drawn in the axis' own (log) units: range to them, not to the line
                lo, hi = float(np.min(xs)), float(np.max(xs))
                pad = 0.08 * (hi - lo or 1.0)
                self.setXRange(lo - pad, hi + pad, padding=0)
                ys = np.concatenate([mean[ok] - sd[ok], mean[ok] + sd[ok]])
                self.setYRange(float(ys.min()), float(ys.max()), padding=0.08)
                return
        else:
            self.kind = "bars"
            self.setLogMode(x=False, y=False)
            x = np.arange(len(rows), dtype=np.float64)
            bars = pg.BarGraphItem(x=x[ok], height=mean[ok], width=0.6,
                                   brushes=[_color(i, 160) for i in np.flatnonzero(ok)])
            err = pg.ErrorBarItem(x=x[ok], y=mean[ok], height=2 * sd[ok], beam=0.2, pen=pg.mkPen("k", width=1.5))
            ax.setTicks([[(i, _s(v)) for i, v in enumerate(values)]])
            for it in (bars, err):
                self.addItem(it)
                self.items.append(it)
        self.getPlotItem().getViewBox().setBackgroundColor(None)
        self.getPlotItem().enableAutoRange()


def _s(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)
