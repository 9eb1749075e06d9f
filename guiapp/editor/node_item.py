"""A layer on the canvas: a rounded card with the type, id, key parameters, inferred output shape,
parameter count, output-head tag, problem badge, and an input (top) and output (bottom) port."""
from __future__ import annotations

from typing import Any, Sequence

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QStyle

from core.catalog import LAYERS
from core.catalog.layer_shapes import fmt_shape

from core.layout import GRID, NODE_H, NODE_W
from .style import ERROR_COLOUR, HEAD_COLOUR, SELECT_COLOUR, category_colour, paint_glyph

HEADER_H = 24.0
HEAD_TAG_H = 22.0
PORT_R = 5.5


def format_value(value: Any, tuple_len: int = 0) -> str:
    """A parameter value as the card shows it: ``3×3`` for a pair, ``(1, -1)`` for a shape."""
    if value is None:
        return "auto"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if tuple_len == 2 and len(value) == 2:
            return f"{value[0]}×{value[1]}"
        return "(" + ", ".join(format_value(v) for v in value) + ")"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def format_count(n: int) -> str:
    """``48 params``, ``12.3k params``, ``1.2M params``."""
    if n >= 1_000_000:
        return f"{n / 1e6:.1f}M params"
    if n >= 10_000:
        return f"{n / 1e3:.0f}k params"
    if n >= 1_000:
        return f"{n / 1e3:.1f}k params"
    return f"{n} param" + ("" if n == 1 else "s")


class PortItem(QGraphicsEllipseItem):
    """A connection point; ``kind`` is ``"in"`` (top) or ``"out"`` (bottom)."""

    def __init__(self, node: "NodeItem", kind: str):
        super().__init__(-PORT_R, -PORT_R, 2 * PORT_R, 2 * PORT_R, node)
        self.node, self.kind = node, kind
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setZValue(2)
        self._set_hot(False)
        self.setToolTip("drag to another layer's input to connect" if kind == "out"
                        else "drop a connection here, or drag from here to a layer's output")

    def _set_hot(self, hot: bool) -> None:
        self.setPen(QPen(QColor("#37474f"), 1.5))
        self.setBrush(QColor(SELECT_COLOUR) if hot else QColor("white"))
        self.setScale(1.35 if hot else 1.0)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), PORT_R + 5, PORT_R + 5)  # easier to hit than to see
        return path

    def hoverEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._set_hot(True)

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._set_hot(False)


class BadgeItem(QGraphicsEllipseItem):
    """The red (error) or amber (warning) badge; its tooltip holds the problem messages."""

    def __init__(self, node: "NodeItem"):
        super().__init__(-9, -9, 18, 18, node)
        self.setPen(QPen(QColor("white"), 1.5))
        self.setZValue(3)
        self.setVisible(False)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        super().paint(painter, option, widget)
        painter.setPen(QColor("white"))
        font = QFont(painter.font())
        font.setBold(True)
        font.setPixelSize(13)
        painter.setFont(font)
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "!")


HEALTH_COLOURS = {"ok": "#43a047", "watch": "#f9a825", "problem": "#e53935"}


class HealthBadgeItem(QGraphicsEllipseItem):
    """The small training-health dot (ok / watch / problem) at the card's lower right; its tooltip
    holds the node's numbers at the last probe (see ``core.health.grade``)."""

    def __init__(self, node: "NodeItem"):
        super().__init__(-6, -6, 12, 12, node)
        self.setPen(QPen(QColor("white"), 1.5))
        self.setZValue(3)
        self.level: str | None = None
        self.setVisible(False)

    def show_level(self, level: str | None, tooltip: str = "") -> None:
        """Show ``level`` ("ok", "watch", "problem"), or hide the dot with None."""
        self.level = level
        self.setVisible(level is not None)
        if level is not None:
            self.setBrush(QColor(HEALTH_COLOURS[level]))
        self.setToolTip(tooltip)


