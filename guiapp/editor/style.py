"""Colours and glyphs of the layer categories, shared by the canvas and the palette.

A category's colour and glyph name come from its catalog records (``LayerEntry.style``); this module
only knows how to draw each glyph, with QPainter paths (no font or image files needed), in a 16x16
box. An unknown glyph name draws a circle, so a new category needs no code here.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from core.catalog import category_style

ERROR_COLOUR = "#d32f2f"
SELECT_COLOUR = "#ff9800"
HEAD_COLOUR = "#6a1b9a"
EDGE_COLOUR = "#78848f"


def category_colour(category: str) -> QColor:
    """The accent colour of a layer category (from its catalog style)."""
    return QColor(category_style(category).colour)


def _glyph_path(category: str) -> tuple[QPainterPath, QPainterPath]:
    """(stroked path, filled path) of a category's glyph in a 16x16 box."""
    s, f = QPainterPath(), QPainterPath()
    glyph = category_style(category).glyph
    if glyph == "input":
        s.moveTo(8, 1); s.lineTo(8, 10)
        s.moveTo(4, 6.5); s.lineTo(8, 10.5); s.lineTo(12, 6.5)
        s.moveTo(2, 14); s.lineTo(14, 14)
    elif glyph == "dense":
        left = [QPointF(3, 3), QPointF(3, 8), QPointF(3, 13)]
        right = [QPointF(13, 5.5), QPointF(13, 10.5)]
        for a in left:
            for b in right:
                s.moveTo(a); s.lineTo(b)
        for p in left + right:
            f.addEllipse(p, 2, 2)
    elif glyph == "convolution":
        s.addRect(QRectF(2, 2, 12, 12))
        for k in (6, 10):
            s.moveTo(k, 2); s.lineTo(k, 14)
            s.moveTo(2, k); s.lineTo(14, k)
        f.addRect(QRectF(2, 2, 4, 4))
    elif glyph == "pooling":
        s.addRect(QRectF(1.5, 1.5, 9, 9))
        s.moveTo(6, 1.5); s.lineTo(6, 10.5)
        s.moveTo(1.5, 6); s.lineTo(10.5, 6)
        f.addRect(QRectF(10, 10, 5, 5))
    elif glyph == "reshape":
        s.addRect(QRectF(1.5, 4, 6, 6))
        s.moveTo(9, 7); s.lineTo(14.5, 7)
        s.moveTo(12, 4.5); s.lineTo(14.5, 7); s.lineTo(12, 9.5)
        s.moveTo(1.5, 13.5); s.lineTo(14.5, 13.5)
    elif glyph == "regularization":
        for i in range(3):
            for j in range(3):
                c = QPointF(3 + 5 * i, 3 + 5 * j)
                (s if (i + j) % 2 else f).addEllipse(c, 1.8, 1.8)
    elif glyph == "normalization":
        s.moveTo(1, 14)
        for i in range(29):
            x = 1 + i * 0.5
            s.lineTo(x, 14 - 11 * math.exp(-((x - 8) ** 2) / 8))
        s.moveTo(1, 14.5); s.lineTo(15, 14.5)
    elif glyph == "recurrent":
        s.arcMoveTo(QRectF(2.5, 2.5, 11, 11), 60)
        s.arcTo(QRectF(2.5, 2.5, 11, 11), 60, 300)
        f.moveTo(10.5, 0.8); f.lineTo(14.5, 4.3); f.lineTo(9.3, 5.8); f.closeSubpath()
    elif glyph == "merge":
        s.moveTo(3, 1.5); s.lineTo(8, 8); s.lineTo(13, 1.5)
        s.moveTo(8, 8); s.lineTo(8, 14.5)
        f.addEllipse(QPointF(8, 8), 2.2, 2.2)
    elif glyph == "activation":
        s.moveTo(1, 11); s.lineTo(8, 11); s.lineTo(15, 2)
        s.moveTo(1, 14.5); s.lineTo(15, 14.5)
    elif glyph == "identity":
        s.moveTo(1.5, 8); s.lineTo(14.5, 8)
        s.moveTo(11, 4.5); s.lineTo(14.5, 8); s.lineTo(11, 11.5)
        f.addEllipse(QPointF(3, 8), 1.8, 1.8)
    else:
        s.addEllipse(QRectF(3, 3, 10, 10))
    return s, f


def paint_glyph(painter: QPainter, category: str, rect: QRectF, colour: QColor) -> None:
    """Draw the category's glyph scaled into ``rect`` in ``colour``."""
    stroke, fill = _glyph_path(category)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.translate(rect.topLeft())
    painter.scale(rect.width() / 16.0, rect.height() / 16.0)
    pen = QPen(colour, 1.4)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(stroke)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawPath(fill)
    painter.restore()


def category_icon(category: str, size: int = 20) -> QIcon:
    """An icon for the palette: the white glyph on a rounded square of the category's colour."""
    icon = QIcon()
    for scale in (1, 2):
        px = QPixmap(size * scale, size * scale)
        px.fill(Qt.GlobalColor.transparent)
        p = QPainter(px)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(category_colour(category))
        r = QRectF(0, 0, size * scale, size * scale)
        p.drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), 4 * scale, 4 * scale)
        m = 3 * scale
        paint_glyph(p, category, r.adjusted(m, m, -m, -m), QColor("white"))
        p.end()
        px.setDevicePixelRatio(scale)
        icon.addPixmap(px)
    return icon
