"""The colours of every plot, taken from the application's palette."""
from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

__all__ = ["plot_colors"]


def plot_colors() -> tuple[QColor, QColor]:
    """(background, foreground) of plots, taken from the application palette (light or dark)."""
    app = QApplication.instance()
    pal = app.palette() if app is not None else QPalette()
    return pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text)
