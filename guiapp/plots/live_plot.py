"""A pyqtgraph plot for live curves: curves made once and fed by ``set_data``, log-y, a crosshair
that reads the values under the cursor, shaded ranges, labelled markers, reset view and export.

The speed options are switched on for the PlotItem (``setDownsampling(auto=True, mode="peak")``,
``setClipToView(True)``) and again per curve after it is added (``PlotDataItem.setDownsampling`` takes
``method=``; ``PlotItem.addItem`` overwrites a curve's own settings with the PlotItem's, and keyword
arguments to an empty ``plot()`` were ignored). No ``skipFiniteCheck``: a diverging loss holds NaN/inf.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics

from .crosshair import Crosshair
from .colors import plot_colors
from .export import EXPORT_SCALE, EXPORT_WIDTH, export_plot
from .held_range import HeldRangeViewBox
from .legend import fold_legend
from .marks import PlotMarks, qcolor

TITLE_POINT_SIZE = 9
MIN_DATA_PX = 50      # the curves keep at least this height: the legend folds before it takes more

__all__ = ["LivePlot", "export_plot", "plot_colors"]


def _blend(color, alpha: int, background: QColor) -> str:
    """``color`` drawn at ``alpha`` over ``background``, as an opaque ``#rrggbb`` (for rich text)."""
    c, a = QColor(color), max(0, min(255, alpha)) / 255.0
    mix = [round(a * x + (1 - a) * y) for x, y in zip(c.getRgb()[:3], background.getRgb()[:3])]
    return QColor(*mix).name()


