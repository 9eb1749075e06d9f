"""The canvas marks of small data on a node card: frozen (a lock and a hatched body), transferred (an
arrow coming in) and a learning-rate multiplier (``×10``). Drawn by one child item of the card, on
the card's left edge, so they never cover the error badge (top right) or the health dot (bottom right)."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

FROZEN_COLOUR = "#5c7c99"
TRANSFER_COLOUR = "#00897b"
MARK_R = 9.0


class SmallDataMark(QGraphicsItem):
    """Marks of one node; ``show_settings(spec)`` takes its :class:`core.project.NodeSpec`."""

    def __init__(self, card, header_h: float, card_w: float):
        super().__init__(card)
        self.card, self.header_h, self.card_w = card, header_h, card_w
        self.frozen = False
        self.transfer: str | None = None      # "run X, node Y" / "file F, node Y"
        self.lr_multiplier = 1.0
        self.setZValue(2)
        self.setAcceptHoverEvents(True)
        self.setVisible(False)

    def show_settings(self, spec) -> None:
        init = getattr(spec, "init", None)
        src = None
        if init:
            what = f"run {init['run']}" if "run" in init else f"file {init['file']}"
            src = f"{what}, node {init.get('node', spec.id)}"
        frozen, mult = bool(getattr(spec, "frozen", False)), float(getattr(spec, "lr_multiplier", 1.0))
        if (frozen, src, mult) == (self.frozen, self.transfer, self.lr_multiplier):
            return
        self.prepareGeometryChange()
        self.frozen, self.transfer, self.lr_multiplier = frozen, src, mult
        self.setVisible(frozen or src is not None or mult != 1.0)
        tips = []
        if src:
            tips.append(f"Initial weights from {src}")
        if frozen:
            tips.append("Frozen: no gradient, BatchNorm statistics held")
        if mult != 1.0:
            tips.append(f"Learning rate × {mult:g}")
        self.setToolTip("\n".join(tips))
        self.update()

    def _height(self) -> float:
        return self.card.card_rect().height()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        if not self.isVisible():
            return QRectF()   # no mark on this node: nothing to draw or to add to the scene's bounds
        NODE_W = self.card_w  # noqa: N806
        return QRectF(-MARK_R - 2, -MARK_R - 2, NODE_W + 2 * MARK_R + 4, self._height() + 2 * MARK_R + 4)

    def _marks(self) -> list[tuple[str, QPointF]]:
        marks, y = [], 4.0
        for kind, on in (("transfer", self.transfer is not None), ("frozen", self.frozen),
                         ("lr", self.lr_multiplier != 1.0)):
            if on:
                marks.append((kind, QPointF(-2.0, y)))
                y += 2 * MARK_R + 3
        return marks

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        for _, c in self._marks():
            path.addEllipse(c, MARK_R, MARK_R)
        return path

    def paint(self, painter: QPainter, option, widget=None) -> None:
        NODE_W = self.card_w  # noqa: N806
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.frozen:   # a light hatch over the body: this layer does not learn
            body = QPainterPath()
            body.addRoundedRect(QRectF(0, self.header_h, NODE_W, self._height() - self.header_h), 8, 8)
            painter.save()
            painter.setClipPath(body)
            painter.setPen(QPen(QColor(92, 124, 153, 60), 1.2))
            h = self._height()
            x = -h
            while x < NODE_W:
                painter.drawLine(QPointF(x, h), QPointF(x + h, 0))
                x += 9
            painter.restore()
        for kind, c in self._marks():
            colour = QColor(TRANSFER_COLOUR if kind == "transfer" else FROZEN_COLOUR)
            painter.setPen(QPen(QColor("white"), 1.5))
            painter.setBrush(colour)
            painter.drawEllipse(c, MARK_R, MARK_R)
            painter.setPen(QPen(QColor("white"), 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            if kind == "transfer":    # an arrow coming in from the left
                painter.drawLine(c + QPointF(-4.5, 0), c + QPointF(4, 0))
                painter.drawLine(c + QPointF(0.5, -3.5), c + QPointF(4, 0))
                painter.drawLine(c + QPointF(0.5, 3.5), c + QPointF(4, 0))
            elif kind == "frozen":    # a padlock
                painter.drawArc(QRectF(c.x() - 3, c.y() - 6, 6, 7), 0, 180 * 16)
                painter.setBrush(QColor("white"))
                painter.setPen(Qt.PenStyle.NoPen)
                painter.drawRoundedRect(QRectF(c.x() - 4.5, c.y() - 1.5, 9, 6.5), 1.5, 1.5)
            else:
                font = QFont(painter.font())
                font.setPixelSize(8)
                font.setBold(True)
                painter.setFont(font)
                painter.setPen(QColor("white"))
                painter.drawText(QRectF(c.x() - MARK_R, c.y() - MARK_R, 2 * MARK_R, 2 * MARK_R),
                                 Qt.AlignmentFlag.AlignCenter, f"×{self.lr_multiplier:g}")