class NodeItem(QGraphicsItem):
    """One node of the graph. The scene keeps it in sync with the document; it holds no state of
    the project beyond what it shows."""

    def __init__(self, node_id: str, type_name: str):
        super().__init__()
        self.node_id, self.type_name = node_id, type_name
        self.entry = LAYERS.get(type_name)
        self.edges: list = []
        self._params: dict[str, Any] = {}
        self._head: str | None = None
        self._shape_text = ""
        self._count_text = ""
        self._flash = False
        self._flash_left = 0
        self._height = NODE_H
        self._has_error = False
        self._drop_hint = False
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self.in_port = PortItem(self, "in") if not self.entry.is_input else None
        self.out_port = PortItem(self, "out")
        self.badge = BadgeItem(self)
        self.badge.setPos(NODE_W - 2, 2)
        self.health = HealthBadgeItem(self)
        from .smalldata_marks import SmallDataMark   # frozen / transferred / lr multiplier marks
        self.smalldata = SmallDataMark(self, HEADER_H, NODE_W)
        self._place_ports()

    # -- content -----------------------------------------------------------------------------------
    def set_spec(self, params: dict[str, Any], head: str | None) -> None:
        """Show the node's stored parameters and the loss of its output head (None = not a head)."""
        height = NODE_H + (HEAD_TAG_H if head else 0.0)
        if height != self._height:
            self.prepareGeometryChange()
            self._height = height
            self._place_ports()
        self._params, self._head = dict(params), head
        self.update()

    def set_info(self, out_shape: Sequence[int] | None, n_params: int, problems: Sequence[Any],
                 checked: bool) -> None:
        """Show the inferred output shape, the parameter count and the node's problems."""
        if not checked:
            self._shape_text, self._count_text = "shape: load the data", ""
        elif out_shape is None:
            self._shape_text, self._count_text = "→ ?", ""
        else:
            self._shape_text = "→ " + fmt_shape(out_shape)
            self._count_text = format_count(n_params) if n_params else ""
        errors = [p for p in problems if getattr(p, "severity", "error") == "error"]
        self.badge.setVisible(bool(problems))
        self.badge.setBrush(QColor(ERROR_COLOUR if errors else "#f9a825"))
        self.badge.setToolTip("\n\n".join(p.message for p in problems))
        self._has_error = bool(errors)
        self.setToolTip(f"{self.node_id} ({self.type_name})\n{self.entry.doc}")
        self.update()

    def key_params(self) -> list[str]:
        """The card's parameter texts (``out_features 16``), from the catalog's ``show`` list."""
        parts = []
        for name in self.entry.show:
            p = self.entry.param(name)
            parts.append(f"{name} {format_value(self._params.get(name, p.default), p.tuple_len)}")
        return parts

    @property
    def head(self) -> str | None:
        return self._head

    # -- geometry ----------------------------------------------------------------------------------
    def _place_ports(self) -> None:
        self.health.setPos(NODE_W - 10, self._height - 10)
        if self.in_port is not None:
            self.in_port.setPos(NODE_W / 2, 0)
        self.out_port.setPos(NODE_W / 2, self._height)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF(-6, -6, NODE_W + 12, self._height + 34)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, NODE_W, self._height), 8, 8)
        return path

    def card_rect(self) -> QRectF:
        """The card in scene coordinates."""
        return QRectF(self.pos(), QRectF(0, 0, NODE_W, self._height).size())

    def input_point(self) -> QPointF:
        return self.mapToScene(QPointF(NODE_W / 2, 0))

    def output_point(self) -> QPointF:
        return self.mapToScene(QPointF(NODE_W / 2, self._height))

    def itemChange(self, change, value):  # noqa: N802 - Qt's name
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange and getattr(
                self.scene(), "dragging_nodes", False):  # snap what the mouse moves, keep stored places
            return QPointF(round(value.x() / GRID) * GRID, round(value.y() / GRID) * GRID)
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for e in self.edges:
                e.update_path()
        return super().itemChange(change, value)

    def set_drop_hint(self, on: bool) -> None:
        """Mark this node as where a dragged layer would be inserted after."""
        if on != self._drop_hint:
            self._drop_hint = on
            self.update()

    def flash(self, times: int = 6) -> None:
        """Blink the outline a few times (the findings panel's "show me")."""
        self._flash_left = times
        self._tick_flash()

    def _tick_flash(self) -> None:
        try:
            if self.scene() is None:
                return
        except RuntimeError:     # the window (and this item) was deleted while it blinked
            return
        self._flash = self._flash_left > 0 and self._flash_left % 2 == 0
        self.update()
        if self._flash_left > 0:
            self._flash_left -= 1
            QTimer.singleShot(160, self._tick_flash)

    # -- painting ----------------------------------------------------------------------------------
    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = category_colour(self.entry.category)
        card = QRectF(0, 0, NODE_W, self._height)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        # body
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 28))
        painter.drawRoundedRect(card.translated(1.5, 2.5), 8, 8)
        painter.setBrush(QColor("white"))
        painter.drawRoundedRect(card, 8, 8)
        # header band
        header = QPainterPath()
        header.addRoundedRect(QRectF(0, 0, NODE_W, HEADER_H + 8), 8, 8)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, NODE_W, HEADER_H))
        painter.setBrush(colour)
        painter.drawPath(header.intersected(clip))
        paint_glyph(painter, self.entry.category, QRectF(7, 4, 16, 16), QColor("white"))
        bold = QFont(painter.font())
        bold.setPixelSize(13)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor("white"))
        type_w = QFontMetricsF(bold).horizontalAdvance(self.type_name)
        painter.drawText(QRectF(29, 0, NODE_W - 34, HEADER_H), Qt.AlignmentFlag.AlignVCenter, self.type_name)
        small = QFont(painter.font())
        small.setPixelSize(11)
        small.setBold(False)
        painter.setFont(small)
        painter.setPen(QColor(255, 255, 255, 215))
        id_w = NODE_W - 29 - type_w - 20
        id_text = QFontMetricsF(small).elidedText(self.node_id, Qt.TextElideMode.ElideMiddle, max(id_w, 10))
        painter.drawText(QRectF(0, 0, NODE_W - 10, HEADER_H), Qt.AlignmentFlag.AlignVCenter
                         | Qt.AlignmentFlag.AlignRight, id_text)
        # key parameters: one line, or two in a smaller font when they do not fit
        self._paint_params(painter)
        # shape and parameter count
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPixelSize(12)
        painter.setFont(mono)
        painter.setPen(QColor(ERROR_COLOUR) if self._shape_text == "→ ?" else QColor("#37474f"))
        line = QRectF(10, HEADER_H + 36, NODE_W - 20, 22)
        painter.drawText(line, Qt.AlignmentFlag.AlignVCenter, self._shape_text)
        painter.setFont(small)
        painter.setPen(QColor("#78909c"))
        painter.drawText(line, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, self._count_text)
        if self._head:
            self._paint_head(painter, small)
        # outline
        if self._flash or selected:
            pen = QPen(QColor(SELECT_COLOUR), 3 if self._flash else 2.5)
        elif self._has_error:
            pen = QPen(QColor(ERROR_COLOUR), 1.6)
        else:
            pen = QPen(colour.darker(125), 1.2)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(card, 8, 8)
        if self._drop_hint:
            self._paint_drop_hint(painter)

    def _paint_drop_hint(self, painter: QPainter) -> None:
        accent = QColor(SELECT_COLOUR)
        painter.setPen(QPen(accent, 2, Qt.PenStyle.DashLine))
        painter.drawRoundedRect(QRectF(-4, -4, NODE_W + 8, self._height + 8), 10, 10)
        y = self._height + 20
        painter.setPen(QPen(accent, 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(QPointF(NODE_W * 0.3, y), QPointF(NODE_W * 0.7, y))
        painter.setBrush(accent)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(QPointF(NODE_W / 2, y), 8, 8)
        painter.setPen(QPen(QColor("white"), 2))
        painter.drawLine(QPointF(NODE_W / 2 - 4, y), QPointF(NODE_W / 2 + 4, y))
        painter.drawLine(QPointF(NODE_W / 2, y - 4), QPointF(NODE_W / 2, y + 4))

    def _paint_params(self, painter: QPainter) -> None:
        parts = self.key_params()
        area = QRectF(10, HEADER_H + 4, NODE_W - 20, 32)
        font = QFont(painter.font())
        font.setPixelSize(12)
        if not parts:
            painter.setFont(font)
            painter.setPen(QColor("#90a4ae"))
            painter.drawText(area, Qt.AlignmentFlag.AlignVCenter,
                             "from the data" if self.entry.is_input else self.entry.category.lower())
            return
        painter.setPen(QColor("#263238"))
        text = "  ·  ".join(parts)
        if QFontMetricsF(font).horizontalAdvance(text) <= area.width() or len(parts) == 1:
            painter.setFont(font)
            lines = [text]
        else:
            font.setPixelSize(11)
            painter.setFont(font)
            half = (len(parts) + 1) // 2
            lines = ["  ·  ".join(parts[:half]), "  ·  ".join(parts[half:])]
        metrics = QFontMetricsF(font)
        step = area.height() / len(lines)
        for i, line in enumerate(lines):
            painter.drawText(QRectF(area.left(), area.top() + i * step, area.width(), step),
                             Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(line, Qt.TextElideMode.ElideRight, area.width()))

    def _paint_head(self, painter: QPainter, font: QFont) -> None:
        tag = QRectF(6, NODE_H - 4, NODE_W - 12, HEAD_TAG_H - 2)
        painter.setPen(QPen(QColor(HEAD_COLOUR).lighter(160), 1))
        painter.setBrush(QColor("#f3e5f5"))
        painter.drawRoundedRect(tag, 5, 5)
        painter.setPen(QPen(QColor(HEAD_COLOUR), 1.4))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        c = QPointF(tag.left() + 11, tag.center().y())
        painter.drawEllipse(c, 5, 5)
        painter.setBrush(QColor(HEAD_COLOUR))
        painter.drawEllipse(c, 1.8, 1.8)
        bold = QFont(font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(tag.adjusted(22, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter,
                         QFontMetricsF(bold).elidedText(self._head, Qt.TextElideMode.ElideRight, tag.width() - 26))