class LivePlot(pg.PlotWidget):
    """One live plot. Curves are addressed by key; ``set_data`` keeps the arrays it was given so the
    crosshair can read exact values (what the curve holds may be downsampled or log-transformed).

    The legend is in the title (a coloured line sample before each curve's name): an in-plot legend
    hid curves and markers whatever corner it took, and cost paint time.

    Subclasses: do not define ``clear``, ``addItem``, ``removeItem``, ``autoRange`` or the other names
    ``pg.PlotWidget`` sets as instance attributes (they would be shadowed silently); the views use
    ``reset_curves`` for "forget the data".
    """

    def __init__(self, title: str = "", x_label: str = "", y_label: str = "", parent=None, *,
                 right_from_zero: bool = False) -> None:
        bg, fg = plot_colors()
        super().__init__(parent=parent, background=bg, viewBox=HeldRangeViewBox())
        self._fg = fg
        item = self.getPlotItem()
        self._title = title
        self._legend: dict[str, str] = {}
        self.right_axis = RightAxis(self, from_zero=right_from_zero)
        _title_never_widens(item.titleLabel)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(fg))
            axis.setTextPen(pg.mkPen(fg))
            axis.enableAutoSIPrefix(False)     # "loss (x0.001)" reads badly: show the numbers as they are
        if x_label:
            item.setLabel("bottom", x_label)
        if y_label:
            item.setLabel("left", y_label)
        # no grid: pyqtgraph draws it with the axes and it doubled the cost of a repaint (3 -> 7 ms);
        # the crosshair reads exact values instead
        item.setMenuEnabled(True)
        item.setDownsampling(auto=True, mode="peak")   # the context menu's defaults for every curve
        item.setClipToView(True)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._data: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._labels: dict[str, str] = {}
        self._right: dict[str, bool] = {}
        self.marks = PlotMarks(self.getPlotItem())   # shaded ranges and labelled markers
        self.log_y = False
        self._export_width = 0
        self.paint_count = 0
        self.paint_seconds = 0.0
        self.crosshair = Crosshair(self)
        self._render_title()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name; counted for the benchmarks
        t0 = time.perf_counter()
        super().paintEvent(event)
        self.paint_count += 1
        self.paint_seconds += time.perf_counter() - t0

    # -- curves ---------------------------------------------------------------------------------
    def add_curve(self, key: str, label: str, color, *, width: float = 1.6, alpha: int = 255,
                  style: Qt.PenStyle = Qt.PenStyle.SolidLine, symbol: str | None = None,
                  right: bool = False, legend: bool = True) -> pg.PlotDataItem:
        """Create the curve ``key`` once (idempotent: an existing curve is returned)."""
        if key in self.curves:
            return self.curves[key]
        pen = pg.mkPen(qcolor(color, alpha), width=width, style=style)
        curve = pg.PlotDataItem(pen=pen, name=label)
        if symbol:
            curve.setSymbol(symbol)
            curve.setSymbolSize(5)
            curve.setSymbolBrush(qcolor(color, alpha))
            curve.setSymbolPen(pg.mkPen(qcolor(color, alpha)))
        if right:
            self.right_axis.view().addItem(curve)
            self.right_axis.set_visible(True)
        else:
            self.getPlotItem().addItem(curve)
        # after addItem: PlotItem.addItem applies the plot's own (context-menu) settings to the item
        curve.setDownsampling(auto=True, method="peak")
        curve.setClipToView(True)
        self.curves[key] = curve
        self._labels[key] = label
        self._right[key] = right
        if legend:
            sample = {Qt.PenStyle.DashLine: "- -", Qt.PenStyle.DotLine: "···"}.get(style, "—")
            self._legend[key] = (f"<span style='color:{_blend(color, alpha, self.backgroundBrush().color())}'>"
                                 f"<b>{sample}</b></span>"
                                 f"&nbsp;{label}")
            self._render_title()
        return curve

    def set_title(self, title: str) -> None:
        self._title = title
        self._render_title()

    def title_text(self) -> str:
        """The title with its legend, as plain text."""
        return self.getPlotItem().titleLabel.item.toPlainText()

    def _render_title(self, only_if_wrapped_differently: bool = False) -> None:
        # only curves with data: an empty live run's "train, validation" took the room the overlaid
        # runs' names needed
        entries = [e for k, e in self._legend.items() if self._has_data(k)]
        lines, hidden = self._legend_lines(entries)
        if only_if_wrapped_differently and (lines, hidden) == self._title_lines:
            return
        self._title_lines = (lines, hidden)
        sep = "&nbsp;&nbsp;&nbsp;"
        more = [f"<i>{self._more_format.format(hidden)}</i>"] if hidden else []
        html = f"<b>{self._title}</b>"
        if len(lines) == 1:
            html += sep + sep.join([entries[i] for i in lines[0]] + more) if lines[0] or more else ""
        else:
            rows = [[entries[i] for i in line] for line in lines[1:]]
            rows[-1] += more
            html += "<br>" + "<br>".join(sep.join(row) for row in rows)
        item = self.getPlotItem()
        item.setTitle(html, color=self._fg.name(), size=f"{TITLE_POINT_SIZE}pt")
        # every curve's name on hover over the title, whether or not the legend had to fold
        item.titleLabel.setToolTip("\n".join(_plain(e) for e in entries) if hidden else "")

        height = 26 + 15 * html.count("<br>")     # PlotItem fixes the title row at 30 px
        item.titleLabel.setMaximumHeight(height)
        item.layout.setRowFixedHeight(0, height)

    def legend_names(self) -> list[str]:
        """Every legend entry as plain text (shown or folded into "+N more"): the curves with data."""
        return [_plain(e).replace("\u00a0", " ").split(" ", 1)[-1].strip() for k, e in self._legend.items()
                if self._has_data(k)]

    def _has_data(self, key: str) -> bool:
        xy = self._data.get(key)
        return xy is not None and len(xy[0]) > 0

    def _legend_lines(self, entries: list[str]) -> tuple[tuple[tuple[int, ...], ...], int]:
        """Which legend entries go on which title row and how many fold into "+N more" (see
        :func:`guiapp.plots.legend.fold_legend`): the title may take as many rows as leave the curves
        ``MIN_DATA_PX`` (a four-line legend over a short plot left about 10 px of data)."""
        font = QFont(self.font())
        font.setPointSizeF(TITLE_POINT_SIZE)
        metrics = QFontMetrics(font)
        font.setBold(True)
        title_width = QFontMetrics(font).horizontalAdvance(self._title)
        width = self._export_width or self.width()
        room = max(120, width - self._axes_offset() - 16)
        axis = self.getPlotItem().getAxis("bottom")
        below = axis.height() if axis.isVisible() else 0
        rows = 99 if self._export_width else 1 + max(0, int(self.height() - below - MIN_DATA_PX - 26) // 15)
        n = len(entries)
        lines, hidden, self._more_format = fold_legend(
            title_width, [metrics.horizontalAdvance(_plain(e)) for e in entries], metrics.horizontalAdvance("   "),
            room, rows, metrics.horizontalAdvance(f"   +{n} more"), metrics.horizontalAdvance(f"   +{n}"))
        return lines, hidden

    def _axes_offset(self) -> int:
        """Twice how far the title's centre (the data area's centre) is from the widget's: the title
        may reach over the axes, but it stays centred on the data."""
        item = self.getPlotItem()
        left, right = item.getAxis("left"), item.getAxis("right")
        return int(abs((left.width() if left.isVisible() else 0) - (right.width() if right.isVisible() else 0)))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if hasattr(self, "_title_lines") and self.getPlotItem() is not None:     # None once closed
            self._render_title(only_if_wrapped_differently=True)

    def has_curve(self, key: str) -> bool:
        return key in self.curves

    def remove_curve(self, key: str) -> None:
        curve = self.curves.pop(key, None)
        if curve is None:
            return
        if self._legend.pop(key, None) is not None:
            self._render_title()
        if self._right.pop(key, False):
            self.right_axis.view().removeItem(curve)
            if not any(self._right.values()):
                self.right_axis.set_visible(False)     # no stale right axis on a plot without its curves
        else:
            self.getPlotItem().removeItem(curve)
        self._data.pop(key, None)
        self._labels.pop(key, None)

    def set_data(self, key: str, x: np.ndarray, y: np.ndarray) -> None:
        """Replace the data of curve ``key`` (x float64, same length as y)."""
        curve = self.curves[key]
        had = self._has_data(key)
        self._data[key] = (x, y)
        if had != (len(x) > 0) and key in self._legend:
            self._render_title()              # the curve enters (or leaves) the legend
        curve.setData(x, y)
        if self._right.get(key):
            self.right_axis.data_changed()

    def data(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """The arrays last given to ``set_data`` (empty arrays if none)."""
        return self._data.get(key, (np.empty(0), np.empty(0)))

    def point_count(self, key: str) -> int:
        return int(self.data(key)[0].size)

    def reset_curves(self) -> None:
        """Forget the data (subclasses also drop curves, regions and markers made on the fly)."""
        self.clear_data()

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().leaveEvent(event)
        self.crosshair.hide()              # a readout with no pointer over the plot reads nothing

    def clear_data(self) -> None:
        self.crosshair.hide()              # its values belonged to the data being forgotten
        for key, curve in self.curves.items():
            curve.setData([], [])
        had_legend = any(self._has_data(k) for k in self._legend)
        self._data.clear()
        if had_legend:
            self._render_title()

    def values_at(self, x: float) -> list[tuple[str, float, float]]:
        """(label, x, y) of each visible curve at the sample nearest to ``x``."""
        out = []
        for key, (xs, ys) in self._data.items():
            curve = self.curves.get(key)
            if curve is None or not curve.isVisible() or xs.size == 0:
                continue
            i = int(np.searchsorted(xs, x))
            if i >= xs.size or (i > 0 and abs(xs[i - 1] - x) <= abs(xs[i] - x)):
                i -= 1
            out.append((self._labels.get(key, key), float(xs[i]), float(ys[i])))
        return out

    # -- view -----------------------------------------------------------------------------------
    def set_log_y(self, on: bool) -> None:
        """Log-scale y for the curves on the left axis (non-positive values are skipped)."""
        self.log_y = bool(on)
        self.getPlotItem().setLogMode(x=False, y=self.log_y)
        for key, curve in self.curves.items():
            if not self._right.get(key):
                curve.setLogMode(False, self.log_y)

    def settle(self) -> None:
        """Apply a pending auto-range now: done in the paint, it changes the axes during the paint
        and Qt paints the plot a second time."""
        for vb in (self.getPlotItem().vb, self.right_axis.vb):
            if vb is not None and getattr(vb, "_autoRangeNeedsUpdate", False):
                vb.updateAutoRange()

    def reset_view(self) -> None:
        """Back to auto-range on both axes (after a zoom or pan)."""
        item = self.getPlotItem()
        item.enableAutoRange()              # follows the data again (autoRange() alone would fix a range)
        self.right_axis.reset_view()

    def clear_view(self, keep_followed: bool = False) -> None:
        """Forget the ranges of old data and any zoom: 0..1 until new data arrives, then auto-range
        (auto-range over no data keeps the old range: a new project's epochs 1..3 looked like nothing
        in the previous project's 0..150). ``keep_followed`` (a Run's start): a plot that follows its
        data keeps the range it shows until the new data's first fit (a new range for an empty plot
        made every axis compute its ticks and texts again, on the GUI thread the training waited for);
        a zoom or a finding's range is forgotten all the same."""
        if keep_followed and all(self.getPlotItem().vb.autoRangeEnabled()):
            self.reset_view()
            return
        self.getPlotItem().vb.setRange(xRange=(0.0, 1.0), yRange=(0.0, 1.0), padding=0)
        if self.right_axis.vb is not None:
            self.right_axis.vb.setRange(yRange=(0.0, 1.0), padding=0)
        self.reset_view()

    def export(self, path: str | Path, width: int | None = None, height: int | None = None) -> Path:
        """Save the plot as PNG (or any image suffix Qt writes) or SVG, 1200 x 600 px unless told
        (see :func:`guiapp.plots.export.export_plot`), whatever its size on screen."""
        self.crosshair.hide()
        width = int(width or EXPORT_WIDTH)
        self._export_width = int(width / EXPORT_SCALE)      # the legend wraps for the exported width
        self._render_title()
        try:
            return export_plot(self.getPlotItem(), path, width, height)
        finally:
            self._export_width = 0
            self._render_title()


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("&nbsp;", " ").replace("&amp;", "&")


def _title_never_widens(label: pg.LabelItem) -> None:
    """pyqtgraph makes a label's text width its minimum width (on every setText and resize); a long
    title then widens the plot beyond its widget and the right part, the newest data, is cut off.
    This label keeps its height but may be narrower than its text."""
    def update_min() -> None:
        rect = label.itemRect()
        label.setMinimumWidth(0)
        label.setMinimumHeight(rect.height())
        label._sizeHint = {Qt.SizeHint.MinimumSize: (0, rect.height()),
                           Qt.SizeHint.PreferredSize: (rect.width(), rect.height()),
                           Qt.SizeHint.MaximumSize: (-1, -1), Qt.SizeHint.MinimumDescent: (0, 0)}
        label.updateGeometry()
    label.updateMin = update_min


class RightAxis:
    """A second y axis (its own ViewBox, x linked to the plot), made on first use. ``from_zero``:
    the range is 0 .. 1.12 x the largest value (a constant learning rate is then a line at its
    height, not in the middle of an arbitrary range)."""

    def __init__(self, plot: LivePlot, from_zero: bool = False) -> None:
        self.plot, self.from_zero = plot, from_zero
        self.vb: pg.ViewBox | None = None
        self._top: float | None = None

    def view(self) -> pg.ViewBox:
        if self.vb is None:
            item = self.plot.getPlotItem()
            self.vb = pg.ViewBox()
            item.showAxis("right")
            axis = item.getAxis("right")
            axis.setPen(pg.mkPen(self.plot._fg))
            axis.setTextPen(pg.mkPen(self.plot._fg))
            axis.enableAutoSIPrefix(False)
            # learning rates: "0.0025", "1e-05" (pyqtgraph's fixed decimals give "0.00" in a narrow axis)
            axis.tickStrings = lambda values, scale, spacing: [f"{v * scale:.3g}" for v in values]
            # its auto-width lags behind (tick labels cut off until a resize): room for "0.00025"
            axis.setWidth(axis.fontMetrics().horizontalAdvance("0.000025") + 12 if hasattr(axis, "fontMetrics")
                          else 62)
            item.scene().addItem(self.vb)
            axis.linkToView(self.vb)
            self.vb.setXLink(item)
            item.vb.sigResized.connect(self._on_viewbox_resized)
            self._on_viewbox_resized()
        return self.vb

    def set_visible(self, on: bool) -> None:
        """Show or hide the right axis (made on first use)."""
        if self.vb is None and not on:
            return
        self.view()
        item = self.plot.getPlotItem()
        if on:
            item.showAxis("right")
        else:
            item.hideAxis("right")
            self._top = None
        self.plot._render_title(only_if_wrapped_differently=True)

    def _on_viewbox_resized(self, *_args) -> None:
        main = self.plot.getPlotItem().vb
        self.vb.setGeometry(main.sceneBoundingRect())
        self.vb.linkedViewChanged(main, self.vb.XAxis)

    def data_changed(self) -> None:
        if not self.from_zero:
            return
        top = 0.0
        for key, is_right in self.plot._right.items():
            y = self.plot.data(key)[1] if is_right else None
            if y is not None and y.size:
                finite = y[np.isfinite(y)]
                if finite.size:
                    top = max(top, float(finite.max()))
        if top > 0 and top != self._top:
            self._top = top
            self.view().setYRange(0.0, top * 1.12, padding=0)

    def reset_view(self) -> None:
        if self.vb is None:
            return
        # x follows the plot's own axis through the link only: an auto-range of its own fitted x to its
        # curve until the link's next update switched it off, and the link carried that fit to the plot
        if self.from_zero:
            self.vb.enableAutoRange(x=False, y=False)
            self._top = None
            self.data_changed()
        else:
            self.vb.enableAutoRange(x=False, y=True)
