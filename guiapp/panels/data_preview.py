"""A look at the data: a scatter for 1-D/2-D sets, the first rows and the class balance for tables,
a few images for image sets."""
from __future__ import annotations

import html
import math

import numpy as np
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import (QGridLayout, QLabel, QSizePolicy, QStackedWidget, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from .. import theme, turns

MAX_POINTS = 3000
TABLE_ROWS = 8
IMAGES = 12
IMAGE_PX = 40
IMAGE_COLUMNS = 6
PLOT_MIN_HEIGHT, TABLE_MIN_HEIGHT = 240, 200  # the scatter and the table; images take their natural height


def raw_inputs(ds, split: str = "train", rows: int | None = None) -> np.ndarray:
    """Unnormalized inputs of a split as numpy (the stored raw copy, or the tensors un-normalized); the
    first ``rows`` only when given (un-normalizing all 300,000 rows of a big table for the 8 the preview
    shows took 11 ms of the GUI thread at every File ▸ Open)."""
    raw = getattr(ds, f"raw_{split}")
    if raw is not None:
        return np.asarray(raw[:rows])
    x = getattr(ds, f"x_{split}")[:rows].numpy()
    if ds.mean is not None and ds.std is not None:
        x = x * ds.std + ds.mean
    return x


def class_balance(ds) -> dict[str, list[tuple[str, float]]]:
    """Share of each class in the training split, per classification target:
    ``{"diagnosis": [("healthy", 0.5), ("at risk", 0.3), ("ill", 0.2)]}``."""
    out = {}
    for name, info in ds.targets.items():
        if info.is_classification:
            counts = np.bincount(ds.y_train[name].numpy(), minlength=info.width)
            total = max(1, int(counts.sum()))
            out[name] = [(c, k / total) for c, k in zip(info.classes, counts)]
    return out


def balance_html(ds) -> str:
    """The class balance as one line per target, each class with its scatter colour."""
    lines = []
    for name, shares in class_balance(ds).items():
        parts = [f"<span style='color:{theme.CLASS_COLORS[i % len(theme.CLASS_COLORS)]}'>■</span> "
                 f"{html.escape(c)} {100 * share:.0f}%" for i, (c, share) in enumerate(shares)]
        lines.append(f"{html.escape(name)}: " + " &nbsp; ".join(parts))
    return "<br>".join(lines)


def fmt_number(v) -> str:
    """A table cell's number as people write it: ``70512`` (not ``7.051e+04``), ``23.3``, ``0.0042``;
    the exponent only for the very large and the very small."""
    v = float(v)
    if not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if v == int(v) and abs(v) < 1e12:
        return str(int(v))
    if 1e3 <= abs(v) < 1e12:
        return f"{v:.0f}" if abs(v) >= 1e4 else f"{v:.1f}"
    return f"{v:.4g}"


class DataPreview(QWidget):
    """Shows a :class:`core.data.Dataset`; redraws only when handed a different one."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._dataset = None
        self.stack = QStackedWidget()
        self.balance = QLabel()
        self.balance.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.balance)
        lay.addWidget(self.stack, 1)
        self.empty = QLabel("")
        self.stack.addWidget(self.empty)
        self.plot = None          # pyqtgraph PlotWidget, made on first use (pyqtgraph is slow to import)
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.stack.addWidget(self.table)
        self.images = QWidget()
        self.image_grid = QGridLayout(self.images)
        self.image_grid.setSpacing(4)
        self.image_grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.stack.addWidget(self.images)
        self._show(self.empty)

    def show_dataset(self, ds) -> None:
        if ds is self._dataset:
            return
        self._dataset = ds
        if ds is None:
            self.balance.setText("")
            self._show(self.empty)
            return
        self.balance.setText(balance_html(ds))
        self.balance.setVisible(bool(self.balance.text()))
        shape = tuple(ds.input_shape)
        if shape in ((1,), (2,)) and self.plot is None:
            # the plot is made in a turn of its own and drawn in the next (pyqtgraph's axes and menus cost
            # 15-30 ms, the points as much: together with the panel's refresh they held the window ~60 ms)
            self._show(self.empty)
            turns.later(self._make_plot, owner=self)
        elif shape in ((1,), (2,)):
            self._scatter(ds)
        elif len(shape) >= 2:
            self._images(ds)
        else:
            self._table(ds)

    def _show(self, page: QWidget) -> None:
        """Show ``page`` and size the preview to it: a stack is otherwise as tall as its tallest page
        (the digits' images sat in a gap the size of the spiral's plot)."""
        for i in range(self.stack.count()):
            other = self.stack.widget(i)
            policy = QSizePolicy.Policy.Preferred if other is page else QSizePolicy.Policy.Ignored
            other.setSizePolicy(policy, policy)
        self.setMinimumHeight(PLOT_MIN_HEIGHT if page is self.plot else TABLE_MIN_HEIGHT if page is self.table else 0)
        self.stack.setCurrentWidget(page)
        self.stack.updateGeometry()
        self.updateGeometry()

    # -- scatter -----------------------------------------------------------------------------------
    def _make_plot(self) -> None:
        self._ensure_plot()
        turns.later(self._scatter_shown, owner=self)

    def _scatter_shown(self) -> None:
        """The scatter of the data set shown, if it still is one (another may have come meanwhile)."""
        ds = self._dataset
        if ds is not None and tuple(ds.input_shape) in ((1,), (2,)):
            self._scatter(ds)

    def _ensure_plot(self):
        if self.plot is None:
            pal = self.palette()
            self.plot = _plot_class()(background=pal.color(pal.ColorRole.Base))
            self.plot.setAspectLocked(False)
            self.plot.showGrid(x=True, y=True, alpha=0.15)
            self.plot.getPlotItem().setMenuEnabled(False)
            self.stack.addWidget(self.plot)
        return self.plot

    def _scatter(self, ds) -> None:
        import pyqtgraph as pg
        plot = self._ensure_plot()
        plot.clear()
        x = raw_inputs(ds, rows=MAX_POINTS)
        name = ds.default_target
        info = ds.targets[name]
        y = ds.y_train[name].numpy()
        n = min(len(x), MAX_POINTS)
        x, y = x[:n], y[:n]
        if x.shape[1] == 1:  # a curve: input against target
            plot.setLabels(bottom=ds.feature_names[0], left=name)
            yy = y.reshape(len(y), -1)[:, 0]
            item = pg.ScatterPlotItem(x[:, 0], yy.astype(float), size=5, pen=None,
                                      brush=pg.mkBrush(theme.CLASS_COLORS[0]))
            plot.addItem(item)
        elif info.is_classification:
            plot.setLabels(bottom=ds.feature_names[0], left=ds.feature_names[1])
            for c, label in enumerate(info.classes):
                m = y == c
                color = QColor(theme.CLASS_COLORS[c % len(theme.CLASS_COLORS)])
                item = pg.ScatterPlotItem(x[m, 0], x[m, 1], size=6, pen=pg.mkPen(color.darker(130)),
                                          brush=pg.mkBrush(color))
                plot.addItem(item)
        else:  # 2-D regression: colour by the target value
            plot.setLabels(bottom=ds.feature_names[0], left=ds.feature_names[1])
            v = y.reshape(len(y), -1)[:, 0].astype(float)
            t = (v - v.min()) / (np.ptp(v) or 1.0)
            cmap = pg.colormap.get("viridis")
            brushes = [pg.mkBrush(c) for c in cmap.map(t, mode="qcolor")]
            plot.addItem(pg.ScatterPlotItem(x[:, 0], x[:, 1], size=6, pen=None, brush=brushes))
        plot.autoRange()
        self._show(plot)

    # -- tables ------------------------------------------------------------------------------------
    def _table(self, ds) -> None:
        x = raw_inputs(ds, rows=TABLE_ROWS)
        targets = list(ds.targets.items())
        headers = list(ds.feature_names) + [f"→ {n}" for n, _ in targets]
        t = self.table
        t.clear()
        t.setColumnCount(len(headers))
        t.setRowCount(len(x))
        t.setHorizontalHeaderLabels(headers)
        for r in range(len(x)):
            for c, v in enumerate(x[r].reshape(-1)[: len(ds.feature_names)]):
                t.setItem(r, c, _cell(fmt_number(v)))
            for k, (name, info) in enumerate(targets):
                y = ds.y_train[name][r]
                text = info.classes[int(y)] if info.is_classification else ", ".join(
                    fmt_number(v) for v in y.reshape(-1))
                item = _cell(text)
                item.setForeground(QColor(theme.accent("ok")))
                t.setItem(r, len(ds.feature_names) + k, item)
        t.resizeColumnsToContents()
        self._show(t)

    # -- images ------------------------------------------------------------------------------------
    def _images(self, ds) -> None:
        while self.image_grid.count():
            w = self.image_grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        x = raw_inputs(ds, rows=IMAGES)
        name = ds.default_target
        info = ds.targets[name]
        lo, hi = float(x.min()), float(x.max())
        for i, img in enumerate(x):
            a = img.reshape(-1, img.shape[-2], img.shape[-1])[0]
            g = np.ascontiguousarray(((a - lo) / ((hi - lo) or 1.0) * 255).astype(np.uint8))
            q = QImage(g.data, g.shape[1], g.shape[0], g.strides[0], QImage.Format.Format_Grayscale8).copy()
            pic = QLabel()
            pic.setPixmap(QPixmap.fromImage(q).scaled(IMAGE_PX, IMAGE_PX, Qt.AspectRatioMode.KeepAspectRatio,
                                                      Qt.TransformationMode.FastTransformation))
            y = ds.y_train[name][i]
            pic.setToolTip(info.classes[int(y)] if info.is_classification else fmt_number(y.reshape(-1)[0]))
            cap = QLabel(pic.toolTip())
            cap.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            row, col = divmod(i, IMAGE_COLUMNS)
            self.image_grid.addWidget(pic, row * 2, col)
            self.image_grid.addWidget(cap, row * 2 + 1, col)
        self._show(self.images)


def _plot_class():
    """:class:`pyqtgraph.PlotWidget` that zooms with the wheel only once clicked (focused): before, the
    wheel scrolls the panel the preview sits in, as it does over the panel's inputs (a scroll through
    the Data panel zoomed the scatter under the pointer instead)."""
    import pyqtgraph as pg

    from ..widgets.wheel_guard import scroll_area_of

    class PreviewPlot(pg.PlotWidget):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)     # a click gives the wheel to the plot
            self.setToolTip("Click the plot, then the wheel zooms it")

        def wheelEvent(self, event) -> None:  # noqa: N802 - Qt's name
            if self.hasFocus():
                super().wheelEvent(event)
                return
            area = scroll_area_of(self)
            if area is not None:
                QCoreApplication.sendEvent(area.viewport(), event)   # the panel scrolls
            event.accept()

    return PreviewPlot


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item
