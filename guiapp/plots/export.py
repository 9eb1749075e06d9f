"""Export a pyqtgraph plot as PNG or SVG at a fixed, readable size, whatever its size on screen.

The plot is laid out again at ``EXPORT_WIDTH / EXPORT_SCALE`` x ``EXPORT_HEIGHT / EXPORT_SCALE``
logical pixels (its axes choose their ticks for that size), rendered at ``EXPORT_SCALE`` (text and
lines stay in proportion to the image) and put back to its on-screen size before anything repaints.
A plot squeezed to 580 x 97 on screen then still exports as a 1200 x 600 picture with readable ticks.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QRectF, QSize

__all__ = ["EXPORT_HEIGHT", "EXPORT_SCALE", "EXPORT_WIDTH", "export_plot"]

EXPORT_WIDTH = 1200
EXPORT_HEIGHT = 600
EXPORT_SCALE = 1.5     # laid out at 800 x 400, drawn 1.5 times larger


def export_plot(item, path: str | Path, width: int | None = None, height: int | None = None) -> Path:
    """Save a pyqtgraph item (a PlotItem) as PNG (or any image suffix Qt writes) or SVG.

    ``width`` defaults to 1200 px and ``height`` to half the width, at least 500 px.

    SVG goes through Qt's ``QSvgGenerator`` rendering the item's part of the scene: pyqtgraph
    0.14's SVGExporter fails on the path syntax Qt 6.11 writes (``x,y = c.split(',')``,
    pyqtgraph issue #3485).
    """
    path = Path(path)
    width = int(width or EXPORT_WIDTH)
    height = int(height or max(500, width // 2))
    with _laid_out(item, width / EXPORT_SCALE, height / EXPORT_SCALE):
        if path.suffix.lower() == ".svg":
            _export_svg(item, path, width, height)
        else:
            from pyqtgraph.exporters import ImageExporter
            exporter = ImageExporter(item)
            exporter.parameters()["width"] = width      # the height follows the item's aspect ratio
            exporter.parameters()["height"] = height
            exporter.export(str(path))
    return path


@contextmanager
def _laid_out(item, width: float, height: float):
    """``item`` resized to ``width`` x ``height`` (its layout applied now), then back."""
    old = item.geometry()
    axes = [a["item"] for a in getattr(item, "axes", {}).values()]
    text_sizes = [(a.textWidth, a.textHeight) for a in axes]
    try:
        item.setGeometry(QRectF(old.x(), old.y(), width, height))
        _activate(item)
        yield
    finally:
        # the axes widen for the export's tick labels and never narrow by themselves
        for axis, (w, h) in zip(axes, text_sizes):
            axis.textWidth, axis.textHeight = w, h
            if axis.orientation in ("left", "right"):
                axis._updateWidth()
            else:
                axis._updateHeight()
        item.setGeometry(old)
        _activate(item)


def _activate(item) -> None:
    layout = item.layout() if callable(getattr(item, "layout", None)) else getattr(item, "layout", None)
    if layout is not None:
        layout.activate()


def _export_svg(item, path: Path, width: int, height: int) -> None:
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    from .colors import plot_colors
    source = item.sceneBoundingRect()
    gen = QSvgGenerator()
    gen.setFileName(str(path))
    gen.setSize(QSize(width, height))
    gen.setViewBox(QRectF(0, 0, source.width(), source.height()))
    gen.setTitle(path.stem)
    gen.setDescription("Exported by LossLab")
    painter = QPainter(gen)
    try:
        painter.fillRect(QRectF(0, 0, source.width(), source.height()), plot_colors()[0])
        item.scene().render(painter, QRectF(0, 0, source.width(), source.height()), source)
    finally:
        painter.end()
