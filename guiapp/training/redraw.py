"""Redraw live plots within a time budget, on the training's one beat.

The data arrives 10 times a second but a plot costs 3-15 ms to draw (axes, text, curves), and every
millisecond the GUI thread holds the GIL is taken from the training thread (and on a machine whose
cores are all busy, the GUI thread's CPU time is taken from the training's share too). So plots marked
dirty are redrawn one at a time, round-robin, on the controller's ``ticked`` beat (the same timer
that drains the training's events: one timer between a step and a pixel), keeping the drawing
(``setData`` plus the paints Qt does afterwards, measured by :attr:`LivePlot.paint_seconds`) under
``share`` of the wall time, and only while the host widget is visible. With no Run in flight there is
no beat: :meth:`RedrawScheduler.flush` draws what is dirty at once (the panel shown again).

When every plot changes at once (a Run's start clears them, its end redraws them), drawing and painting
all four in one turn held the GUI thread 90-150 ms: Qt paints each plot in its own queued event, but it
sends every queued event in one go, so no timer or input got in between. Then the plots take turns
(:meth:`RedrawScheduler.draw_all`, :meth:`RedrawScheduler.hold_paints`): one is drawn or painted per
turn of the event loop, the others keep their pixels until theirs; :meth:`RedrawScheduler.settled`
says when all are done. A paced draw takes a turn of its own too, after the drain's turn that asked for it.
"""
from __future__ import annotations

import time

from .. import turns

__all__ = ["RedrawScheduler", "MAX_DRAW_SHARE"]

MAX_DRAW_SHARE = 0.02    # plot drawing takes at most this share of the wall time while training (each
                         # point of it is a point of training speed: pyqtgraph paints in Python, holding
                         # the GIL the training thread needs; 3% left the window at 0.88x headless)
MIN_REDRAW_GAP_S = 0.03  # and no plot is redrawn more than ~30 times a second
MAX_COST_S = 0.03        # a first paint (fonts, caches) must not silence the plots for seconds


class RedrawScheduler:
    """``mark(*names)`` after new data, ``tick()`` on each beat; ``draw_all()`` redraws everything now."""

    def __init__(self, host, plots: dict, history, share: float = MAX_DRAW_SHARE, first: str | None = None) -> None:
        self.host, self.plots, self.history, self.share = host, plots, history, share
        self.first = first            # the plot people watch: while it has news, every other paced draw is its
        self._last_name: str | None = None
        self.redraw_count = 0
        self.draw_seconds = 0.0
        self._dirty: set[str] = set()
        self._order = list(plots)
        self._last: tuple | None = None   # (plot, its paint seconds when drawn) of the last paced draw
        self._next = 0.0
        self.before_draw: dict = {}   # plot name -> what to do before it is drawn (the findings' shades)
        self._waiting: set = set()   # ("draw", name) or ("paint", name): jobs in guiapp.turns

    def mark(self, *names: str) -> None:
        self._dirty.update(names)

    def clear(self) -> None:
        self._dirty.clear()
        self._last = None

    def draw_all(self) -> None:
        """Redraw every plot from the history: the first now, the others one per turn of the event loop."""
        names = list(self.plots)
        self._dirty.update(names)
        self._last = None                          # (these paints are not the pace's)
        self._draw(names[0])
        for name in names[1:]:
            self._later("draw", name)

    def hold_paints(self) -> None:
        """Every plot is about to change in this turn (a Run starts: the canvas and the controls change
        too): they keep their pixels, and are painted one per turn of the event loop after it."""
        for name, plot in self.plots.items():
            if plot.updatesEnabled():
                plot.setUpdatesEnabled(False)
                self._later("paint", name)

    def settled(self) -> bool:
        """Whether every plot is drawn and painted (none waits for its turn)."""
        return not self._waiting

    def finish(self) -> None:
        """Take this panel's waiting turns now (before an export: the file shows what the history holds)."""
        for kind, name in sorted(self._waiting, key=lambda t: t[0] != "paint"):   # (paints first)
            self._take_turn(kind, name)

    def _later(self, kind: str, name: str) -> None:
        self._waiting.add((kind, name))
        turns.later(lambda: self._take_turn(kind, name), key=(id(self), kind, name), owner=self.host)

    def _take_turn(self, kind: str, name: str) -> None:
        if (kind, name) not in self._waiting:
            return                                 # (taken already by finish())
        self._waiting.discard((kind, name))
        if kind == "paint":
            self.plots[name].setUpdatesEnabled(True)   # Qt paints it before the next turn
        elif kind == "paced":
            self._paced_draw(name)
        elif name in self._dirty:
            self._draw(name)

    def flush(self) -> None:
        """Draw every dirty plot now (no beat to wait for: nothing is training)."""
        if self.host.isVisible():
            for name in [n for n in self._order if n in self._dirty]:
                self._draw(name)

    def tick(self) -> None:
        """One beat: the next dirty plot is drawn, in a turn of its own, when the budget allows it (in
        the drain's turn its draw and paint joined the progress bar's and the other views')."""
        if (not self._dirty or not self.host.isVisible() or time.perf_counter() < self._next
                or any(kind == "paced" for kind, _ in self._waiting)):
            return
        dirty = [n for n in self._order if n in self._dirty]
        if self.first in self._dirty and (self._last_name != self.first or len(dirty) == 1):
            name = self.first                      # (four plots round-robin left it 3-6 s behind)
        else:
            name = next(n for n in dirty if n != self.first)
        self._order.remove(name)
        self._order.append(name)                   # round-robin: the others go first next time
        self._last_name = name
        self._later("paced", name)

    def _paced_draw(self, name: str) -> None:
        if name not in self._dirty:                # (drawn meanwhile: the Run's end, a Reset)
            return
        # the paints the last paced draw caused (its plot's, since): charging every plot's paints here
        # also charged a Run's start (four plots painted, 30-40 ms) to its first draw, and at this
        # share that silenced the plots for seconds (one live redraw in a 3 s run)
        painted = self._last[0].paint_seconds - self._last[1] if self._last is not None else 0.0
        cost = self._draw(name) + painted
        plot = self.plots[name]
        self._last = (plot, plot.paint_seconds)
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
