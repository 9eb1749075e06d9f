"""Plot widgets for live training curves: growing buffers, smoothing and the :class:`LivePlot`."""
from __future__ import annotations

from .buffers import EmaState, GrowingArray, ema, ema_full
from .crosshair import Crosshair, fmt_value
from .live_plot import LivePlot, export_plot, plot_colors

__all__ = ["Crosshair", "EmaState", "GrowingArray", "LivePlot", "ema", "ema_full", "export_plot",
           "fmt_value", "plot_colors"]
