"""``HealthView``: one statistic of every node over a run, one row per node, time across, colour =
value (fastai's "colourful dimension" plot). Live while training (one column per epoch's last
probe), or a stored run's series. A click on a row selects the node on the canvas; a click on a
column (or the slider) picks the probe whose values the canvas badges show (:mod:`.replay`)."""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPalette, QPen
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from .colormap import SEQUENTIAL, colour_at, to_qimage

#: (key, what the menu says, log colour scale)
STATISTICS = (("dead", "dead share (ReLU units zero on every sample)", False),
              ("saturated", "saturated share (Sigmoid / Tanh at the ends)", False),
              ("std", "activation spread", False),
              ("grad_norm", "gradient norm", True),
              ("update_ratio", "update / weight ratio (about 0.001 is healthy)", True))
LABEL_W = 96.0
AXIS_H = 34.0
MAX_ROW_H = 28.0
LIVE_REDRAW_MS = 500   # a live run's rows, redrawn at most this often (as the findings list)


def probe_rows(probes: list[dict], key: str) -> tuple[list[str], np.ndarray]:
    """(node ids in first-seen order, ``(nodes, probes)`` values of ``key``; NaN where a probe has none).
    Nodes without the statistic at all (no dead share for a Linear) get no row."""
    order: list[str] = []
    for probe in probes:
        for node in probe.get("nodes", {}):
            if node not in order:
                order.append(node)
    values = np.full((len(order), len(probes)), np.nan)
    for j, probe in enumerate(probes):
        nodes = probe.get("nodes", {})
        for i, node in enumerate(order):
            v = nodes.get(node, {}).get(key)
            if isinstance(v, (int, float)) and math.isfinite(v):
                values[i, j] = v
    keep = [i for i in range(len(order)) if np.isfinite(values[i]).any()]   # nodes the statistic applies to
    return [order[i] for i in keep], values[keep]


