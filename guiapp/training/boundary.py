"""What the model has learned, drawn over the data: a decision boundary (2-D classification), a
fitted surface (2-D regression) or a fitted curve (1-D regression), plus the validation confusion
matrix for classification.

The grid predictions come from the training thread (``boundaryUpdated``, at most 4 per second and
at most 5% of its time); here they only become an 80 x 80 RGBA image.

The view shows exactly the grid's range (the data's range plus a margin: ``snapshots.data_extent``)
and cannot be zoomed out past it, so the picture fills the axes; a fitted curve's y range is the
targets' range. The legend sits in the plot's title, above the data, never over points.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from ..plots.colors import plot_colors
from .confusion import ConfusionTable
from .heads import planned_heads
from .snapshots import boundary_kind, data_extent, raw_points

__all__ = ["BoundaryView", "class_colors", "classes_to_rgba"]

MAX_ALPHA = 200     # the most confident area stays a little see-through (points remain visible)
MAX_LEGEND_CLASSES = 6   # more classes than this: the legend names the symbols only

SURFACE_SHADES = 64   # colours a regression surface's points are drawn in (256 values read as 64)


def class_colors() -> tuple[str, ...]:
    try:
        from ..theme import CLASS_COLORS
        return tuple(CLASS_COLORS)
    except Exception:  # noqa: BLE001
        return ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def classes_to_rgba(probs: np.ndarray, colors: tuple[str, ...]) -> np.ndarray:
    """``(ny, nx, C)`` probabilities -> ``(ny, nx, 4)`` uint8: the likeliest class's colour, alpha by
    confidence (0 where all classes are equally likely), like TensorFlow Playground."""
    c = probs.shape[-1]
    winner = probs.argmax(axis=-1)
    top = probs.max(axis=-1)
    # a diverged model gives NaN probabilities: show them as "no confidence", not garbage
    confidence = np.nan_to_num(np.clip((top - 1.0 / c) / (1.0 - 1.0 / c), 0.0, 1.0), nan=0.0)
    table = np.array([QColor(colors[i % len(colors)]).getRgb()[:3] for i in range(c)], dtype=np.uint8)
    rgba = np.empty(probs.shape[:-1] + (4,), dtype=np.uint8)
    rgba[..., :3] = table[winner]
    rgba[..., 3] = (MAX_ALPHA * confidence).astype(np.uint8)
    return rgba


class BoundaryView(QWidget):
    """The model's view of 1-D/2-D data, redrawn as training goes; ``image`` is the current RGBA
    array (None before the first snapshot)."""

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.kind: str | None = None
        self.image: np.ndarray | None = None
        self.snapshot = None
        self.redraw_count = 0
        self._levels = (0.0, 1.0)
        bg, fg = plot_colors()
        self.plot = pg.PlotWidget(background=bg)
        item = self.plot.getPlotItem()
        for name in ("left", "bottom"):
            item.getAxis(name).setPen(pg.mkPen(fg))
            item.getAxis(name).setTextPen(pg.mkPen(fg))
        item.setMenuEnabled(False)
        item.hideButtons()
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.image_item.setZValue(-10)
        item.addItem(self.image_item)
        self.curve = pg.PlotDataItem(pen=pg.mkPen("#d62728", width=2.5), name="model")
        item.addItem(self.curve)
        self.train_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("white", width=1.0), name="train")
        self.val_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("black", width=1.2), symbol="t", name="validation")
        item.addItem(self.train_points)
        item.addItem(self.val_points)
        self._fg = fg
        self.extent: tuple[float, float, float, float] | None = None
        self.caption = _small_label()
        self.message = _small_label()          # why there is no picture: one small line, not a big empty area
        self.confusion = ConfusionTable()

        self.picture = QWidget()
        top_layout = QVBoxLayout(self.picture)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.plot, 1)
        top_layout.addWidget(self.caption)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.picture)
        self.splitter.addWidget(self.confusion)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.message)
        layout.addWidget(self.splitter, 1)

        controller.boundaryUpdated.connect(self._on_controller_boundaryUpdated)
        controller.confusionUpdated.connect(self._on_controller_confusionUpdated)
        controller.historyCleared.connect(self._on_controller_historyCleared)
        controller.document.datasetChanged.connect(self._on_document_datasetChanged)
        controller.document.outputsChanged.connect(self._on_document_outputsChanged)
        self._on_document_datasetChanged(controller.document.dataset)
        if controller.last_boundary is not None:
            self._on_controller_boundaryUpdated(controller.last_boundary)
        if controller.last_confusion is not None:
            self._on_controller_confusionUpdated(controller.last_confusion)

    # -- data points ------------------------------------------------------------------------------
    def _on_document_datasetChanged(self, dataset) -> None:
        self.kind = boundary_kind(dataset)
        self._clear_model()
        self.train_points.clear()
        self.val_points.clear()
        self._points_due = None
        has_plot = self.kind is not None
        classes = self._show_classes(dataset)
        self.picture.setVisible(has_plot)
        self.message.setVisible(not has_plot)
        if not has_plot:
            self.extent = None
            n = int(np.prod(dataset.input_shape)) if dataset is not None else 0
            self.message.setText("The model's picture is drawn for data with one or two inputs"
                                 + (f"; this data set has {n}." if n else "."))
            return
        target = dataset.default_target
        ys = {"train": dataset.y_train[target].numpy(), "val": dataset.y_val[target].numpy()}
        if self.kind == "surface":
            allv = np.concatenate([ys["train"].reshape(-1), ys["val"].reshape(-1)])
            self._levels = (float(np.nanmin(allv)), float(np.nanmax(allv)) or 1.0)
        # the points (20-60 ms for 2,000 of them) are drawn when the view is seen: on File ▸ Open it is
        # usually a tab behind the training plots, and the Open rebuilds every other view in the same turn
        self._points_due = (dataset, ys)
        if self.isVisible():
            self._draw_points()
        self._show_extent(data_extent(dataset))
        self._render_legend(classes if self.kind == "classes" else ())
        self.caption.setText(self._caption(None))

    def _draw_points(self) -> None:
        if self._points_due is None:
            return
        (dataset, ys), self._points_due = self._points_due, None
        colors = class_colors()
        for split, item in (("train", self.train_points), ("val", self.val_points)):
            pts = raw_points(dataset, split)
            if pts is None or not pts.size:
                continue
            y = ys[split]
            # one brush per colour, shared by its points: a brush made per point cost ~0.4 ms a point of
            # the GUI thread (a 2,000-point data set froze File ▸ Open for most of a second)
            if self.kind == "classes":
                palette = [pg.mkBrush(c) for c in colors]
                item.setData(pts[:, 0], pts[:, 1], brush=[palette[int(k) % len(palette)] for k in y.reshape(-1)])
            elif self.kind == "surface":
                item.setData(pts[:, 0], pts[:, 1], brush=self._value_brushes(y.reshape(-1)))
            else:
                item.setData(pts[:, 0], y.reshape(len(pts), -1)[:, 0],
                             brush=pg.mkBrush(colors[0] if split == "train" else colors[1]))

    def _show_classes(self, dataset) -> tuple[str, ...]:
        """Lay out the confusion matrix for the first head's classes (hidden for regression)."""
        heads = planned_heads(self.controller.document.project, dataset)
        classes = heads[0].classes if heads else ()
        self.confusion.set_classes(classes)
        self.confusion.setVisible(bool(classes))
        return classes

    def _on_document_outputsChanged(self, _ids: list) -> None:
        # the first head's target can change with the outputs; a shown matrix stays until the next Run
        if self.confusion.matrix is None:
            self._show_classes(self.controller.document.dataset)

    def _show_extent(self, extent) -> None:
        """Show ``(x0, x1, y0, y1)`` and no more: the picture fills the axes (no blank band beside
        the grid) and zooming out stops at the data's range plus its margin."""
        item = self.plot.getPlotItem()
        vb = item.vb
        item.setAspectLocked(False)           # locked, a non-square view showed blank bands beside the grid
        vb.setLimits(xMin=None, xMax=None, yMin=None, yMax=None)
        self.extent = tuple(float(v) for v in extent) if extent is not None else None
        if self.extent is None:
            vb.enableAutoRange()
            return
        x0, x1, y0, y1 = self.extent
        vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        vb.setLimits(xMin=x0, xMax=x1, yMin=y0, yMax=y1)

    def _render_legend(self, classes: tuple[str, ...]) -> None:
        """The legend in the title row, above the data: the two point symbols, the model's curve,
        and the class colours when there are only a few classes."""
        fg = self._fg.name()
        parts = ["<b>\u25cf</b>&nbsp;train", "<b>\u25bc</b>&nbsp;validation"]
        if self.kind == "curve":
            parts.append("<span style='color:#d62728'><b>\u2014</b></span>&nbsp;model")
        elif self.kind == "surface":
            parts.append("colour = value")
        if 0 < len(classes) <= MAX_LEGEND_CLASSES:
            colors = class_colors()
            parts += [f"<span style='color:{colors[i % len(colors)]}'>\u25a0</span>&nbsp;{_escape(str(c))}"
                      for i, c in enumerate(classes)]
        self.plot.getPlotItem().setTitle("&nbsp;&nbsp;".join(parts), color=fg, size="8pt")

    def _value_brushes(self, values: np.ndarray) -> list:
        """A brush per point from the value's colour, quantized to ``SURFACE_SHADES`` shared brushes."""
        lo, hi = self._levels
        t = np.clip((np.nan_to_num(values, nan=lo) - lo) / ((hi - lo) or 1.0), 0.0, 1.0)
        shade = np.rint(t * (SURFACE_SHADES - 1)).astype(int)
        rgba = pg.colormap.get("viridis").map(np.linspace(0.0, 1.0, SURFACE_SHADES), mode="byte")
        palette = [pg.mkBrush(QColor(int(r), int(g), int(b))) for r, g, b, _a in rgba]
        return [palette[i] for i in shade.tolist()]

    def _surface_rgba(self, values: np.ndarray) -> np.ndarray:
        lo, hi = self._levels
        t = np.clip((values - lo) / ((hi - lo) or 1.0), 0.0, 1.0)
        return pg.colormap.get("viridis").map(t, mode="byte")

    # -- model snapshots --------------------------------------------------------------------------
    def _on_controller_boundaryUpdated(self, snap) -> None:
        if snap.kind != self.kind:
            return
        self.snapshot = snap
        x0, x1, y0, y1 = snap.extent
        if snap.kind != "curve" and self.extent is not None and not np.allclose(snap.extent, self.extent):
            self._show_extent(snap.extent)      # the grid decides: the view must match the picture
        if snap.kind == "curve":
            self.curve.setData(snap.xs, snap.values)
        else:
            if snap.kind == "classes":
                rgba = classes_to_rgba(snap.values, class_colors())
            else:
                rgba = self._surface_rgba(snap.values.reshape(-1)).reshape(snap.values.shape + (4,))
                rgba[..., 3] = MAX_ALPHA
            self.image = rgba
            self.image_item.setImage(rgba, autoLevels=False)
            self.image_item.setRect(x0, y0, x1 - x0, y1 - y0)
        self.redraw_count += 1
        self.caption.setText(self._caption(snap))

    def _caption(self, snap) -> str:
        what = {"classes": "Decision boundary: each class's colour, paler where the model is less sure",
                "surface": "Fitted surface: predicted value (colour), targets as dots in the same colours",
                "curve": "Fitted curve: the model's prediction (red) over the training and validation points"}
        text = what.get(self.kind or "", "")
        if snap is not None:
            text += f" — epoch {snap.epoch}, step {snap.step:,}"
        return text

    def _on_controller_confusionUpdated(self, cm) -> None:
        self.confusion.show_matrix(cm)

    def _on_controller_historyCleared(self) -> None:
        self._clear_model()

    def _clear_model(self) -> None:
        self.snapshot = None
        self.image = None
        self.image_item.clear()
        self.curve.setData([], [])
        self.confusion.clear()
        self.caption.setText(self._caption(None))

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._draw_points()
        self.controller.set_boundary_wanted(self, True)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().hideEvent(event)
        self.controller.set_boundary_wanted(self, False)


def _small_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    font = label.font()
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
    label.setFont(font)
    return label


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
