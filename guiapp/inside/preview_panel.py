"""``PreviewPanel``: the node the canvas points at, its output on the sample batch: shape, statistics,
which weights, a value histogram and the picture that fits the data (:mod:`.pictures`)."""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from .colormap import DIVERGING, colour_at, to_qimage
from .preview_engine import PreviewResult

GAP = 6.0
LEGEND_H = 30.0
_TITLES = {"plane": "each unit over the input plane", "curve": "each unit along the input",
           "maps": "feature maps", "strips": "each unit (row) over the sample rows"}


def anchors_for(pic) -> tuple[str, ...]:
    """Zero is white on every scale: a two-signed output takes the whole diverging map, a one-signed
    one (a ReLU's) the half from white to its sign's colour."""
    neg, mid, pos = DIVERGING
    if pic.diverging:
        return DIVERGING
    return (mid, pos) if pic.lo >= 0 else (neg, mid)


def fmt(v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return "–"
    return f"{v:.3g}"


def _text_colour(widget: QWidget, disabled: bool = False) -> QColor:
    group = QPalette.ColorGroup.Disabled if disabled else QPalette.ColorGroup.Active
    return widget.palette().color(group, QPalette.ColorRole.WindowText)


class HistogramWidget(QWidget):
    """The output values' histogram, with the range under it and zero marked."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.counts, self.edges = np.zeros(0), np.zeros(1)
        self.setMinimumHeight(64)
        self.setMaximumHeight(90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_histogram(self, counts: np.ndarray, edges: np.ndarray) -> None:
        self.counts, self.edges = counts, edges
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        text = _text_colour(self)
        plot = QRectF(4, 4, self.width() - 8, self.height() - 22)
        if self.counts.size == 0 or self.counts.max() <= 0:
            p.setPen(_text_colour(self, True))
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, "no values")
            return
        lo, hi = float(self.edges[0]), float(self.edges[-1])
        n, top = self.counts.size, float(self.counts.max())
        bar = plot.width() / n
        colour = self.palette().color(QPalette.ColorRole.Highlight)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        for i, c in enumerate(self.counts):
            h = plot.height() * c / top
            p.drawRect(QRectF(plot.left() + i * bar + 0.5, plot.bottom() - h, max(1.0, bar - 1.0), h))
        p.setPen(QPen(text, 1))
        p.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        if lo < 0 < hi:                     # where zero lies
            x = plot.left() + plot.width() * (0 - lo) / (hi - lo)
            p.setPen(QPen(text, 1, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
        p.setPen(text)
        row = QRectF(plot.left(), plot.bottom() + 2, plot.width(), 16)
        p.drawText(row, Qt.AlignmentFlag.AlignLeft, fmt(lo))
        p.drawText(row, Qt.AlignmentFlag.AlignRight, fmt(hi))
        p.drawText(row, Qt.AlignmentFlag.AlignHCenter, "values on the sample batch")


class PictureWidget(QWidget):
    """Small multiples of the node's output with one colour scale; emits ``painted(generation)``
    once a result is on screen (the window benchmark waits for it)."""

    painted = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.result: PreviewResult | None = None
        self.images: list = []
        self.painted_generation = -1          # the newest result on screen
        self.setMinimumHeight(160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_result(self, result: PreviewResult) -> None:
        self.result = result
        pic = result.picture
        anchors = anchors_for(pic)
        self.images = ([to_qimage(t, pic.lo, pic.hi, anchors) for t in pic.tiles]
                       if pic.kind in ("plane", "maps", "strips") else [])
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = self.result
        area = QRectF(2, 2, self.width() - 4, self.height() - 4)
        pic = r.picture if r is not None else None
        if pic is None or pic.kind == "none":
            p.setPen(_text_colour(self, True))
            p.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       (pic.note if pic is not None and pic.note else "") or "")
        else:
            p.setPen(_text_colour(self))
            p.drawText(QRectF(area.left(), area.top(), area.width(), 16), Qt.AlignmentFlag.AlignLeft,
                       f"{_TITLES.get(pic.kind, '')} · {pic.note}")
            body = QRectF(area.left(), area.top() + 20, area.width(), area.height() - 20 - LEGEND_H)
            if pic.kind == "strips":
                self._paint_strip(p, body)
            else:
                self._paint_tiles(p, body, pic)
            self._paint_legend(p, QRectF(area.left(), area.bottom() - LEGEND_H + 6, area.width(), LEGEND_H - 6), pic)
        p.end()
        if r is not None:
            self.painted_generation = r.generation
            self.painted.emit(r.generation)

    def _paint_tiles(self, p: QPainter, body: QRectF, pic) -> None:
        n = len(pic.tiles)
        aspect = 1.0 if pic.kind != "maps" else pic.tiles[0].shape[1] / max(1, pic.tiles[0].shape[0])
        best = (0.0, 1)
        for cols in range(1, n + 1):        # the column count that gives the largest tiles
            rows = math.ceil(n / cols)
            w = min((body.width() - GAP * (cols - 1)) / cols, (body.height() - GAP * (rows - 1)) / rows * aspect)
            if w > best[0]:
                best = (w, cols)
        w, cols = best
        w = min(w, 140.0)
        h = w / aspect
        frame = _text_colour(self, True)
        smooth = pic.kind == "plane"
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        for i in range(n):
            rect = QRectF(body.left() + (i % cols) * (w + GAP), body.top() + (i // cols) * (h + GAP), w, h)
            if pic.kind == "curve":
                self._paint_curve(p, rect, pic.tiles[i], pic.lo, pic.hi)
            else:
                p.drawImage(rect, self.images[i])
            p.setPen(QPen(frame, 1))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(rect)
            if w >= 36:                     # the unit's number on a plate that any colour leaves legible
                tag = QRectF(rect.left() + 1, rect.top() + 1, 8 + 7 * len(pic.labels[i]), 14)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor(255, 255, 255, 190))
                p.drawRect(tag)
                p.setPen(QColor("#202020"))
                p.drawText(tag, Qt.AlignmentFlag.AlignCenter, pic.labels[i])

    def _paint_curve(self, p: QPainter, rect: QRectF, ys: np.ndarray, lo: float, hi: float) -> None:
        span = (hi - lo) or 1.0
        if lo < 0 < hi:
            y0 = rect.bottom() - rect.height() * (0 - lo) / span
            p.setPen(QPen(_text_colour(self, True), 1))          # (a dotted line cost more than the curve)
            p.drawLine(QPointF(rect.left(), y0), QPointF(rect.right(), y0))
        xs = np.linspace(rect.left(), rect.right(), ys.size)
        yv = rect.bottom() - rect.height() * (np.clip(np.nan_to_num(ys), lo, hi) - lo) / span
        p.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 1.5))
        p.drawPolyline(QPolygonF([QPointF(float(x), float(y)) for x, y in zip(xs, yv)]))

    def _paint_strip(self, p: QPainter, body: QRectF) -> None:
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        rect = body.adjusted(0, 0, 0, -14)
        p.drawImage(rect, self.images[0])
        p.setPen(QPen(_text_colour(self, True), 1))
        p.drawRect(rect)
        p.setPen(_text_colour(self))
        p.drawText(QRectF(rect.left(), rect.bottom() + 1, rect.width(), 14), Qt.AlignmentFlag.AlignLeft,
                   "units ↓ · samples →")

    def _paint_legend(self, p: QPainter, rect: QRectF, pic) -> None:
        anchors = anchors_for(pic)
        bar = QRectF(rect.left() + 40, rect.top(), rect.width() - 80, 10)
        grad = QLinearGradient(bar.topLeft(), bar.topRight())
        for t in (0.0, 0.25, 0.5, 0.75, 1.0):
            grad.setColorAt(t, colour_at(anchors, t))
        p.setPen(QPen(_text_colour(self, True), 1))
        p.setBrush(grad)
        p.drawRect(bar)
        p.setPen(_text_colour(self))
        p.drawText(QRectF(rect.left(), rect.top() - 3, 38, 16), Qt.AlignmentFlag.AlignRight, fmt(pic.lo))
        p.drawText(QRectF(bar.right() + 2, rect.top() - 3, 38, 16), Qt.AlignmentFlag.AlignLeft, fmt(pic.hi))
        if pic.diverging:
            p.drawText(QRectF(bar.left(), bar.bottom(), bar.width(), 14), Qt.AlignmentFlag.AlignHCenter, "0")


class PreviewPanel(QWidget):
    """Shows :class:`PreviewResult`s of a :class:`~.preview_controller.NodePreviewer`."""

    def __init__(self, previewer=None, parent=None):
        super().__init__(parent)
        self.title = QLabel("Select or point at a node on the canvas to see its output on a sample batch.")
        self.title.setWordWrap(True)
        self.stats = QLabel()
        self.stats.setWordWrap(True)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #e53935;")
        self.error.hide()
        self.histogram = HistogramWidget()
        self.picture = PictureWidget()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        for w in (self.title, self.stats, self.error, self.histogram):
            lay.addWidget(w)
        lay.addWidget(self.picture, 1)
        self.result: PreviewResult | None = None
        if previewer is not None:
            previewer.previewReady.connect(self.show_result)

    def show_result(self, result: PreviewResult) -> None:
        """Show one result: the node's numbers and pictures, its error, or the hint."""
        self.result = result
        pv = result.preview
        if result.node is None:
            self.title.setText("Select or point at a node on the canvas to see its output on a sample batch.")
            self.stats.clear()
        else:
            shape = " × ".join(str(s) for s in pv.shape) if pv is not None and pv.shape is not None else "?"
            kind = f" ({pv.type})" if pv is not None else ""
            weights = f" · <i>{result.weights_label}</i>" if result.weights_label else ""
            self.title.setText(f"<b>{result.node}</b>{kind} → {shape} per sample{weights}")
            if pv is not None and pv.mean is not None:
                zeros = f" · zeros {100 * pv.zero_share:.0f}%" if pv.zero_share else ""
                self.stats.setText(f"mean {fmt(pv.mean)} · spread {fmt(pv.std)} · min {fmt(pv.min)} · "
                                   f"max {fmt(pv.max)}{zeros}")
            else:
                self.stats.clear()
        self.error.setText(result.error or "")
        self.error.setVisible(bool(result.error))
        self.histogram.setVisible(not result.error and result.node is not None)
        self.histogram.set_histogram(result.counts, result.edges)
        self.picture.set_result(result)
