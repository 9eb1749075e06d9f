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
        self._shape: list[tuple[int, str]] = []     # (row index, label) of the rows drawn

    def update_rows(self, result) -> None:
        """Draw ``result``'s rows. A band and a line per row are made when the rows change (another
        study) and only their data is set after that: this runs on the GUI thread after every finished
        trial, and making plot items costs far more than a ``setData``."""
        key = "val" if result.score == "end_val_loss" else "train"
        shape = [(i, row_label(row)) for i, row in enumerate(result.rows)]
        if shape != self._shape:
            self._build(shape)
        for k, row in enumerate(result.rows):
            mean, sd = row.curves.get(key, (np.zeros(0), np.zeros(0)))
            x = np.arange(1, mean.size + 1, dtype=np.float64)
            lo, hi, _band, line = self.items[4 * k:4 * k + 4]
            lo.setData(x, mean - sd)
            hi.setData(x, mean + sd)
            line.setData(x, mean)

    def _build(self, shape: list[tuple[int, str]]) -> None:
        """One band (two edges, the fill) and one mean line per drawn row, empty until set."""
        for it in self.items:
            self.removeItem(it)
        self.items.clear()
        self.legend.clear()
        self._shape = shape
        for i, label in shape:
            lo = pg.PlotDataItem(pen=pg.mkPen(None))
            hi = pg.PlotDataItem(pen=pg.mkPen(None))
            band = pg.FillBetweenItem(lo, hi, brush=pg.mkBrush(_color(i, 60)))
            line = pg.PlotDataItem(pen=pg.mkPen(_color(i), width=2), name=label)
            for it in (lo, hi, band, line):
                self.addItem(it)
                self.items.append(it)


class SummaryPlot(pg.PlotWidget):
    """The score per setting: error bars (numeric knob), bars (categories), or a heat map (two knobs).

    Its items are made when the settings change (another study) and only their data is set after
    that, as :class:`BandsPlot` does: it is redrawn on the GUI thread after every finished trial."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent, background="w")
        _plain_axes(self)
        self.items: list = []
        self.kind = ""
        self._shape: tuple = ()
        self._texts: dict[str, str] = {}

    def _text(self, where: str, text: str) -> None:
        """A title or axis label, set only when it changes (each set lays the plot out again)."""
        if self._texts.get(where) == text:
            return
        self._texts[where] = text
        if where == "title":
            self.setTitle(text)
        else:
            self.setLabel(where, text)

    def _clear(self, shape: tuple) -> None:
        for it in self.items:
            self.removeItem(it)
        self.items.clear()
        self._shape = shape

    def update_rows(self, result, knobs) -> None:
        label = LABELS[result.score]
        rows = result.rows
        mean = np.array([r.mean[result.score] if r.mean.get(result.score) is not None else np.nan for r in rows])
        sd = np.array([r.sd[result.score] if r.sd.get(result.score) is not None else 0.0 for r in rows])
        self._text("title", f"{label}: mean ± sd over seeds (lower is better)")
        if len(knobs) == 2:
            self._heatmap(rows, knobs, mean)
            return
        self.getAxis("left").setTicks(None)
        self._text("left", label)
        self._text("bottom", knobs[0].name)
        values = [r.setting[knobs[0].name] for r in rows]
        if knobs[0].numeric:
            self._errorbars(knobs[0], values, mean, sd)
        else:
            self._bars(values, mean, sd)

    def _heatmap(self, rows, knobs, mean) -> None:
        self.kind = "heatmap"
        self._clear(())
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
        self.getAxis("bottom").setTicks([[(i + 0.5, _s(v)) for i, v in enumerate(a)]])
        self.getAxis("left").setTicks([[(j + 0.5, _s(v)) for j, v in enumerate(b)]])
        self._text("bottom", knobs[0].name)
        self._text("left", knobs[1].name)

    def _errorbars(self, knob, values, mean, sd) -> None:
        self.kind = "errorbars"
        ok = np.isfinite(mean)
        x = np.array([float(v) for v in values])
        log = bool(knob.log and (x > 0).all())
        xs = np.log10(x) if log else x
        shape = ("errorbars", knob.name, tuple(values))
        if shape != self._shape:
            self._clear(shape)
            self.setLogMode(x=log, y=False)
            line = pg.PlotDataItem(pen=pg.mkPen(_color(0), width=2), symbol="o", symbolSize=7, symbolBrush=_color(0))
            err = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), beam=0.05 * (np.ptp(xs) or 1),
                                  pen=pg.mkPen(_color(0), width=1.5))
            self.getAxis("bottom").setTicks([[(float(p), _s(v)) for p, v in zip(xs, values)]])   # the studied values
            for it in (line, err):
                self.addItem(it)
                self.items.append(it)
        line, err = self.items
        line.setData(x[ok], mean[ok])
        err.setData(x=xs[ok], y=mean[ok], height=2 * sd[ok])
        if ok.any():    # the error bars are drawn in the axis' own (log) units: range to them, not to the line
            lo, hi = float(np.min(xs)), float(np.max(xs))
            pad = 0.08 * (hi - lo or 1.0)
            self.setXRange(lo - pad, hi + pad, padding=0)
            ys = np.concatenate([mean[ok] - sd[ok], mean[ok] + sd[ok]])
            self.setYRange(float(ys.min()), float(ys.max()), padding=0.08)
        else:
            self.getPlotItem().enableAutoRange()

    def _bars(self, values, mean, sd) -> None:
        self.kind = "bars"
        ok = np.isfinite(mean)
        x = np.arange(len(values), dtype=np.float64)
        shape = ("bars", tuple(values))
        if shape != self._shape:
            self._clear(shape)
            self.setLogMode(x=False, y=False)
            bars = pg.BarGraphItem(x=np.zeros(0), height=np.zeros(0), width=0.6)
            err = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), beam=0.2, pen=pg.mkPen("k", width=1.5))
            self.getAxis("bottom").setTicks([[(i, _s(v)) for i, v in enumerate(values)]])
            for it in (bars, err):
                self.addItem(it)
                self.items.append(it)
            self.getPlotItem().getViewBox().setBackgroundColor(None)
        bars, err = self.items
        bars.setOpts(x=x[ok], height=mean[ok], brushes=[_color(i, 160) for i in np.flatnonzero(ok)])
        err.setData(x=x[ok], y=mean[ok], height=2 * sd[ok])
        self.getPlotItem().enableAutoRange()


def _s(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)
