"""Ranges that move in steps while a Run draws: the axes are redrawn a few times per Run, not per redraw.

pyqtgraph fits the range to the data on every update, and a new range makes both axes compute their
ticks and texts again: 4-5 ms of the 5-6 ms a live plot's paint costs (1 ms with the axes as they
were), in Python, holding the GIL the training thread needs. While a Run is drawn
(:meth:`HeldRangeViewBox.hold`), an auto-range keeps the range shown as long as the data fits in it
and fills most of it; when the data grows past an end, that end moves on with room to spare
(:func:`held_range`). When the Run ends the plots fit their data exactly again. A zoom or pan by the
person, or a finding's range, is never touched: those switch the auto-range off.
"""
from __future__ import annotations

import math

import pyqtgraph as pg

__all__ = ["HeldRangeViewBox", "held_range", "hold_ranges", "KEEP", "X_ROOM", "Y_ROOM"]

KEEP = 0.7      # the range stays while the data fills at least this share of it
X_ROOM = 0.25   # room past the newest step or epoch when the data grows past the right end
Y_ROOM = 0.1    # room past a new lowest or highest value


def held_range(current: tuple[float, float], target: tuple[float, float], room: float,
               keep: float = KEEP, padding: float = 0.0) -> tuple[float, float]:
    """The range to show when the data needs ``target`` (its bounds with ``padding``, a share of their
    span, on each side, as pyqtgraph pads them) and ``current`` is shown: ``current`` while it holds
    the data and the data fills at least ``keep`` of it; else ``target``, with ``room`` (a share of
    the data's span) past each end the data grew past. The room never crosses zero (a loss stays >= 0)."""
    a, b = current
    lo, hi = target
    if not all(math.isfinite(v) for v in (a, b, lo, hi)) or hi <= lo or b <= a:
        return target
    span = (hi - lo) / (1.0 + 2.0 * padding)          # the data's own bounds, without the padding
    data_lo, data_hi = lo + span * padding, hi - span * padding
    if a <= data_lo and data_hi <= b and span >= keep * (b - a):
        return current
    new_lo, new_hi = lo, hi
    if data_lo < a:
        new_lo = lo - span * room
        if data_lo >= 0.0:
            new_lo = max(min(lo, 0.0), new_lo)
    if data_hi > b:
        new_hi = hi + span * room
        if data_hi <= 0.0:
            new_hi = min(max(hi, 0.0), new_hi)
    return new_lo, new_hi


class HeldRangeViewBox(pg.ViewBox):
    """A ViewBox whose auto-range moves in steps while :meth:`hold` is on (see the module doc)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.held = False
        self._fit_next = False

    def hold(self, on: bool) -> None:
        """On: auto-ranges move in steps (a Run is drawn; its first fits exactly). Off: they fit the data."""
        self.held = bool(on)
        self._fit_next = self.held
        if not self.held:
            self.queueUpdateAutoRange()

    def setRange(self, rect=None, xRange=None, yRange=None, padding=None, update=True,  # noqa: N802 - pyqtgraph's
                 disableAutoRange=True):  # noqa: N803
        # only the auto-range passes disableAutoRange=False (updateAutoRange): a zoom, a pan or a
        # finding's range come through unchanged
        if self.held and not disableAutoRange and rect is None:
            if self._fit_next:
                self._fit_next = False
            else:
                (x0, x1), (y0, y1) = self.viewRange()
                if xRange is not None:
                    xRange = held_range((x0, x1), (float(xRange[0]), float(xRange[1])), X_ROOM,
                                        padding=self.suggestPadding(self.XAxis))
                if yRange is not None:
                    yRange = held_range((y0, y1), (float(yRange[0]), float(yRange[1])), Y_ROOM,
                                        padding=self.suggestPadding(self.YAxis))
        return super().setRange(rect, xRange, yRange, padding, update, disableAutoRange)


def hold_ranges(plot, on: bool) -> None:
    """While a Run is drawn (on), ``plot``'s (a :class:`~guiapp.plots.LivePlot`) auto-range moves in
    steps and its axes keep their ticks between them; off, the plot fits its data again."""
    plot.getPlotItem().vb.hold(on)
