"""A crosshair that follows the mouse over a :class:`LivePlot` and reads the curves' values."""
from __future__ import annotations

import math
from typing import Callable

import pyqtgraph as pg
from PySide6.QtCore import QObject
from PySide6.QtGui import QColor

__all__ = ["Crosshair", "fmt_value"]


def fmt_value(v: float) -> str:
    """Four significant digits; NaN/inf spelled out."""
    if not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return f"{v:.4g}"


class Crosshair(QObject):
    """A vertical line and a label listing ``label: value`` for each curve at the nearest sample.

    Mouse moves are rate-limited to 30 per second (``pg.SignalProxy``); ``show_at`` does the same
    without a mouse (tests, keyboard).
    """

    def __init__(self, plot, x_name: str = "x", fmt_x: Callable[[float], str] | None = None) -> None:
        super().__init__(plot)
        self.plot = plot
        self.x_name = x_name
        self.fmt_x = fmt_x or (lambda v: f"{v:.0f}")
        fg = QColor(plot._fg)
        fg.setAlpha(140)
        self.line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(fg, width=1))
        bg = QColor(plot.backgroundBrush().color())
        bg.setAlpha(215)
        self.label = pg.TextItem(anchor=(0, 0), color=plot._fg, fill=pg.mkBrush(bg))
        self.label.setZValue(100)
        item = plot.getPlotItem()
        item.addItem(self.line, ignoreBounds=True)
        item.addItem(self.label, ignoreBounds=True)
        self.hide()
        self._proxy = pg.SignalProxy(item.scene().sigMouseMoved, rateLimit=30, slot=self._on_scene_mouseMoved)

    def hide(self) -> None:
        self.line.hide()
        self.label.hide()

    def text(self) -> str:
        return self.label.textItem.toPlainText() if self.label.isVisible() else ""

    def _on_scene_mouseMoved(self, event) -> None:
        pos = event[0]
        vb = self.plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(pos):
            self.hide()
            return
        p = vb.mapSceneToView(pos)
        self.show_at(p.x(), p.y())

    def show_at(self, x: float, y: float | None = None) -> str:
        """Put the crosshair at data ``x`` (label at view ``y``) and return its text."""
        values = self.plot.values_at(x)
        if not values:
            self.hide()
            return ""
        sx = values[0][1]
        lines = [f"{self.x_name} {self.fmt_x(sx)}"]
        lines += [f"{label}: {fmt_value(v)}" for label, _x, v in values]
        text = "\n".join(lines)
        self.label.setText(text)
        (x0, x1), (y0, y1) = self.plot.getPlotItem().vb.viewRange()
        if y is None:
            y = y1
        self.label.setAnchor((1, 0) if x > (x0 + x1) / 2 else (0, 0))
        self.label.setPos(x, y)
        self.line.setPos(sx)
        self.line.show()
        self.label.show()
        return text
