"""An edge on the canvas: a curve from one node's output port to another's input port, with an arrow."""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyle

from .node_item import PORT_R
from .style import EDGE_COLOUR, SELECT_COLOUR

ARROW = 9.0


def edge_path(a: QPointF, b: QPointF) -> QPainterPath:
    """A vertical S-curve from ``a`` (an output port) to ``b`` (an input port)."""
    path = QPainterPath(a)
    bend = max(40.0, abs(b.y() - a.y()) * 0.5, abs(b.x() - a.x()) * 0.25)
    path.cubicTo(QPointF(a.x(), a.y() + bend), QPointF(b.x(), b.y() - bend), b)
    return path


class EdgeItem(QGraphicsPathItem):
    """The edge ``src → dst`` between two :class:`NodeItem`; selectable (Delete removes it)."""

    def __init__(self, src, dst):
        super().__init__()
        self.src, self.dst = src, dst
        self.key = (src.node_id, dst.node_id)
        src.edges.append(self)
        dst.edges.append(self)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(0)
        self._hover = False
        self.update_path()

    def detach(self) -> None:
        """Forget the nodes before the item leaves the scene."""
        for n in (self.src, self.dst):
            if self in n.edges:
                n.edges.remove(self)

    def update_path(self) -> None:
        a, b = self.src.output_point(), self.dst.input_point()
        tip = QPointF(b.x(), b.y() - PORT_R - 1)  # the arrow stops at the port, not under it
        self.setPath(edge_path(a, QPointF(tip.x(), tip.y() - ARROW * 0.6)))
        self._tip = tip

    def set_shape_text(self, text: str) -> None:
        self.setToolTip(f"{self.key[0]} → {self.key[1]}" + (f"\n{text}" if text else "")
                        + "\nclick to select, Delete to remove")

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(12)
        return stroker.createStroke(self.path())

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return super().boundingRect().adjusted(-ARROW, -ARROW, ARROW, ARROW)

    def hoverEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._hover = False
        self.update()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        colour = QColor(SELECT_COLOUR) if selected else QColor(EDGE_COLOUR).darker(140 if self._hover else 100)
        width = 3.0 if selected else (2.4 if self._hover else 1.8)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())
        tip, end = self._tip, self.path().pointAtPercent(0.97)
        angle = math.atan2(tip.y() - end.y(), tip.x() - end.x())
        left = QPointF(tip.x() - ARROW * math.cos(angle - 0.45), tip.y() - ARROW * math.sin(angle - 0.45))
        right = QPointF(tip.x() - ARROW * math.cos(angle + 0.45), tip.y() - ARROW * math.sin(angle + 0.45))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawPolygon(QPolygonF([tip, left, right]))


class PendingEdgeItem(QGraphicsPathItem):
    """The rubber-band edge that follows the mouse while a connection is dragged from a port."""

    def __init__(self, start: QPointF, from_output: bool):
        super().__init__()
        self.start, self.from_output = start, from_output
        pen = QPen(QColor(SELECT_COLOUR), 2, Qt.PenStyle.DashLine)
        self.setPen(pen)
        self.setZValue(5)
        self.follow(start)

    def follow(self, pos: QPointF) -> None:
        a, b = (self.start, pos) if self.from_output else (pos, self.start)
        self.setPath(edge_path(a, b))
