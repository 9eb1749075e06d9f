"""GUI benchmarks while the spiral example trains: GUI-thread latency, training speed with the live
panel against the same training headless, and how often metrics cross the thread boundary.

Run: ``QT_QPA_PLATFORM=offscreen python -m pytest tests/benchmarks/bench_gui_*.py -m benchmark -s``.
Each test prints its figures; the asserts are loose (a shared machine is noisy), the figures matter.
"""
from __future__ import annotations

import statistics
import time

import numpy as np
import pytest

from core.project import Project
from core.training import train
from guiapp.document import ProjectDocument
from guiapp.training import BoundaryView, TrainingController, TrainingPanel, torch_threads
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.benchmark

SPIRAL = EXAMPLES / "spiral.losslab.json"
EPOCHS = 150


@pytest.fixture
def live(qtbot):
    """A controller with the training panel and the boundary view on screen, warmed up as ``guiapp.app``
    does after start (``guiapp.warm_up``; without it the first Run imports scipy.ndimage on the training
    thread and holds the GIL for a few hundred ms: a start-up cost, not the panel's)."""
    from guiapp.warm_up import warm_up
    warm_up(fork_server=False)
    doc = ProjectDocument(Project.load(SPIRAL))
    c = TrainingController(doc)
    panel, view = TrainingPanel(c), BoundaryView(c)
    for w, size in ((panel, (1200, 700)), (view, (500, 700))):
        qtbot.addWidget(w)
        w.resize(*size)
        w.show()
    qtbot.waitExposed(panel)
    yield c, panel, view
    c.stop_and_wait(2.0)


def _train_live(qtbot, c: TrainingController, epochs: int = EPOCHS):
    with qtbot.waitSignal(c.runFinished, timeout=120_000) as finished:
        c.reset()
        assert c.run(epochs=epochs)
    return finished.args[0]


def _train_headless(doc, epochs: int = EPOCHS):
    return train(doc.project.copy(), dataset=doc.dataset, epochs=epochs, threads=torch_threads())


def test_gui_latency_while_training(qtbot, live):
    from PySide6.QtCore import QTimer
    c, panel, _view = live
    interval = 10
    late: list[float] = []
    last = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        late.append(max(0.0, (now - last[0]) * 1000 - interval))
        last[0] = now

    probe = QTimer()
    probe.setTimerType(probe.timerType().PreciseTimer)
    probe.setInterval(interval)
    probe.timeout.connect(tick)
    c.runStarted.connect(lambda _info: (last.__setitem__(0, time.perf_counter()), probe.start()))
    result = _train_live(qtbot, c)
    probe.stop()
    p50, p95, p99 = np.percentile(late, [50, 95, 99])
    print(f"\nGUI latency while training spiral ({result.steps} steps, {result.steps_per_second:.0f} steps/s, "
          f"{panel.redraw_count} plot redraws): lateness of a 10 ms timer over {len(late)} ticks: "
          f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, max {max(late):.1f} ms")
    assert p99 < 250


def test_steps_per_second_live_panel_vs_headless(qtbot, live):
    c, panel, _view = live
    _train_headless(c.document, 10)                     # warm up torch
    headless, gui = [], []
    for _ in range(3):                                  # interleaved: the machine's load drifts
        headless.append(_train_headless(c.document).steps_per_second)
        gui.append(_train_live(qtbot, c).steps_per_second)
    h, g = statistics.median(headless), statistics.median(gui)
    print(f"\nsteps/s, spiral {EPOCHS} epochs, {torch_threads()} torch thread(s): headless "
          f"{[round(v) for v in headless]} median {h:.0f}; live panel + boundary "
          f"{[round(v) for v in gui]} median {g:.0f}; ratio {g / h:.2f}")
    assert g / h > 0.4


def test_metric_drains_per_second(qtbot, live):
    c, panel, view = live
    drains0, redraws0 = c.drain_count, panel.redraw_count
    t0 = time.perf_counter()
    result = _train_live(qtbot, c)
    wall = time.perf_counter() - t0
    drains = (c.drain_count - drains0) / wall
    print(f"\nthread crossings while training ({result.steps} steps in {wall:.2f} s): {drains:.1f} GUI drains/s "
          f"(each: one stepsArrived + historyUpdated), {(panel.redraw_count - redraws0) / wall:.1f} plot redraws/s, "
          f"{view.redraw_count / wall:.1f} boundary images/s")
    assert drains <= 35
