"""Shaded x ranges and labelled vertical markers on a plot, addressed by key (made once, then moved)."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from .colors import plot_colors

__all__ = ["PlotMarks", "qcolor"]


def qcolor(color, alpha: int | None = None) -> QColor:
    c = QColor(color)
    if alpha is not None:
        c.setAlpha(alpha)
    return c


class PlotMarks:
    """The regions and markers of one ``pg.PlotItem`` (``LivePlot.marks``)."""

    def __init__(self, item: pg.PlotItem) -> None:
        self.item = item
        self._regions: dict[str, pg.LinearRegionItem] = {}
        self._markers: dict[str, pg.InfiniteLine] = {}

    def set_region(self, key: str, x0: float, x1: float, color, alpha: int = 45) -> pg.LinearRegionItem:
        """Shade ``x0..x1`` (created once per key, then moved)."""
        region = self._regions.get(key)
        brush = pg.mkBrush(qcolor(color, alpha))
        if region is None:
            region = pg.LinearRegionItem(values=(x0, x1), movable=False, brush=brush,
                                         pen=pg.mkPen(qcolor(color, min(255, alpha * 3))))
            region.setZValue(-10)
            self.item.addItem(region, ignoreBounds=True)
            self._regions[key] = region
        else:
            # each call repaints the plot: only what changed (the findings come after every epoch)
            if region.brush.color() != brush.color():
                region.setBrush(brush)
            if tuple(region.getRegion()) != (x0, x1):
                region.setRegion((x0, x1))
        return region

    def region(self, key: str) -> pg.LinearRegionItem | None:
        return self._regions.get(key)

    def remove_region(self, key: str) -> None:
        region = self._regions.pop(key, None)
        if region is not None:
            self.item.removeItem(region)

    def region_keys(self) -> list[str]:
        return list(self._regions)

    def set_marker(self, key: str, x: float, label: str, color) -> pg.InfiniteLine:
        """A vertical labelled line at ``x`` (e.g. the best validation epoch)."""
        line = self._markers.get(key)
        if line is None:
            pen = pg.mkPen(qcolor(color), width=1.2, style=Qt.PenStyle.DashLine)
            line = pg.InfiniteLine(pos=x, angle=90, movable=False, pen=pen, label=label,
                                   # the label hangs from the top of the data area, never into the title
                                   # above it, on whichever side of the line has more room (never cut at
                                   # the right edge)
                                   labelOpts={"position": 0.98, "color": qcolor(color), "movable": False,
                                              "anchors": [(0, 0), (1, 0)],
                                              "fill": qcolor(plot_colors()[0], 200)})
            self.item.addItem(line, ignoreBounds=True)
            self._markers[key] = line
        else:
            line.setPos(x)
            line.label.setFormat(label)
        return line

    def marker(self, key: str) -> pg.InfiniteLine | None:
        return self._markers.get(key)

    def remove_marker(self, key: str) -> None:
        line = self._markers.pop(key, None)
        if line is not None:
            self.item.removeItem(line)
