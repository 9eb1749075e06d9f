"""The Deployment tab's plots: training vs new histograms of a feature, and the over-time view
(loss or metric per window with the validation band, drift share, the two findings marked)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

REF_COLOR, NEW_COLOR = (80, 140, 220), (230, 120, 40)
DRIFT_COLOR, DECLINE_COLOR = (230, 160, 0), (210, 50, 50)


def _plot(title: str) -> pg.PlotWidget:
    w = pg.PlotWidget()
    w.setBackground(None)
    w.setTitle(title, size="9pt")
    w.showGrid(x=True, y=True, alpha=0.2)
    w.setMenuEnabled(False)
    w.setMinimumHeight(30)
    w.getAxis("left").enableAutoSIPrefix(False)
    return w


class FeatureHistogram(QWidget):
    """Overlaid histograms (shares, so sizes may differ) of one feature: training vs new."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.plot = _plot("")
        self.plot.setMinimumHeight(160)
        self.plot.addLegend(offset=(-10, 10))
        lay.addWidget(self.plot)
        self.feature = ""

    def clear_values(self) -> None:
        self.feature = ""
        self.plot.clear()
        self.plot.setTitle("", size="9pt")

    def show_values(self, name: str, ref: np.ndarray, new: np.ndarray, kind: str, new_label: str = "new") -> None:
        self.feature = name
        p = self.plot
        p.clear()
        label = new_label if len(new_label) <= 24 else new_label[:23] + "…"  # a title sets the plot's width
        p.setTitle(f"{name}: training vs {label}", size="9pt")
        if len(ref) == 0 or len(new) == 0:
            return
        if kind == "numeric":
            both = np.concatenate([ref, new])
            lo, hi = (float(q) for q in np.quantile(both, [0.005, 0.995]))  # long tails would squash the rest
            edges = np.linspace(lo, hi if hi > lo else lo + 1, 31)
            for values, color, label in ((ref, REF_COLOR, "training"), (new, NEW_COLOR, "new")):
                h = np.histogram(np.clip(values, edges[0], edges[-1]), edges)[0] / len(values)
                p.plot(edges, h, stepMode="center", fillLevel=0, brush=(*color, 80), pen=pg.mkPen(color, width=2),
                       name=label)
            p.getAxis("bottom").setTicks(None)
        else:
            cats = sorted(set(ref.astype(str)) | set(new.astype(str)))
            x = np.arange(len(cats))
            for values, color, label, off in ((ref, REF_COLOR, "training", -0.2), (new, NEW_COLOR, "new", 0.2)):
                v = values.astype(str)
                shares = np.array([np.mean(v == c) for c in cats])
                p.addItem(pg.BarGraphItem(x=x + off, height=shares, width=0.4, brush=(*color, 160), name=label))
            p.getAxis("bottom").setTicks([[(i, c[:12]) for i, c in enumerate(cats)]])
        p.setLabel("left", "share of rows")


class OverTimePlot(QWidget):
    """Top: loss (or metric) per window with the validation band; bottom: share of drifted features."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.loss = _plot("loss per window")
        self.drift = _plot("share of drifted features")
        for plot in (self.loss, self.drift):  # same axis width: the windows line up without linking the views
            plot.getAxis("left").setWidth(44)  # (a link let a lone marker's autorange narrow both to it)
        self.drift.setYRange(0, 1)
        self.loss.setMinimumHeight(115)    # curves and both finding names readable (30 px showed a line)
        self.drift.setMinimumHeight(75)
        lay.addWidget(self.loss, 3)
        lay.addWidget(self.drift, 2)
        self.markers: dict[str, int] = {}

    def show_result(self, result) -> None:
        self.loss.clear()
        self.drift.clear()
        self.markers = {}
        if result is None or not result.windows:
            return
        x = np.array([w.index for w in result.windows], dtype=np.float64)
        self.loss.setVisible(True)
        if result.has_target:
            loss = np.array([np.nan if w.loss is None else w.loss for w in result.windows])
            mean, lo, hi = result.band["loss"]
            band_pen = pg.mkPen((120, 120, 120, 90))
            top = pg.PlotDataItem(x, np.full_like(x, hi), pen=band_pen)
            bottom = pg.PlotDataItem(x, np.full_like(x, lo), pen=band_pen)
            self.loss.addItem(top)
            self.loss.addItem(bottom)
            self.loss.addItem(pg.FillBetweenItem(top, bottom, brush=(120, 120, 120, 60)))
            self.loss.addItem(pg.InfiniteLine(mean, angle=0, pen=pg.mkPen((120, 120, 120), style=pg.QtCore.Qt.PenStyle.DashLine)))
            self.loss.plot(x, loss, pen=pg.mkPen(REF_COLOR, width=2), symbol="o", symbolSize=5)
            self.loss.setTitle("loss per window (grey: validation noise)", size="9pt")
        else:
            conf = np.array([np.nan if w.confidence is None else w.confidence for w in result.windows])
            why = result.no_loss or "no loss"
            if np.isfinite(conf).any():
                self.loss.plot(x, conf, pen=pg.mkPen(NEW_COLOR, width=2), symbol="o", symbolSize=5)
                self.loss.setTitle("no target: mean confidence" if result.no_loss.startswith("no target")
                                   else f"{why}: mean confidence", size="9pt")
            elif result.no_loss == "no trained model":
                self.loss.setTitle("no trained model: no loss", size="9pt")  # short: a title sets the plot's width
            else:
                self.loss.setTitle("no target: no loss" if result.no_loss.startswith("no target")
                                   else "no usable target: no loss", size="9pt")
        share = np.array([w.drift_share for w in result.windows])
        self.drift.plot(x, share, pen=pg.mkPen(DRIFT_COLOR, width=2), fillLevel=0, brush=(*DRIFT_COLOR, 60))
        for f in result.findings:
            color = DRIFT_COLOR if f.kind == "input_drift" else DECLINE_COLOR
            self.markers[f.kind] = f.start_window
            # named on the upper plot only: the lower one is short in a docked tab, and two names there overlap
            self.loss.addItem(pg.InfiniteLine(f.start_window, angle=90, pen=pg.mkPen(color, width=2),
                                              label=f.kind.replace("_", " "),
                                              labelOpts={"position": 0.92 if f.kind == "input_drift" else 0.72,
                                                         "color": color, "anchors": [(0, 0), (0, 0)]}))
            self.drift.addItem(pg.InfiniteLine(f.start_window, angle=90, pen=pg.mkPen(color, width=2)))
        self.loss.getAxis("bottom").setLabel("")  # the plot below names the axis: more room for the curves
        self.drift.setLabel("bottom", "window")
        for plot in (self.loss, self.drift):  # every window in view, not the autorange of a lone marker
            plot.enableAutoRange(x=False)
            plot.setXRange(float(x[0]), float(x[-1]), padding=0.02)
