"""Redraw live plots within a time budget, on the training's one beat.

The data arrives 10 times a second but a plot costs 3-15 ms to draw (axes, text, curves), and every
millisecond the GUI thread holds the GIL is taken from the training thread (and on a machine whose
cores are all busy, the GUI thread's CPU time is taken from the training's share too). So plots marked
dirty are redrawn one at a time, round-robin, on the controller's ``ticked`` beat (the same timer
that drains the training's events: one timer between a step and a pixel), keeping the drawing
(``setData`` plus the paints Qt does afterwards, measured by :attr:`LivePlot.paint_seconds`) under
``share`` of the wall time, and only while the host widget is visible. With no Run in flight there is
no beat: :meth:`RedrawScheduler.flush` draws what is dirty at once (the panel shown again).
"""
from __future__ import annotations

import time

__all__ = ["RedrawScheduler", "MAX_DRAW_SHARE"]

MAX_DRAW_SHARE = 0.03    # plot drawing takes at most this share of the wall time while training (each
                         # point of it is a point of training speed: pyqtgraph paints in Python)
MIN_REDRAW_GAP_S = 0.03  # and no plot is redrawn more than ~30 times a second
MAX_COST_S = 0.1         # a first paint (fonts, caches) must not silence the plots for seconds


class RedrawScheduler:
    """``mark(*names)`` after new data, ``tick()`` on each beat; ``draw_all()`` redraws everything now."""

    def __init__(self, host, plots: dict, history, share: float = MAX_DRAW_SHARE) -> None:
        self.host, self.plots, self.history, self.share = host, plots, history, share
        self.redraw_count = 0
        self.draw_seconds = 0.0
        self._dirty: set[str] = set()
        self._order = list(plots)
        self._painted_before = 0.0
        self._next = 0.0
        self.before_draw: dict = {}   # plot name -> what to do before it is drawn (the findings' shades)

    def mark(self, *names: str) -> None:
        self._dirty.update(names)

    def clear(self) -> None:
        self._dirty.clear()

    def draw_all(self) -> None:
        for name in self.plots:
            self._draw(name)

    def flush(self) -> None:
        """Draw every dirty plot now (no beat to wait for: nothing is training)."""
        if self.host.isVisible():
            for name in [n for n in self._order if n in self._dirty]:
                self._draw(name)

    def tick(self) -> None:
        """One beat: the next dirty plot is drawn when the budget allows it."""
        if not self._dirty or not self.host.isVisible() or time.perf_counter() < self._next:
            return
        name = next(n for n in self._order if n in self._dirty)
        self._order.remove(name)
        self._order.append(name)                   # round-robin: the others go first next time
        painted = sum(plot.paint_seconds for plot in self.plots.values())
        cost = self._draw(name) + (painted - self._painted_before)
        self._painted_before = painted
        self.draw_seconds += cost
        wait = min(MAX_COST_S, cost) * (1.0 / self.share - 1.0)
        self._next = time.perf_counter() + max(MIN_REDRAW_GAP_S / len(self.plots), wait)

    def _draw(self, name: str) -> float:
        t0 = time.perf_counter()
        plot = self.plots[name]
        before = self.before_draw.get(name)
        if before is not None:
            before()
        plot.refresh(self.history)
        plot.settle()
        self._dirty.discard(name)
        self.redraw_count += 1
        return time.perf_counter() - t0