class HeatRows(QWidget):
    """The painted rows; ``nodeClicked(id)`` and ``probeClicked(index)`` on a click."""

    nodeClicked = Signal(str)
    probeClicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.nodes: list[str] = []
        self.values = np.zeros((0, 0))
        self.epochs: list[int] = []
        self.log = False
        self.lo = self.hi = 0.0
        self.current: int | None = None
        self.highlight: str | None = None
        self._image = None
        self.setMouseTracking(True)
        self.setMinimumHeight(120)

    def set_rows(self, nodes: list[str], values: np.ndarray, epochs: list[int], log: bool) -> None:
        self.nodes, self.values, self.epochs, self.log = nodes, values, epochs, log
        shown = np.where(values > 0, np.log10(np.where(values > 0, values, 1.0)), np.nan) if log else values
        finite = shown[np.isfinite(shown)]
        self.lo, self.hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if not log and self.lo >= 0 and self.hi <= 1:       # shares: the whole 0..1 scale
            self.lo, self.hi = 0.0, 1.0
        self._image = to_qimage(shown, self.lo, self.hi, SEQUENTIAL) if shown.size else None
        self.update()

    def empty_text(self) -> str:
        if not self.epochs:
            return "No health probes yet: run the training, or pick a run in the Runs panel and Show Health."
        return "No node of this network has this statistic (dead share: ReLU family; saturated: Sigmoid, Tanh)."

    def _plot(self) -> QRectF:
        room = max(10.0, self.height() - AXIS_H - 8)
        height = min(room, MAX_ROW_H * len(self.nodes)) if self.nodes else room   # a few nodes stay rows, not slabs
        return QRectF(LABEL_W, 4, max(10.0, self.width() - LABEL_W - 8), height)

    def cell_at(self, x: float, y: float) -> tuple[int | None, int | None]:
        """(row, column) under a point of the widget; None outside."""
        r = self._plot()
        if not self.nodes or not self.epochs:
            return None, None
        row = int((y - r.top()) / r.height() * len(self.nodes)) if r.top() <= y < r.bottom() else None
        col = int((x - r.left()) / r.width() * len(self.epochs)) if r.left() <= x < r.right() else None
        return row, col

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        row, col = self.cell_at(event.position().x(), event.position().y())
        if row is not None:
            self.nodeClicked.emit(self.nodes[row])
        if col is not None:
            self.probeClicked.emit(col)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        row, col = self.cell_at(event.position().x(), event.position().y())
        if row is None or col is None:
            self.setToolTip("")
            return
        v = self.values[row, col]
        self.setToolTip(f"{self.nodes[row]} · epoch {self.epochs[col]}: "
                        f"{'no value' if not math.isfinite(v) else f'{v:.3g}'}\nclick: select the node, "
                        "show this epoch's health on the canvas")

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        faint = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
        r = self._plot()
        if self._image is None or not self.nodes:
            p.setPen(faint)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty_text())
            return
        p.drawImage(r, self._image)
        n = len(self.nodes)
        row_h = r.height() / n
        font = p.font()
        font.setPixelSize(int(max(8, min(12, row_h - 2))))
        p.setFont(font)
        for i, node in enumerate(self.nodes):
            y = r.top() + i * row_h
            p.setPen(QColor("#e53935") if node == self.highlight else text)
            if row_h >= 8:
                p.drawText(QRectF(2, y, LABEL_W - 6, row_h), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                           node)
        p.setPen(QPen(faint, 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(r)
        if self.highlight in self.nodes:            # the node selected on the canvas
            i = self.nodes.index(self.highlight)
            p.setPen(QPen(QColor("#e53935"), 1.5, Qt.PenStyle.DashLine))
            p.drawRect(QRectF(r.left(), r.top() + i * row_h, r.width(), row_h))
        self._paint_axis(p, r, text)

    def _paint_axis(self, p: QPainter, r: QRectF, text: QColor) -> None:
        m = len(self.epochs)
        col_w = r.width() / m
        if self.current is not None and 0 <= self.current < m:
            p.setPen(QPen(QColor("#e53935"), 2))
            p.drawRect(QRectF(r.left() + self.current * col_w, r.top(), col_w, r.height()))
        p.setPen(text)
        p.drawText(QRectF(2, r.bottom() + 1, LABEL_W - 6, 14), Qt.AlignmentFlag.AlignRight, "epoch")
        step = max(1, math.ceil(m / max(1, r.width() / 40)))
        for j in range(0, m, step):
            p.drawText(QRectF(r.left() + j * col_w - 20 + col_w / 2, r.bottom() + 1, 40, 14),
                       Qt.AlignmentFlag.AlignHCenter, str(self.epochs[j]))
        bar = QRectF(r.left() + 60, r.bottom() + 19, min(220.0, r.width() - 140), 9)
        grad = QLinearGradient(bar.topLeft(), bar.topRight())
        for t in (0.0, 0.5, 1.0):
            grad.setColorAt(t, colour_at(SEQUENTIAL, t))
        p.setBrush(grad)
        p.drawRect(bar)
        lo, hi = (10 ** self.lo, 10 ** self.hi) if self.log else (self.lo, self.hi)
        p.drawText(QRectF(2, r.bottom() + 15, LABEL_W - 6, 16), Qt.AlignmentFlag.AlignRight, "colour")
        p.drawText(QRectF(r.left(), r.bottom() + 15, 56, 16), Qt.AlignmentFlag.AlignRight, f"{lo:.2g}")
        p.drawText(QRectF(bar.right() + 4, r.bottom() + 15, 140, 16), Qt.AlignmentFlag.AlignLeft,
                   f"{hi:.2g}" + (" (log scale)" if self.log else ""))


class HealthView(QWidget):
    """The statistic picker, the heat rows, and a slider over the probes (see the module doc)."""

    nodeClicked = Signal(str)
    probePicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.probes: list[dict] = []
        self.source = "live"          # "live" or a stored run's name
        self._pending = False         # live probes arrived since the last redraw
        self._follow = True           # ... and the slider was on the newest probe then
        self._paced = QTimer(self, singleShot=True, interval=LIVE_REDRAW_MS, timeout=self._redraw_pending)
        self.combo = QComboBox()
        for key, text, _log in STATISTICS:
            self.combo.addItem(text, key)
        self.combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.combo.currentIndexChanged.connect(lambda _i: self._redraw())
        self.caption = QLabel()
        self.rows = HeatRows()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self._on_slider_valueChanged)
        self.epoch_label = QLabel()
        self.rows.nodeClicked.connect(self.nodeClicked)
        self.rows.probeClicked.connect(self.slider.setValue)
        top = QHBoxLayout()
        top.addWidget(QLabel("Statistic:"))
        top.addWidget(self.combo, 1)
        top.addWidget(self.caption, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.slider, 1)
        bottom.addWidget(self.epoch_label)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.rows, 1)
        lay.addLayout(bottom)
        self._redraw()

    @property
    def statistic(self) -> str:
        return self.combo.currentData()

    def highlight_node(self, node: str | None) -> None:
        """Mark the row of ``node`` (the node selected on the canvas)."""
        self.rows.highlight = node
        self.rows.update()

    def set_statistic(self, key: str) -> None:
        self.combo.setCurrentIndex(max(0, self.combo.findData(key)))

    def set_probes(self, probes: list[dict], source: str = "live", *, emit: bool = True) -> None:
        """Show these probes (``{"step", "epoch", "nodes": {node: {statistic: value}}}``), the last picked
        (``emit``: and say so, so the canvas badges show it)."""
        self.probes, self.source = list(probes), source
        self._redraw(pick_last=True, emit=emit)

    def add_probe(self, probe: dict) -> None:
        """One more probe of the live run (ignored while a stored run is shown). The rows are redrawn at
        most every ``LIVE_REDRAW_MS``, and only while the view is seen: a redraw reads every probe so far,
        and one per epoch made the GUI thread's work grow with the run."""
        if self.source != "live":
            return
        if not self._pending:
            self._follow = not self.probes or self.slider.value() == self.slider.maximum()
        self.probes.append(probe)
        self._pending = True
        if self.isVisible() and not self._paced.isActive():
            self._paced.start()

    def _redraw_pending(self) -> None:
        if self._pending:
            self._redraw(pick_last=self._follow, emit=False)   # the badges follow the live run by themselves

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._redraw_pending()

    def clear(self) -> None:
        self.set_probes([], "live")

    def _redraw(self, pick_last: bool = False, emit: bool = True) -> None:
        self._pending = False
        key = self.statistic
        log = next(lg for k, _t, lg in STATISTICS if k == key)
        nodes, values = probe_rows(self.probes, key)
        self.rows.set_rows(nodes, values, [int(p.get("epoch", j + 1)) for j, p in enumerate(self.probes)], log)
        n = len(self.probes)
        self.caption.setText("live run" if self.source == "live" else f"stored run: {self.source}")
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, n - 1))
        if pick_last:
            self.slider.setValue(max(0, n - 1))
        self.slider.blockSignals(False)
        self.slider.setEnabled(n > 1)
        self._show_current(emit=emit and pick_last and n > 0)

    def _on_slider_valueChanged(self, _v: int) -> None:
        self._show_current(emit=True)

    def _show_current(self, emit: bool) -> None:
        k = self.slider.value() if self.probes else None
        self.rows.current = k
        self.rows.update()
        if k is None:
            self.epoch_label.setText("")
            return
        probe = self.probes[k]
        self.epoch_label.setText(f"epoch {probe.get('epoch', k + 1)} · step {probe.get('step', '?')}")
        if emit:
            self.probePicked.emit(k)
