"""A loss plot holding one million steps: the time of one live update (append a batch of steps,
setData as the panel's timer does, then let Qt paint it: processEvents until the plot has painted),
and of a full ``grab()``."""
from __future__ import annotations

import time

import numpy as np
import pytest

from core.training.events import RunInfo
from guiapp.training.history import RunHistory
from guiapp.training.loss_plots import OptimizerPlot, StepLossPlot
from guiapp.training.payloads import StepChunk

pytestmark = pytest.mark.benchmark

N = 1_000_000


def _history(n: int) -> RunHistory:
    h = RunHistory()
    h.start_segment(RunInfo("bench", 10, n // 10, 1000, 100, 100, "cpu", 1, ("out",), "classification", 0.01))
    rng = np.random.default_rng(0)
    steps = np.arange(1, n + 1)
    loss = 2.0 / np.sqrt(steps) + 0.1 * rng.random(n)
    h.add_steps(StepChunk(1, 1, loss, np.full(n, 0.01), rng.random(n)))
    return h


@pytest.mark.parametrize("plot_cls", [StepLossPlot, OptimizerPlot], ids=["loss", "grad-norm+lr"])
def test_redraw_with_a_million_steps(qtbot, plot_cls):
    from PySide6.QtWidgets import QApplication
    h = _history(N)
    plot = plot_cls()
    qtbot.addWidget(plot)
    plot.resize(800, 400)
    plot.show()
    qtbot.waitExposed(plot)
    t0 = time.perf_counter()
    plot.refresh(h)                                   # first: smooths all N points once
    plot.viewport().repaint()
    first = (time.perf_counter() - t0) * 1000
    QApplication.processEvents()
    times = []
    for _ in range(15):
        h.add_steps(StepChunk(h.n_steps + 1, 1, np.random.rand(64), np.full(64, 0.01), np.random.rand(64)))
        painted = plot.paint_count
        t = time.perf_counter()
        plot.refresh(h)
        while plot.paint_count == painted:
            QApplication.processEvents()
        times.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    plot.grab()
    grab = (time.perf_counter() - t) * 1000
    print(f"\n{plot_cls.__name__} with {plot.point_count(next(iter(plot.curves))):,} points: live update "
          f"(append 64 steps, setData, repaint) median {np.median(times):.1f} ms, max {max(times):.1f} ms; "
          f"first draw incl. smoothing {first:.0f} ms; grab {grab:.1f} ms")
    assert np.median(times) < 500
